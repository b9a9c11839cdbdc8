import type { TableInfo } from '../../check/schema-types.js';
import { SELECT_EVENTS, toEvent, type AuditEvent, type EventRow } from '../../audit/query.js';
import { quoteIdent, quoteQualified } from '../../db/identifier.js';
import type { Queryable } from '../../db/types.js';
import type { SubjectRef, SubjectTable } from '../subject-rows.js';

/** One record of `custodian.decrypt_events`, the decrypt log kept beside the audit chain. */
export interface DecryptRecordOut {
  id: number;
  at: string;
  tenant: string | null;
  actor: { type: string; id: string };
  purpose: string;
  table: string;
  column: string;
  rowKey: string;
  keyId: string;
  session: string | null;
}

/** What ties audit records to the person beyond their key: their rows' encrypted values, and their sessions. */
export interface PersonLinks {
  /** Tables with encrypted columns among the person's tables, with those columns. */
  encrypted: Array<{ table: SubjectTable; info: TableInfo; columns: string[] }>;
  /** The person's session rows (sign-in or work sessions): records made in one are about them. */
  sessions: Array<{ table: SubjectTable; column: string }>;
}

/**
 * The text a decrypt record names a row by (`rowKeyText` in crypto/fields):
 * each primary key part percent-encoded as `encodeURIComponent` does, joined
 * by '/'. Uuids and integers need no encoding; other text is encoded in SQL.
 */
function rowKeySql(info: TableInfo): string {
  return info.primaryKey
    .map((c) => {
      const col = `t.${quoteIdent(c)}`;
      if (info.columns[c]?.kind === 'uuid' || info.columns[c]?.kind === 'integer') return `${col}::text`;
      return `(SELECT coalesce(string_agg(CASE WHEN ch ~ '^[A-Za-z0-9_.!~*''()-]$' THEN ch ELSE upper(regexp_replace(encode(convert_to(ch, 'UTF8'), 'hex'), '(..)', '%\\1', 'g')) END, '' ORDER BY n), '') FROM regexp_split_to_table(${col}::text, '') WITH ORDINALITY AS s(ch, n))`;
    })
    .join(` || '/' || `);
}

/** A SQL string literal (names come from the policy and catalog; quoted all the same). */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** `table.column:rowKey` for each encrypted value of the person's rows: the target a `key.decrypt` event names. */
function valueTargets(links: PersonLinks): string[] {
  return links.encrypted.flatMap(({ table, info, columns }) =>
    info.primaryKey.length === 0 ? [] : columns.map((c) => `SELECT ${literal(`${table.table}.${c}:`)} || ${rowKeySql(info)} FROM ${quoteQualified(table.table)} t WHERE ${table.where}`),
  );
}

function sessionIds(links: PersonLinks): string[] {
  return links.sessions.map(({ table, column }) => `SELECT t.${quoteIdent(column)}::text FROM ${quoteQualified(table.table)} t WHERE ${table.where}`);
}

/**
 * Audit events about the person, oldest first within each tenant's chain, in
 * keyset pages of (tenant, seq): events naming them as the subject, as the
 * target (typed as their subject kind or table), as the actor (an actor type
 * named like their subject kind: `user`, `member`), events from one of their
 * sessions, and `key.decrypt` events of the encrypted values in their rows.
 * Held to the person's tenant when they have one.
 */
export async function* auditAbout(db: Queryable, person: SubjectRef, subjectTable: string, links: PersonLinks, pageSize: number): AsyncGenerator<AuditEvent[]> {
  const params: unknown[] = person.tenant === undefined ? [person.key] : [person.key, person.tenant];
  const add = (v: unknown) => (params.push(v), `$${params.length}`);
  const kinds = add([person.subject, subjectTable]);
  const kind = add(person.subject);
  const or = [`subject_id = $1::text`, `(target_type = ANY(${kinds}::text[]) AND target_id = $1::text)`, `(actor_type = ${kind}::text AND actor_id = $1::text)`];
  const sessions = sessionIds(links);
  if (sessions.length > 0) or.push(`session_id IN (${sessions.join(' UNION ')})`);
  const targets = valueTargets(links);
  if (targets.length > 0) or.push(`(action = 'key.decrypt' AND target_type = 'value' AND target_id IN (${targets.join(' UNION ')}))`);
  const where = `${person.tenant === undefined ? '' : 'tenant_id = $2::text AND '}(${or.join(' OR ')})`;
  const n = params.length;
  let last: [string, string] | undefined;
  for (;;) {
    const cursor = last ? ` AND (tenant_id, seq) > ($${n + 1}, $${n + 2}::bigint)` : '';
    const { rows } = await db.query<EventRow>(`${SELECT_EVENTS} WHERE ${where}${cursor} ORDER BY tenant_id, seq LIMIT ${pageSize}`, last ? [...params, ...last] : params);
    if (rows.length === 0) return;
    yield rows.map(toEvent);
    if (rows.length < pageSize) return;
    const end = rows[rows.length - 1]!;
    last = [end.tenant_id, String(end.seq)];
  }
}

/** Records of `custodian.decrypt_events` of the person's encrypted values or made in their sessions, in id order. */
export async function* decryptsAbout(db: Queryable, person: SubjectRef, links: PersonLinks, pageSize: number): AsyncGenerator<DecryptRecordOut[]> {
  const or: string[] = [];
  for (const { table, info, columns } of links.encrypted) {
    if (info.primaryKey.length === 0) continue;
    const list = columns.map(literal).join(', ');
    or.push(`(table_name = ${literal(table.table)} AND column_name IN (${list}) AND row_key IN (SELECT ${rowKeySql(info)} FROM ${quoteQualified(table.table)} t WHERE ${table.where}))`);
  }
  const sessions = sessionIds(links);
  if (sessions.length > 0) or.push(`session_id IN (${sessions.join(' UNION ')})`);
  if (or.length === 0) return;
  const params: unknown[] = person.tenant === undefined ? [person.key] : [person.key, person.tenant];
  // $1 is used by the sub-queries; a subject without a tenant still binds it.
  const where = `${person.tenant === undefined ? '$1::text IS NOT NULL AND ' : 'tenant_id = $2::text AND '}(${or.join(' OR ')})`;
  let last: string | undefined;
  for (;;) {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT id, occurred_at, tenant_id, actor_type, actor_id, purpose, table_name, column_name, row_key, key_id, session_id
         FROM custodian.decrypt_events WHERE ${where}${last ? ` AND id > $${params.length + 1}::bigint` : ''} ORDER BY id LIMIT ${pageSize}`,
      last ? [...params, last] : params,
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.occurred_at as string | Date).toISOString(),
      tenant: (r.tenant_id as string | null) ?? null,
      actor: { type: r.actor_type as string, id: r.actor_id as string },
      purpose: r.purpose as string,
      table: r.table_name as string,
      column: r.column_name as string,
      rowKey: r.row_key as string,
      keyId: r.key_id as string,
      session: (r.session_id as string | null) ?? null,
    }));
    if (rows.length < pageSize) return;
    last = String(rows[rows.length - 1]!.id);
  }
}
