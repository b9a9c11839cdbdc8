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

/** A digest of a whole table's contents, to compare two seeds row for row. */
export async function tableDigest(db: Database, table: string): Promise<string> {
  const { rows } = await db.query<{ digest: string; n: number }>(
    `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest, count(*)::int AS n FROM ${table} t`,
  );
  return `${rows[0]!.n}:${rows[0]!.digest}`;
}

/**
 * Empties what `seed` fills, so one database can be seeded again: opening a
 * fresh database costs seconds on a busy machine, emptying one costs little.
 */
export async function emptySeededTables(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of SEEDED_TABLES) await tx.query(`DELETE FROM ${table}`);
  });
}

/** Runs `fn` as the application would: its own role, one workspace as the tenant. */
export function asWorkspace<T>(db: Database, workspaceId: string | undefined, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(fn, workspaceId === undefined ? { role: APP_ROLE } : { role: APP_ROLE, tenantId: workspaceId });
}
