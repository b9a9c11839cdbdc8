import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import type { FieldCrypto } from '@custodian/core/crypto';
import { fieldCryptoFor, openTestDatabase } from '@custodian/core/testing';
import { app } from '../src/index.js';

/** A fresh database with Custodian's migrations and then this app's applied. */
export async function openMigrated(): Promise<Database> {
  const db = await openTestDatabase();
  await migrate(db, [...coreMigrations(), ...app.migrations()]);
  return db;
}

/** The table's columns the policy encrypts: their bytes differ on every seal (fresh nonces, maybe another key). */
export function encryptedColumns(table: string): string[] {
  return Object.entries(app.policy.tables[table]?.columns ?? {})
    .filter(([, c]) => c.encryption)
    .map(([column]) => column);
}

/**
 * A digest of a whole table's contents, to compare two databases row for row.
 * Encrypted columns are left out: only their ciphertext bytes are not
 * deterministic (their masks, in columns of their own, are compared).
 */
export async function tableDigest(db: Database, table: string): Promise<string> {
  const { rows } = await db.query<{ digest: string | null; n: number }>(
    `SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) AS digest, count(*)::int AS n
       FROM (SELECT (to_jsonb(t) - $1::text[])::text AS r FROM ${table} t) rows`,
    [encryptedColumns(table)],
  );
  return `${rows[0]!.n}:${rows[0]!.digest}`;
}

/**
 * One field encryption per database: the data keys a seed creates are
 * wrapped under its root key, so seeding the same database again needs the
 * same root (a fresh throwaway one could not unwrap them).
 */
const fieldsByDb = new WeakMap<Database, FieldCrypto>();
export function fieldsFor(db: Database): FieldCrypto {
  let fields = fieldsByDb.get(db);
  if (!fields) fieldsByDb.set(db, (fields = fieldCryptoFor(db, app.policy)));
  return fields;
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
