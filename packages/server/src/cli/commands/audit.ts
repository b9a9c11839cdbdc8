import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import {
  archiveAuditLog,
  exportAuditLog,
  findAuditEvent,
  localArchiveStore,
  listCheckpoints,
  parseVerifierKey,
  resolveCheckpointSigner,
  verifyAuditLog,
  writeCheckpoints,
  type CheckpointSigner,
  type ExternalCheckpoint,
  type NoteVerifierKey,
} from '@custodian/core/audit';
import { ConfigError, CustodianError, isCustodianError } from '@custodian/core/errors';
import { parseDuration, toInterval } from '@custodian/core/policy';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../args.js';
import { loadPolicy, openFromFlags } from '../context.js';
import { green, info, json, red, yellow } from '../output.js';
import { modeFrom } from '../start-server.js';

export const summary = 'verify, export and archive the audit log; write and export signed checkpoints';

export const usage = `custodian audit verify [--tenant <id>] [--json] [--key <verifier key>]... [--checkpoints <file>] [--hash-in database|client] [--parallel <n>]
custodian audit checkpoint [--tenant <id>] [--json]
custodian audit export-checkpoints [--tenant <id>] [--out <file>]
custodian audit export --tenant <id> [--format jsonl|csv] [--from <ISO time>] [--to <ISO time>] [--action <ns.verb|ns.*>] [--out <file>]
custodian audit archive [--older-than <duration>] [--tenant <id>] [--archive-dir <dir>] [--policy custodian.config.ts] [--json]
custodian audit show --tenant <id> --seq <n> [--archive-dir <dir>]
  common: [--production] [--database-url <url> | --data-dir <dir>]

verify              walks every tenant's hash chain (or one), recomputing each hash, and
                    checks it against the signed checkpoints and the head record; names
                    the first bad sequence number and the kind of damage; exit 1 if any
--key               a trusted verifier key (<name>+<id>+<key>), besides the configured one
--checkpoints       a file written by export-checkpoints: copies kept outside the database
--hash-in           where hashes are recomputed from the columns: client (here; default) or
                    database (PostgreSQL's built-in sha256 over the verifier's own encoding,
                    compared there; only the events it finds out of the ordinary are sent)
--parallel          on PostgreSQL, ranges of each chain checked at once, each on its own
                    connection in one snapshot (1 to 8; default 2)
checkpoint          signs a checkpoint for every tenant whose chain grew (run it at intervals)
export-checkpoints  the stored checkpoints and the verifier key as JSON, to keep elsewhere
export              one tenant's events as JSON Lines (default) or CSV, streamed; each
                    carries the exact fields its hash covers, so the chain re-checks offline
archive             moves events older than the policy's audit.retention (or --older-than,
                    e.g. 2y) into signed segments under --archive-dir (default
                    .custodian/audit-archive); archived events stay findable by id
show                one event by id, from the table or from its archive segment

The signing key is CUSTODIAN_AUDIT_SIGNING_KEY (required with --production), else the
development key in .custodian/dev-audit-signing-key. See docs/audit.md.`;

