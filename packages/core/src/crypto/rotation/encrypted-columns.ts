import { CustodianError } from '../../errors.js';
import { quoteQualified } from '../../db/identifier.js';
import type { Queryable } from '../../db/types.js';
import type { Encryption, Policy } from '../../policy/index.js';

/**
 * An encrypted column as re-encryption needs it: the policy's settings and
 * what the catalog says about its row's identity. The value's context is
 * rebuilt from these exactly as FieldRef describes it — tenant = the table's
 * tenant column as text, primary key = the key columns' text forms in key
 * order — so a value sealed by the application opens here.
 */
export interface EncryptedColumn {
  table: string;
  column: string;
  encryption: Encryption;
  tenantColumn: string | undefined;
  /** Primary key columns in key order, with their SQL types for casts back from text. */
  primaryKey: Array<{ name: string; type: string }>;
}

/** Every column the policy encrypts, with its table's primary key read from the catalog. */
export async function encryptedColumns(db: Queryable, policy: Policy): Promise<EncryptedColumn[]> {
  const out: EncryptedColumn[] = [];
  for (const [table, spec] of Object.entries(policy.tables)) {
    const columns = Object.entries(spec.columns).filter(([, c]) => c.encryption);
    if (columns.length === 0) continue;
    const primaryKey = await primaryKeyOf(db, table);
    for (const [column, c] of columns) {
      out.push({ table, column, encryption: c.encryption!, tenantColumn: spec.tenant, primaryKey });
    }
  }
  return out;
}

async function primaryKeyOf(db: Queryable, table: string): Promise<Array<{ name: string; type: string }>> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index i
       JOIN unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary
      ORDER BY k.ord`,
    [quoteQualified(table)],
  );
  if (rows.length === 0) {
    throw new CustodianError('ERR_CRYPTO_ENCRYPT_FAILED', `${table} has no primary key, so its encrypted values cannot be bound to their rows`, {
      hint: 'add a primary key to the table (custodian check reports this too)',
    });
  }
  return rows;
}
