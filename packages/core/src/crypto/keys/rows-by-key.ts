import { quoteIdent, quoteQualified } from '../../db/identifier.js';
import type { Queryable } from '../../db/types.js';
import type { Policy } from '../../policy/index.js';

/**
 * How many stored values each data key protects, read from the envelopes'
 * headers in the database (docs/envelope.md: byte 3 is the key id's length,
 * the key id follows from byte 4), over every column the policy encrypts.
 * No value is decrypted. Rows that are not envelopes are not counted.
 */
export async function rowsByKey(db: Queryable, policy: Policy): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const [table, spec] of Object.entries(policy.tables)) {
    for (const [column, col] of Object.entries(spec.columns)) {
      if (!col.encryption) continue;
      const c = quoteIdent(column);
      const { rows } = await db.query<{ key_id: string; n: number }>(
        `SELECT convert_from(substring(${c} FROM 5 FOR get_byte(${c}, 3)), 'UTF8') AS key_id, count(*)::int AS n
           FROM ${quoteQualified(table)}
          WHERE ${c} IS NOT NULL AND length(${c}) > 4 AND get_byte(${c}, 0) = 197
          GROUP BY 1`,
      );
      for (const row of rows) counts.set(row.key_id, (counts.get(row.key_id) ?? 0) + row.n);
    }
  }
  return counts;
}

/** The count for one key: what `KeyStore.retire` asks before it retires a key. */
export async function rowsUsingKey(db: Queryable, policy: Policy, keyId: string): Promise<number> {
  return (await rowsByKey(db, policy)).get(keyId) ?? 0;
}
