import type { FieldCrypto } from '@custodian/core/crypto';
import type { Policy } from '@custodian/core/policy';

/** Each sealed table's primary key, in key-column order (the envelope binds the value to it). */
const PRIMARY_KEY: Record<string, readonly string[]> = {
  messages: ['workspace_id', 'id'],
  integrations: ['workspace_id', 'id'],
};

/** The columns of `table` the policy encrypts. */
export function encryptedColumns(policy: Policy, table: string): string[] {
  return Object.entries(policy.tables[table]?.columns ?? {})
    .filter(([, c]) => c.encryption)
    .map(([name]) => name);
}

/**
 * Workspaces sealed at once. Each workspace's first value creates its data key
 * (a few statements); on PostgreSQL overlapping those round trips cuts the
 * seal time by more than half, on PGlite, which runs one statement at a time,
 * it costs nothing.
 */
const CONCURRENCY = 8;

/**
 * Replaces, in place, each plaintext the generators left in an encrypted
 * column with the envelope `fields` seals it into (B1): under the row's
 * workspace key, bound to its table, column and primary key, with a fresh
 * nonce per value. Nulls stay null. Everything else in the row is untouched,
 * so only ciphertext bytes differ from run to run. Returns how many values
 * were sealed.
 */
export async function sealRows(fields: FieldCrypto, policy: Policy, table: string, rows: Record<string, unknown>[]): Promise<number> {
  const columns = encryptedColumns(policy, table);
  if (columns.length === 0) return 0;
  const key = PRIMARY_KEY[table];
  const tenantColumn = policy.tables[table]!.tenant;
  if (!key || !tenantColumn) throw new Error(`the seed does not know how to seal ${table}: name its primary key and tenant`);
  const byTenant = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const tenant = String(row[tenantColumn]);
    const list = byTenant.get(tenant);
    if (list) list.push(row);
    else byTenant.set(tenant, [row]);
  }
  const queue = [...byTenant];
  let sealed = 0;
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      const [tenant, tenantRows] = next;
      for (const row of tenantRows) {
        for (const column of columns) {
          const value = row[column];
          if (value === null || value === undefined) continue;
          if (typeof value !== 'string') throw new Error(`${table}.${column} must hold plaintext before sealing`);
          const ref = { table, column, tenant, primaryKey: key.map((c) => String(row[c])) };
          row[column] = (await fields.seal(ref, value)).ciphertext;
          sealed++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return sealed;
}
