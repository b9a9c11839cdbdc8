import type { Writable } from 'node:stream';
import { findTable } from '../../check/lookup.js';
import type { DatabaseSchema } from '../../check/schema-types.js';
import type { Actor } from '../../crypto/decrypt-audit/types.js';
import type { FieldCrypto } from '../../crypto/fields/field-crypto.js';
import type { Database } from '../../db/types.js';
import { quoteIdent } from '../../db/identifier.js';
import { CustodianError } from '../../errors.js';
import type { Policy } from '../../policy/index.js';
import { subjectTables, type SubjectRef } from '../subject-rows.js';
import { auditAbout, decryptsAbout, type DecryptRecordOut, type PersonLinks } from './about-person.js';
import { planColumns, type ColumnPlan } from './columns.js';
import { csvZipSink } from './csv-zip-sink.js';
import { jsonSink } from './json-sink.js';
import type { ExportManifest, ManifestTable } from './manifest.js';
import { readPages, type ReadRow } from './read-pages.js';
import type { ExportFormat, ExportSink } from './sink.js';
import type { AuditEvent } from '../../audit/query.js';

/** The purpose every decrypt made for an export names (A3: a column may list it among its purposes). */
export const EXPORT_PURPOSE = 'dsar-export';
const DEFAULT_ACTOR: Actor = { type: 'system', id: 'dsar-export' };

export interface ExportSubjectOptions {
  policy: Policy;
  /** From `introspect(db)`. */
  schema: DatabaseSchema;
  /** The person, as `findSubjects` returns them. */
  subject: SubjectRef;
  format?: ExportFormat;
  /** Opens `encryption.export: 'decrypted'` columns; needed only when the policy has such a column. */
  fields?: FieldCrypto;
  /** Whom the decrypts are recorded for; `system:dsar-export` by default. */
  actor?: Actor;
  /**
   * Tables whose rows are the person's sessions (sign-in, or an assessment
   * session), by their id column (`id` by default): audit and decrypt records
   * made in one of them are about the person (C2, C10: a key opened during
   * their session).
   */
  sessions?: Array<{ table: string; column?: string }>;
  /** Rows per statement; 5000 by default. */
  pageSize?: number;
  now?: () => Date;
  /** Called after each page, with the section and its rows so far (for progress lines); it must not use the database (a page may be read inside a transaction). */
  onProgress?: (progress: { section: string; rows: number }) => void;
}

