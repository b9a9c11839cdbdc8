import { cursorPages } from '../../audit/read-chain.js';
import { quoteIdent, quoteQualified } from '../../db/identifier.js';
import type { Database } from '../../db/types.js';
import type { ColumnPlan } from './columns.js';

/** One row as read for an export: its JSON text (decrypted columns still null), and what opening them needs. */
export interface ReadRow {
  json: string;
  /** The primary key's columns as text, in key order. */
  key: string[];
  tenant: string | null;
  /** Raw envelopes of the `decrypted` columns, in the plan's order. */
  sealed: Array<Uint8Array | null>;
}

/** Text of an envelope for JSON: base64 without the line breaks PostgreSQL adds every 76 characters. */
const base64 = (expr: string) => `translate(encode(${expr}, 'base64'), E'\\n', '')`;
const CURSOR = 'custodian_dsar_export';

/**
 * The person's rows of one table, a page at a time, in primary-key order
 * (ctid for a table without one). `onPage` is awaited before the next page
 * is handed over, so memory holds about one page whatever the total.
 *
 * Two ways to read, because a table whose values are opened for the export
 * needs the database between pages (each decrypt writes its audit record
 * first, and PGlite has one connection):
 * - no `decrypted` column: one server-side cursor in a read-only
 *   repeatable-read transaction — one scan and one sort however many rows,
 *   and a consistent snapshot of the table;
 * - `decrypted` columns: keyset pages (`WHERE key > last ORDER BY key LIMIT n`),
 *   no transaction held between them.
 *
 * The row is built as JSON by PostgreSQL (`row_to_json`), after the sort, so
 * values keep their types and need no work in JavaScript: an encrypted column
 * becomes `{"encrypted": true, "envelope": "<base64>"}`, a `decrypted` one a
 * null to be filled in once opened.
 */
export async function readPages(
  db: Database,
  plan: ColumnPlan,
  where: string,
  params: readonly unknown[],
  columnTypes: Record<string, string>,
  pageSize: number,
  onPage: (rows: ReadRow[]) => Promise<void>,
): Promise<void> {
  const t = (c: string) => `t.${quoteIdent(c)}`;
  const fields = plan.columns.map((c) => {
    if (c.treatment === 'plain') return `${t(c.name)}`;
    if (c.treatment === 'decrypted') return `NULL::text AS ${quoteIdent(c.name)}`;
    const text = c.kind === 'bytea' ? base64(t(c.name)) : `${t(c.name)}::text`;
    return `CASE WHEN ${t(c.name)} IS NULL THEN NULL ELSE json_build_object('encrypted', true, 'envelope', ${text}) END AS ${quoteIdent(c.name)}`;
  });
  const keyed = plan.primaryKey.length > 0;
  // Sort keys as the inner query names them: the primary key's columns, or the row's ctid.
  const keys = keyed ? plan.primaryKey.map(quoteIdent) : ['_ctid'];
  const keyTypes = keyed ? plan.primaryKey.map((k) => columnTypes[k]!) : ['tid'];
  const decrypted = plan.columns.filter((c) => c.treatment === 'decrypted');
  // The inner query selects and sorts the rows, carrying only the columns the export uses
  // (never a secret or omitted one); the outer one builds each row's JSON, for the rows it returns.
  const carried = [...new Set([...plan.primaryKey, ...(plan.tenantColumn ? [plan.tenantColumn] : []), ...plan.columns.map((c) => c.name)])];
  const order = keys.map((k) => `t.${k === '_ctid' ? 'ctid' : k}`).join(', ');
  const inner = (extra: string, limit: string) =>
    `SELECT ${[...carried.map(t), 't.ctid AS _ctid'].join(', ')} FROM ${quoteQualified(plan.table)} t WHERE (${where})${extra} ORDER BY ${order}${limit}`;
  const outer = (source: string) =>
    `SELECT ${[
      ...keys.map((k, i) => `t.${k}::text AS k${i}`),
      plan.tenantColumn ? `${t(plan.tenantColumn)}::text AS tn` : 'NULL::text AS tn',
      `(SELECT row_to_json(r) FROM (SELECT ${fields.length > 0 ? fields.join(', ') : 'NULL AS _'}) r)::text AS j`,
      ...decrypted.map((c, i) => `${t(c.name)} AS d${i}`),
    ].join(', ')} FROM (${source}) t ORDER BY ${keys.map((k) => `t.${k}`).join(', ')}`;
  const toRow = (r: Record<string, unknown>): ReadRow => ({
    json: r.j as string,
    key: keys.map((_, i) => r[`k${i}`] as string),
    tenant: (r.tn as string | null) ?? null,
    sealed: decrypted.map((_, i) => (r[`d${i}`] as Uint8Array | null) ?? null),
  });

  if (decrypted.length === 0) {
    await db.transaction(
      async (tx) => {
        for await (const rows of cursorPages<Record<string, unknown>>(tx, CURSOR, `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${outer(inner('', ''))}`, params, pageSize)) {
          await onPage(rows.map(toRow));
        }
      },
      { readOnly: true, isolation: 'repeatable read' },
    );
    return;
  }

  const after = ` AND (${order}) > (${keyTypes.map((type, i) => `$${params.length + i + 1}::${type}`).join(', ')})`;
  let last: string[] | undefined;
  for (;;) {
    const sql = outer(inner(last ? after : '', ` LIMIT ${pageSize}`));
    const { rows } = await db.query<Record<string, unknown>>(sql, last ? [...params, ...last] : params);
    if (rows.length === 0) return;
    const page = rows.map(toRow);
    await onPage(page);
    if (rows.length < pageSize) return;
    last = page[page.length - 1]!.key;
  }
}
