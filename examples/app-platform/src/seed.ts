import type { Database } from '@custodian/core/db';
import { fieldCryptoFor, insertTables, type SeedOptions, type SeedReport } from '@custodian/core/testing';
import policy, { PLACEHOLDER_USER_ID } from '../custodian.config.js';
import { generateMoney } from './seed/money.js';
import { generatePeople } from './seed/people.js';
import { generateProjects } from './seed/projects.js';
import { sealPending } from './seed/sealing.js';

/** A fixed "now", so the same seed lays out the same dates on every run. */
export const DEFAULT_SEED_NOW = new Date('2026-11-01T00:00:00Z');

/** Rows per statement: large enough to amortise round trips, small enough to keep each JSON parameter modest. */
const CHUNK = 10_000;

/**
 * Fills a migrated database with `subjects` people and everything they own.
 * Deterministic: the same options give the same rows, ids included, except
 * the ciphertext bytes of encrypted columns (fresh nonces, and a throwaway
 * root key unless `options.fields` is given). Encrypted columns are sealed
 * through `FieldCrypto` before anything is inserted (which may create a data
 * key in custodian.data_keys); the rows are then inserted in one transaction,
 * so a failed seed leaves none of them behind.
 *
 * @example
 * await migrate(db, [...coreMigrations(), ...app.migrations()]);
 * await seed(db, { subjects: 10_000, seed: 1, fields: fieldCryptoFor(db, app.policy, root) });
 */
export async function seed(db: Database, options: SeedOptions): Promise<SeedReport> {
  const key = String(options.seed ?? 1);
  const now = options.now ?? DEFAULT_SEED_NOW;
  const people = generatePeople(key, options.subjects, now);
  const projects = generateProjects(key, people.users, PLACEHOLDER_USER_ID, now);
  const money = generateMoney(key, people.users, projects.projects, now);
  // A1, A2: real envelopes (and the policy's masks), sealed before the insert; ids are already known.
  await sealPending(options.fields ?? fieldCryptoFor(db, policy), [...people.seals, ...money.seals]);
  // Parents before children, so every foreign key finds its row.
  const tables: [string, Record<string, unknown>[]][] = [
    ['users', people.rows.users],
    ['profiles', people.rows.profiles],
    ['oauth_tokens', people.rows.oauth_tokens],
    ['sessions', people.rows.sessions],
    ['projects', projects.rows.projects],
    ['project_rows', projects.rows.project_rows],
    ['credit_transactions', money.credit_transactions],
    ['payout_methods', money.payout_methods],
    ['tax_forms', money.tax_forms],
  ];
  const rows = await insertTables(db, tables, { chunkSize: CHUNK, onProgress: options.onProgress });
  return { subjects: options.subjects, rows };
}