const AUDIT_COLUMNS = ['tenant', 'seq', 'occurred_at', 'occurred_at_us', 'actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'subject_id', 'session_id', 'purpose', 'ip', 'user_agent', 'metadata', 'prev_hash', 'hash'];
const auditCells = (e: AuditEvent) => [
  e.tenant, String(e.seq), e.at, e.occurredAtMicros, e.actor.type, e.actor.id, e.action, e.target?.type ?? null, e.target?.id ?? null,
  e.subject, e.session, e.purpose, e.ip, e.userAgent, JSON.stringify(e.metadata), e.prevHash, e.hash,
];
const DECRYPT_COLUMNS = ['id', 'occurred_at', 'tenant', 'actor_type', 'actor_id', 'purpose', 'table', 'column', 'row_key', 'key_id', 'session_id'];
const decryptCells = (d: DecryptRecordOut) => [String(d.id), d.at, d.tenant, d.actor.type, d.actor.id, d.purpose, d.table, d.column, d.rowKey, d.keyId, d.session];

/**
 * Exports everything held about one person, streamed to `out` as it is read
 * (B5, C10): each table the policy says holds rows about their subject kind,
 * read a page at a time, with each column as the policy says (`secret` and
 * `export: 'omit'` columns left out, encrypted values as their stored
 * envelope, or opened through field encryption with purpose `dsar-export`
 * when the policy says `decrypted`); the tenant rows their rows sit in; the
 * audit events about them; and the records of decrypts of their values or in
 * their sessions. Ends with a manifest holding a SHA-256 of the data.
 * `out` is not ended: the caller owns it.
 *
 * @example
 * const [ada] = await findSubjects(db, policy, schema, { subject: 'candidate', identity: 'email', value: 'ada@example.com' });
 * const manifest = await exportSubject(db, { policy, schema, subject: ada, format: 'json' }, createWriteStream('ada.json', { mode: 0o600 }));
 */
export async function exportSubject(db: Database, options: ExportSubjectOptions, out: Writable): Promise<ExportManifest> {
  const { policy, schema, subject } = options;
  const spec = policy.subjects[subject.subject];
  if (!spec) throw new CustodianError('ERR_CONFIG_INVALID', 'the policy declares no such subject', { hint: `one of: ${Object.keys(policy.subjects).join(', ')}` });
  const pageSize = options.pageSize ?? 5000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 100_000) throw new CustodianError('ERR_CONFIG_INVALID', 'pageSize must be a whole number from 1 to 100000');
  const exportedAt = (options.now?.() ?? new Date()).toISOString();
  const format = options.format ?? 'json';
  const sink: ExportSink = format === 'json' ? jsonSink(out) : format === 'csv-zip' ? csvZipSink(out, new Date(exportedAt)) : invalidFormat();
  const params = subject.tenant === undefined ? [subject.key] : [subject.key, subject.tenant];
  const tables = subjectTables(policy, schema, subject.subject);
  const progress = options.onProgress ?? (() => {});
  let opened = 0;
  const plans = new Map(tables.map((t) => [t.table, planColumns(policy, schema, t.table, subject.subject)]));
  const needsFields = [...plans.values()].find((p) => p.columns.some((c) => c.treatment === 'decrypted'));
  if (needsFields && !options.fields) {
    throw new CustodianError('ERR_CONFIG_INVALID', `${needsFields.table} has columns the policy exports decrypted, and no field encryption was given`, { hint: 'pass fields (a FieldCrypto) to exportSubject' });
  }

  await sink.begin({ subject: { kind: subject.subject, key: subject.key, tenant: subject.tenant ?? null }, policyVersion: policy.version, exportedAt });

  // The person's rows, table by table; the tenants they appear in are noted on the way.
  const tenants = new Set<string>(subject.tenant === undefined ? [] : [subject.tenant]);
  const manifestTables: ManifestTable[] = [];
  for (const t of tables) {
    const plan = plans.get(t.table)!;
    const rows = await copySection(sink, `tables/${t.table}`, plan, (onPage) => readPages(db, plan, t.where, params, typesOf(schema, t.table), pageSize, onPage), async (page) => {
      for (const row of page) if (row.tenant !== null && subject.tenant === undefined) tenants.add(row.tenant);
      const result = await openColumns(page, plan, options, subject);
      opened += result.opened;
      return result.json;
    }, progress);
    manifestTables.push(manifestEntry(plan, rows));
  }

  // The tenant rows (a workspace, a company) the person's rows belong to: declared columns only.
  const manifestTenants: ManifestTable[] = [];
  const tenantTable = tenantTableOf(policy, schema);
  if (tenantTable && tenants.size > 0) {
    const plan = planColumns(policy, schema, tenantTable.table, subject.subject, { declaredOnly: true });
    const where = `t.${quoteIdent(tenantTable.key)}::text = ANY($1::text[])`;
    const rows = await copySection(sink, `tenants/${tenantTable.table}`, plan, (onPage) => readPages(db, plan, where, [[...tenants].sort()], typesOf(schema, tenantTable.table), pageSize, onPage), async (page) => page.map((r) => r.json), progress);
    manifestTenants.push(manifestEntry(plan, rows));
  }

  const links = personLinks(policy, schema, tables, options.sessions ?? []);
  await sink.section({ name: 'audit', columns: AUDIT_COLUMNS });
  let events = 0;
  for await (const page of auditAbout(db, subject, spec.table, links, pageSize)) {
    await sink.records(page, auditCells as (item: never) => Array<string | null>);
    events += page.length;
    progress({ section: 'audit', rows: events });
  }
  await sink.endSection();

  await sink.section({ name: 'decrypts', columns: DECRYPT_COLUMNS });
  let decrypts = 0;
  for await (const page of decryptsAbout(db, subject, links, pageSize)) {
    await sink.records(page, decryptCells as (item: never) => Array<string | null>);
    decrypts += page.length;
  }
  await sink.endSection();

  return sink.finish({
    format,
    kind: 'custodian.dsar-export',
    version: 1,
    policyVersion: policy.version,
    exportedAt,
    subject: { kind: subject.subject, key: subject.key, tenant: subject.tenant ?? null },
    tables: manifestTables,
    tenants: manifestTenants,
    audit: { events },
    decrypts: { records: decrypts, opened },
  });
}

