import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { Database, Queryable } from '../db/types.js';

/**
 * Inserts many rows with one statement per chunk: the rows travel as a single
 * JSON parameter and `jsonb_populate_recordset` converts each field with the
 * table's own column types. Columns left out of `rows` take their defaults.
 * Far faster than row-by-row INSERTs on both backends, and values never enter
 * the SQL text.
 */
export async function insertMany(
  q: Queryable,
  table: string,
  rows: readonly Record<string, unknown>[],
  options: { chunkSize?: number } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  // Every key of every row: a key missing from some rows inserts NULL there, never vanishes.
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cols = columns.map(quoteIdent).join(', ');
  const target = quoteQualified(table);
  const sql = `INSERT INTO ${target} (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::${target}, $1::jsonb)`;
  const size = options.chunkSize ?? 5000;
  let inserted = 0;
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size);
    const result = await q.query(sql, [JSON.stringify(chunk, toJson)]);
    inserted += result.rowCount;
  }
  return inserted;
}

/** Dates as ISO strings, bytes as `\x…` hex (bytea's text form). */
function toJson(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return `\\x${Buffer.from((value as { data: number[] }).data).toString('hex')}`;
  }
  return value;
}

/**
 * Inserts several tables' rows in the order given (parents before children,
 * so every foreign key finds its row), all in one transaction: a failure
 * leaves none of them. Reports progress in rows and returns rows per table.
 */
export async function insertTables(
  db: Database,
  tables: readonly (readonly [string, readonly Record<string, unknown>[]])[],
  options: { chunkSize?: number; onProgress?: ((done: number, total: number) => void) | undefined } = {},
): Promise<Record<string, number>> {
  const total = tables.reduce((n, [, rows]) => n + rows.length, 0);
  const counts: Record<string, number> = {};
  await db.transaction(async (tx) => {
    let done = 0;
    for (const [table, rows] of tables) {
      counts[table] = await insertMany(tx, table, rows, options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize });
      done += rows.length;
      options.onProgress?.(done, total);
    }
  });
  return counts;
}
