import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { openTestDatabase } from '@custodian/core/testing';
import { app } from '../src/index.js';

/** A fresh database with Custodian's migrations and then this app's applied. */
export async function openMigrated(): Promise<Database> {
  const db = await openTestDatabase();
  await migrate(db, [...coreMigrations(), ...app.migrations()]);
  return db;
}

/** A digest of a whole table's contents, to compare two databases row for row. */
export async function tableDigest(db: Database, table: string): Promise<string> {
  const { rows } = await db.query<{ digest: string | null; n: number }>(
    `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest, count(*)::int AS n FROM ${table} t`,
  );
  return `${rows[0]!.n}:${rows[0]!.digest}`;
}

/** Children before parents; the placeholder user, inserted by the migration, stays. */
const SEEDED_TABLES = ['tax_forms', 'payout_methods', 'credit_transactions', 'project_rows', 'projects', 'sessions', 'oauth_tokens', 'profiles'];

/**
 * Empties what `seed` fills, so one database can be seeded again: opening a
 * fresh database costs seconds on a busy machine, emptying one costs little.
 */
export async function emptySeededTables(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of SEEDED_TABLES) await tx.query(`DELETE FROM ${table}`);
    await tx.query(`DELETE FROM users WHERE kind = 'person'`);
  });
}
