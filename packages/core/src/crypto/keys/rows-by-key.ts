import { quoteQualified } from '../../db/identifier.js';
import type { Queryable } from '../../db/types.js';
import type { Policy } from '../../policy/index.js';
import { isEnvelopeSql, keyIdFromHex, keyIdHexSql, keyIdPrefix, underKeySql } from './envelope-sql.js';

/** Every column the policy encrypts, as [table, column] pairs. */
export function encryptedColumnsOf(policy: Policy): Array<[table: string, column: string]> {
  const out: Array<[string, string]> = [];
  for (const [table, spec] of Object.entries(policy.tables)) {
    for (const [column, col] of Object.entries(spec.columns)) if (col.encryption) out.push([table, column]);
  }
  return out;
}

/**
 * How many stored values each data key protects, read from the envelopes'
 * headers in the database (envelope-sql.ts), over every column the policy
 * encrypts. No value is decrypted. Rows that are not envelopes are not counted.
 */
export async function rowsByKey(db: Queryable, policy: Policy): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const [table, column] of encryptedColumnsOf(policy)) {
    const { rows } = await db.query<{ key_id: string; n: number }>(
      `SELECT ${keyIdHexSql(column)} AS key_id, count(*)::int AS n
         FROM ${quoteQualified(table)}
        WHERE ${isEnvelopeSql(column)}
        GROUP BY 1`,
    );
    for (const row of rows) {
      const id = keyIdFromHex(row.key_id);
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + row.n);
    }
  }
  return counts;
}

/** How many values of one column are sealed under one key. */
export async function rowsUnderKey(db: Queryable, table: string, column: string, keyId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${quoteQualified(table)} WHERE ${underKeySql(column, 1)}`,
    [keyIdPrefix(keyId)],
  );
  return rows[0]?.n ?? 0;
}

/** The count for one key over every encrypted column: what `KeyStore.retire` asks before it retires a key. */
export async function rowsUsingKey(db: Queryable, policy: Policy, keyId: string): Promise<number> {
  let total = 0;
  for (const [table, column] of encryptedColumnsOf(policy)) total += await rowsUnderKey(db, table, column, keyId);
  return total;
}
