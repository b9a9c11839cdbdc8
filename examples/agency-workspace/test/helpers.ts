import { APP_ROLE, coreMigrations, migrate, type Database, type Transaction } from '@custodian/core/db';
import { openTestDatabase } from '@custodian/core/testing';
import { app } from '../src/index.js';

/** A fresh database with Custodian's migrations and then this app's applied. */
export async function openMigrated(): Promise<Database> {
  const db = await openTestDatabase();
  await migrate(db, [...coreMigrations(), ...app.migrations()]);
  return db;
}

/** Tables that carry a workspace's data, with the column naming the workspace. */
export const TENANT_TABLES = [
  ['workspaces', 'id'],
  ['workspace_members', 'workspace_id'],
  ['workrooms', 'workspace_id'],
  ['messages', 'workspace_id'],
  ['integrations', 'workspace_id'],
  ['activity', 'workspace_id'],
] as const;

/** Children before parents. */
const SEEDED_TABLES = ['activity', 'integrations', 'messages', 'workrooms', 'workspace_members', 'workspaces', 'users'];

/** The table's encrypted columns: their bytes change on every run (fresh nonces and keys). */
export function ciphertextColumns(table: string): string[] {
  return Object.entries(app.policy.tables[table]?.columns ?? {})
    .filter(([, c]) => c.encryption)
    .map(([name]) => name);
}

/**
 * A digest of a whole table's contents, to compare two seeds row for row.
 * Ciphertext columns are left out: sealing is deterministic in which values
 * are sealed where, never in the bytes.
 */
export async function tableDigest(db: Database, table: string): Promise<string> {
  const { rows } = await db.query<{ digest: string; n: number }>(
    `SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS digest, count(*)::int AS n
       FROM (SELECT to_jsonb(t) - $1::text[] AS r FROM ${table} t) s`,
    [ciphertextColumns(table)],
  );
  return `${rows[0]!.n}:${rows[0]!.digest}`;
}

/**
 * Empties what `seed` fills, so one database can be seeded again: opening a
 * fresh database costs seconds on a busy machine, emptying one costs little.
 * The workspaces' data keys go too: the next seed seals under a new root key,
 * and keys wrapped by the old one could not be unwrapped.
 */
export async function emptySeededTables(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of SEEDED_TABLES) await tx.query(`DELETE FROM ${table}`);
    await tx.query(`DELETE FROM custodian.data_keys WHERE scope = 'tenant'`);
  });
}

/** Runs `fn` as the application would: its own role, one workspace as the tenant. */
export function asWorkspace<T>(db: Database, workspaceId: string | undefined, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(fn, workspaceId === undefined ? { role: APP_ROLE } : { role: APP_ROLE, tenantId: workspaceId });
}
