import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { Queryable } from '../db/types.js';

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
