import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { auditLogDecryptSink } from '@custodian/core/audit';
import { introspect } from '@custodian/core/check';
import { EnvKeyProvider, FieldCrypto, KeyStore } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import {
  LocalArtifactStore,
  exportLinkKey,
  exportSubject,
  exportToStore,
  sendExportLink,
  signExportLink,
  type ExportFormat,
  type ExportManifest,
  type ExportSubjectOptions,
} from '@custodian/core/dsar';
import { ConfigError, CustodianError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { info } from '../../output.js';
import { modeFrom, rootKeyFor } from '../../start-server.js';
import { PERSON_FLAGS, PERSON_USAGE, describePerson, findPeople, personQuery } from './person.js';

export const usage = `custodian dsar export ${PERSON_USAGE}
       [--format json|csv-zip] [--out <file> | --store <dir> [--base-url <url>]]
       [--mail-to <address> --smtp-url <url> [--mail-from <address>]] [--sessions <table>[,<table>…]]

export finds the person and writes everything held about them: each table the policy
       says holds their rows (secret and omitted columns left out, encrypted values as
       stored unless the policy says decrypted), the tenant rows they belong to, the
       audit events about them and the records of decrypts of their data, with a
       manifest and its SHA-256. JSON (one document) or a zip of CSV files.
       --out writes a file (0600); --store keeps it in a private folder and prints a
       signed download link valid for the policy's requests.exportLinkTtl (7 days by
       default), which --mail-to sends by mail (the mail holds the link, never the data).
       --sessions names the person's session tables: records made in them are theirs.
       Without --out or --store the export goes to standard output.`;

const PROGRESS_EVERY = 10_000;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('dsar export', rest, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    ...PERSON_FLAGS,
    production: { type: 'boolean' },
    format: { type: 'string' },
    out: { type: 'string' },
    store: { type: 'string' },
    'base-url': { type: 'string' },
    'mail-to': { type: 'string' },
    'mail-from': { type: 'string' },
    'smtp-url': { type: 'string' },
    sessions: { type: 'string' },
  });
  if (values.help) return info(usage), 0;
  const format = (values.format ?? 'json') as ExportFormat;
  if (format !== 'json' && format !== 'csv-zip') throw new ConfigError('custodian dsar export: --format must be json or csv-zip', 'e.g. --format csv-zip');
  if (values.out !== undefined && values.store !== undefined) throw new ConfigError('custodian dsar export: give --out or --store, not both', 'use --store to get a download link');
  if (values['mail-to'] !== undefined && (values.store === undefined || values['smtp-url'] === undefined)) {
    throw new ConfigError('custodian dsar export: --mail-to needs --store (the mail carries a link to the stored export) and --smtp-url', 'e.g. --store ./exports --smtp-url smtp://mail.example.com:587');
  }
  if (values.out === undefined && values.store === undefined && format === 'csv-zip' && process.stdout.isTTY) {
    throw new ConfigError('custodian dsar export: a zip is not written to a terminal', 'give --out <file> or --store <dir>');
  }
  const baseUrl = values['base-url'] ?? 'http://localhost:3000';
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(baseUrl)) throw new ConfigError('custodian dsar export: --base-url must be an http(s) URL', 'e.g. --base-url https://privacy.example.com');
  const { policy } = await loadPolicy(values);
  personQuery('dsar export', values, policy);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const schema = await introspect(db);
    const people = await findPeople('dsar export', values, db, policy, schema);
    if (people.length === 0) throw new CustodianError('ERR_CONFIG_INVALID', `custodian dsar export: no ${values.subject} has that ${values.email !== undefined ? 'email' : values.id !== undefined ? 'id' : 'identity'}`);
    if (people.length > 1) throw new ConfigError(`custodian dsar export: that identity names ${people.length} people, one per tenant`, 'pass --tenant to choose one');
    const person = people[0]!;
    const needsRoot = values.store !== undefined || exportsDecrypted(policy);
    const root = needsRoot ? rootKeyFor(modeFrom(values.production), '.custodian').key : undefined;
    const options: ExportSubjectOptions = {
      policy,
      schema,
      subject: person,
      format,
      ...(root && exportsDecrypted(policy) ? { fields: fieldCrypto(db, policy, root) } : {}),
      actor: { type: 'operator', id: 'custodian-cli' },
      ...(values.sessions ? { sessions: values.sessions.split(',').map((table) => ({ table: table.trim() })) } : {}),
      onProgress: progressLines(),
    };
    info(`exporting ${describePerson(person)} as ${format}`);
    let manifest: ExportManifest;
    if (values.store !== undefined) {
      const stored = await exportToStore(db, new LocalArtifactStore(values.store), options);
      manifest = stored.manifest;
      const { token, expiresAt } = signExportLink(exportLinkKey(root!), { tenant: stored.ref.tenant, artifactId: stored.ref.id, ttl: policy.requests.exportLinkTtl });
      const url = `${baseUrl.replace(/\/$/, '')}/v1/exports?token=${token}`;
      info(`stored ${stored.size} bytes in ${values.store}; the link works until ${expiresAt.toISOString()}`);
      if (values['mail-to'] !== undefined) {
        const from = values['mail-from'] ?? policy.requestsContact ?? policy.contacts.privacy.email;
        await sendExportLink({ smtp: values['smtp-url']!, from, to: values['mail-to'], url, expiresAt, organization: policy.organization.name });
        info(`mailed the link to ${values['mail-to']}`);
      } else {
        process.stdout.write(`${url}\n`);
      }
    } else {
      const out: Writable = values.out !== undefined ? createWriteStream(values.out, { mode: 0o600, flags: 'wx' }) : process.stdout;
      if (values.out !== undefined) await opened(out, values.out);
      manifest = await exportSubject(db, options, out);
      if (values.out !== undefined) {
        out.end();
        await finished(out);
      }
    }
    info(`${manifest.tables.reduce((n, t) => n + t.rows, 0)} rows in ${manifest.tables.length} tables, ${manifest.audit.events} audit events, ${manifest.decrypts.records} decrypt records; sha256 ${manifest.sha256}`);
    return 0;
  } finally {
    await db.close();
  }
}

function exportsDecrypted(policy: Policy): boolean {
  return Object.values(policy.tables).some((t) => Object.values(t.columns).some((c) => c.encryption?.export === 'decrypted'));
}

function fieldCrypto(db: Database, policy: Policy, root: NonNullable<Parameters<typeof exportLinkKey>[0]>): FieldCrypto {
  // Decrypts for an export are recorded in the audit log (key.decrypt) before the value is written.
  return new FieldCrypto({ policy, keys: new KeyStore({ db, provider: new EnvKeyProvider(root) }), audit: auditLogDecryptSink(db), indexSecret: root });
}

/** Waits for the output file to open, so "it exists already" is a clear error before any work. */
async function opened(out: Writable, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`custodian dsar export: cannot create ${path}${error.code === 'EEXIST' ? ': it exists already' : ''}`, 'choose another --out, or remove the old file')),
    );
  });
}

/** A line on stderr every 10,000 rows of a section, so a long export shows it is moving. */
function progressLines(): NonNullable<ExportSubjectOptions['onProgress']> {
  const reported = new Map<string, number>();
  return ({ section, rows }) => {
    const last = reported.get(section) ?? 0;
    if (rows - last >= PROGRESS_EVERY) {
      reported.set(section, rows);
      info(`  ${section}: ${rows} rows`);
    }
  };
}