async function copySection(
  sink: ExportSink,
  name: string,
  plan: ColumnPlan,
  read: (onPage: (page: ReadRow[]) => Promise<void>) => Promise<void>,
  toJson: (page: ReadRow[]) => Promise<string[]>,
  progress: NonNullable<ExportSubjectOptions['onProgress']>,
): Promise<number> {
  await sink.section({ name, columns: plan.columns.map((c) => c.name) });
  let rows = 0;
  await read(async (page) => {
    await sink.rows(await toJson(page));
    rows += page.length;
    progress({ section: name, rows });
  });
  await sink.endSection();
  return rows;
}

/** Opens the `decrypted` columns of a page, one audited decrypt per value, and puts the text in the row's JSON. */
async function openColumns(page: ReadRow[], plan: ColumnPlan, options: ExportSubjectOptions, subject: SubjectRef): Promise<{ json: string[]; opened: number }> {
  const decrypted = plan.columns.filter((c) => c.treatment === 'decrypted');
  if (decrypted.length === 0) return { json: page.map((r) => r.json), opened: 0 };
  const fields = options.fields!;
  let opened = 0;
  const json: string[] = [];
  for (const row of page) {
    const obj = JSON.parse(row.json) as Record<string, unknown>;
    for (let i = 0; i < decrypted.length; i++) {
      const sealed = row.sealed[i];
      if (sealed === null || sealed === undefined) continue;
      const ref = { table: plan.table, column: decrypted[i]!.name, tenant: row.tenant ?? undefined, subject: subject.key, primaryKey: row.key };
      const text = await fields.open(ref, sealed, { purpose: EXPORT_PURPOSE, actor: options.actor ?? DEFAULT_ACTOR });
      obj[decrypted[i]!.name] = text.reveal();
      opened++;
    }
    json.push(JSON.stringify(obj));
  }
  return { json, opened };
}

function manifestEntry(plan: ColumnPlan, rows: number): ManifestTable {
  return { table: plan.table, rows, columns: plan.columns.map((c) => ({ name: c.name, export: c.treatment })), omitted: plan.omitted };
}

function typesOf(schema: DatabaseSchema, table: string): Record<string, string> {
  return Object.fromEntries(Object.entries(findTable(schema, table)?.columns ?? {}).map(([name, c]) => [name, c.type]));
}

/** The tenant table: `tenants.table` in the policy, else the one table whose tenant column is its whole primary key. */
function tenantTableOf(policy: Policy, schema: DatabaseSchema): { table: string; key: string } | undefined {
  if (policy.tenants) return { table: policy.tenants.table, key: policy.tenants.key };
  const found = Object.entries(policy.tables).filter(([name, t]) => {
    const pk = findTable(schema, name)?.primaryKey ?? [];
    return t.tenant !== undefined && pk.length === 1 && pk[0] === t.tenant;
  });
  return found.length === 1 ? { table: found[0]![0], key: found[0]![1].tenant! } : undefined;
}

function personLinks(policy: Policy, schema: DatabaseSchema, tables: ReturnType<typeof subjectTables>, sessions: NonNullable<ExportSubjectOptions['sessions']>): PersonLinks {
  const encrypted: PersonLinks['encrypted'] = [];
  for (const t of tables) {
    const columns = Object.entries(policy.tables[t.table]?.columns ?? {}).filter(([, c]) => c.encryption).map(([name]) => name);
    const info = findTable(schema, t.table);
    if (columns.length > 0 && info) encrypted.push({ table: t, info, columns });
  }
  const linked: PersonLinks['sessions'] = sessions.map((s) => {
    const table = tables.find((t) => t.table === s.table);
    if (!table) throw new CustodianError('ERR_CONFIG_INVALID', `the sessions table ${s.table} holds no rows about this subject kind`, { hint: `one of: ${tables.map((t) => t.table).join(', ')}` });
    return { table, column: s.column ?? 'id' };
  });
  return { encrypted, sessions: linked };
}

function invalidFormat(): never {
  throw new CustodianError('ERR_CONFIG_INVALID', 'the export format must be json or csv-zip');
}