const ACTIONS = ['verify', 'checkpoint', 'export-checkpoints', 'export', 'archive', 'show'];
const DEFAULT_ARCHIVE_DIR = join('.custodian', 'audit-archive');
const DEV_KEY_FILE = join('.custodian', 'dev-audit-signing-key');

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') return info(usage), action ? 0 : 2;
  if (!ACTIONS.includes(action)) {
    throw new ConfigError(`custodian audit: unknown action "${action.slice(0, 20)}"`, `use ${ACTIONS.join(', ')}`);
  }
  const { values } = parse(`audit ${action}`, rest, {
    ...DATABASE_FLAGS,
    json: { type: 'boolean' },
    production: { type: 'boolean' },
    tenant: { type: 'string' },
    key: { type: 'string', multiple: true },
    checkpoints: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    action: { type: 'string' },
    'older-than': { type: 'string' },
    'archive-dir': { type: 'string' },
    seq: { type: 'string' },
    'hash-in': { type: 'string' },
    parallel: { type: 'string' },
    ...POLICY_FLAGS,
  });
  if (values.help) return info(usage), 0;
  const only = (allowed: string[]) => {
    for (const flag of ['key', 'checkpoints', 'out', 'json'] as const) {
      if (values[flag] !== undefined && !allowed.includes(flag)) throw new ConfigError(`custodian audit ${action}: --${flag} does not apply here`, `run \`custodian audit ${action} --help\``);
    }
  };
  if (values.tenant !== undefined && values.tenant.trim() === '') throw new ConfigError(`custodian audit ${action}: --tenant is empty`, 'give a tenant id');
  const tenant = values.tenant === undefined ? {} : { tenant: values.tenant };
  const mode = modeFrom(values.production);

  if (action === 'verify') {
    only(['key', 'checkpoints', 'json']);
    const hashIn = values['hash-in'] ?? 'client';
    if (hashIn !== 'database' && hashIn !== 'client') throw new ConfigError('custodian audit verify: --hash-in must be database or client', 'e.g. --hash-in client');
    // At most 8: each range holds a connection of the pool (10 by default) for the whole walk.
    if (values.parallel !== undefined && !/^[1-8]$/.test(values.parallel)) throw new ConfigError('custodian audit verify: --parallel must be a whole number from 1 to 8', 'e.g. --parallel 2');
    const parallel = values.parallel === undefined ? {} : { parallel: Number(values.parallel) };
    const keys: NoteVerifierKey[] = (values.key ?? []).map((k) => parseVerifierKey(k));
    const configured = configuredSigner(mode);
    if (configured) keys.push(configured);
    const external = values.checkpoints === undefined ? [] : readExternal(values.checkpoints);
    const db = await openFromFlags(values, { mustExist: true });
    try {
      const report = await verifyAuditLog(db, { ...tenant, keys, external, hashIn, ...parallel });
      if (values.json) json(report);
      else {
        if (report.signatures === 'unchecked') info(yellow('no verifier key: checkpoint signatures were not checked (give --key or set CUSTODIAN_AUDIT_SIGNING_KEY)'));
        for (const t of report.tenants) {
          if (t.problems.length === 0) info(`${green('✓')} ${t.tenant}  ${t.events} events, ${t.checkpoints} checkpoints`);
          for (const p of t.problems) process.stdout.write(`${red('✗')} ${p.tenant}  seq ${p.seq}  ${p.kind}: ${p.message}\n`);
        }
        if (report.tenants.length === 0) info('the audit log is empty');
      }
      if (!report.ok) {
        const damaged = report.tenants.filter((t) => t.problems.length > 0);
        const first = damaged[0]!.problems[0]!;
        throw new CustodianError('ERR_AUDIT_VERIFY_FAILED', `the audit log failed verification: ${damaged.length} tenant${damaged.length === 1 ? '' : 's'} damaged, first ${first.kind} at sequence ${first.seq}`, {
          hint: 'treat it as tampering: compare with checkpoints kept outside the database (docs/audit.md)',
        });
      }
      if (!values.json) info(green(`verified ${report.events} events in ${report.tenants.length} tenant${report.tenants.length === 1 ? '' : 's'}`));
      return 0;
    } finally {
      await db.close();
    }
  }

  if (action === 'export') {
    if (values.tenant === undefined) throw new ConfigError('custodian audit export: --tenant is required', 'an export is one tenant’s log');
    const format = values.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new ConfigError('custodian audit export: --format must be jsonl or csv', 'e.g. --format csv');
    const query = {
      tenant: values.tenant,
      ...(values.from === undefined ? {} : { from: isoDate('from', values.from) }),
      ...(values.to === undefined ? {} : { to: isoDate('to', values.to) }),
      ...(values.action === undefined ? {} : { action: values.action }),
    };
    const db = await openFromFlags(values, { mustExist: true });
    try {
      const out: NodeJS.WritableStream = values.out === undefined ? process.stdout : createWriteStream(values.out);
      let bytes = 0;
      for await (const chunk of exportAuditLog(db, query, format)) {
        bytes += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      if (values.out !== undefined) {
        await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((error?: Error | null) => (error ? reject(error) : resolve())));
        info(green(`wrote ${bytes} characters to ${values.out}`));
      }
      return 0;
    } finally {
      await db.close();
    }
  }

  if (action === 'archive') {
    const olderThan = values['older-than'] ?? (await loadPolicy(values)).policy.audit.retention;
    if (!parseDuration(olderThan)) throw new ConfigError('custodian audit archive: --older-than must be a duration such as 730d or 2y', 'e.g. --older-than 2y');
    const signer = signerFor(mode);
    const store = localArchiveStore(values['archive-dir'] ?? DEFAULT_ARCHIVE_DIR);
    const db = await openFromFlags(values, { mustExist: true });
    try {
      const { rows } = await db.query<{ cutoff: Date }>(`SELECT now() - $1::interval AS cutoff`, [toInterval(olderThan)]);
      const segments = await archiveAuditLog(db, {
        store,
        signer,
        before: rows[0]!.cutoff,
        ...tenant,
        onProgress: (p) => info(`archived ${p.archived} events of ${p.tenant}`),
      });
      if (values.json) json(segments);
      else {
        for (const s of segments) process.stdout.write(`${s.tenant}  ${s.from}–${s.to}  ${s.location}  sha256 ${s.sha256}\n`);
        info(segments.length === 0 ? `nothing older than ${olderThan} to archive` : green(`archived ${segments.length} segment${segments.length === 1 ? '' : 's'} into ${store.location}`));
      }
      return 0;
    } finally {
      await db.close();
    }
  }

  if (action === 'show') {
    const seq = Number(values.seq);
    if (values.tenant === undefined || !Number.isSafeInteger(seq) || seq < 1) throw new ConfigError('custodian audit show: --tenant and a positive --seq are required', 'e.g. --tenant acme --seq 42');
    const db = await openFromFlags(values, { mustExist: true });
    try {
      const event = await findAuditEvent(db, { tenant: values.tenant, seq }, localArchiveStore(values['archive-dir'] ?? DEFAULT_ARCHIVE_DIR));
      if (!event) {
        info(`no event ${seq} in tenant ${values.tenant}`);
        return 1;
      }
      json(event);
      return 0;
    } finally {
      await db.close();
    }
  }

  if (action === 'checkpoint') {
    only(['json']);
    const signer = signerFor(mode);
    const db = await openFromFlags(values, { mustExist: true });
    try {
      const written = await writeCheckpoints(db, signer, tenant);
      if (values.json) json(written);
      else {
        for (const c of written) process.stdout.write(`${c.tenant}  size ${c.size}  ${c.headHash}\n`);
        info(written.length === 0 ? 'no chain grew since its last checkpoint' : green(`signed ${written.length} checkpoint${written.length === 1 ? '' : 's'}`));
        info(`verifier key: ${signer.verifierKey}`);
      }
      return 0;
    } finally {
      await db.close();
    }
  }

  only(['out']);
  const signer = configuredSigner(mode);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const checkpoints = await listCheckpoints(db, tenant);
    const document = { verifierKeys: signer ? [signer.verifierKey] : [], checkpoints };
    if (values.out === undefined) json(document);
    else {
      writeFileSync(values.out, `${JSON.stringify(document, null, 2)}\n`);
      info(green(`wrote ${checkpoints.length} checkpoint${checkpoints.length === 1 ? '' : 's'} to ${values.out}`));
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** The signing key, generating a development key when there is none (announced loudly). */
function signerFor(mode: 'development' | 'production'): CheckpointSigner {
  const resolved = resolveCheckpointSigner({ mode, developmentKeyFile: DEV_KEY_FILE })!;
  if (resolved.source !== 'environment') {
    info(yellow(`development mode: signing with a development key ${resolved.source === 'development-generated' ? 'generated now ' : ''}in ${resolved.file} — never use it in production`));
  }
  return resolved.signer;
}

/** The configured key for checking, if any; never generates one. */
function configuredSigner(mode: 'development' | 'production'): CheckpointSigner | undefined {
  try {
    return resolveCheckpointSigner({ mode, developmentKeyFile: DEV_KEY_FILE, create: false })?.signer;
  } catch (error) {
    // Production with no signing key here: checking needs only public keys (--key); without any, signatures go unchecked and verify says so.
    if (isCustodianError(error) && error.code === 'ERR_KEY_REQUIRED') return undefined;
    throw error;
  }
}

function isoDate(flag: string, text: string): Date {
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime())) throw new ConfigError(`custodian audit export: --${flag} is not an ISO date or time`, 'e.g. 2026-11-01 or 2026-11-01T00:00:00Z');
  return date;
}

function readExternal(file: string): ExternalCheckpoint[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError(`custodian audit verify: cannot read the checkpoints file ${file}`, 'give a file written by `custodian audit export-checkpoints`');
  }
  const list = (parsed as { checkpoints?: unknown }).checkpoints;
  const valid = (c: unknown): c is ExternalCheckpoint =>
    typeof c === 'object' && c !== null && typeof (c as ExternalCheckpoint).tenant === 'string' && Number.isSafeInteger((c as ExternalCheckpoint).size) && typeof (c as ExternalCheckpoint).note === 'string';
  if (!Array.isArray(list) || !list.every(valid)) {
    throw new ConfigError(`custodian audit verify: ${file} is not a checkpoints file`, 'give a file written by `custodian audit export-checkpoints`');
  }
  return list.map((c) => ({ tenant: c.tenant, size: c.size, note: c.note }));
}
