import type { Database } from '@custodian/core/db';
import { fieldCryptoFor, insertTables, type SeedOptions, type SeedReport } from '@custodian/core/testing';
import policy from '../custodian.config.js';
import { generateActivity } from './seed/activity.js';
import { generateContent } from './seed/content.js';
import { generateIntegrations } from './seed/integrations.js';
import { sealRows } from './seed/seal.js';
import { generateUsers } from './seed/people.js';
import { generateWorkspaces } from './seed/workspaces.js';

/** A fixed "now", so the same seed lays out the same dates on every run. */
export const DEFAULT_SEED_NOW = new Date('2026-11-01T00:00:00Z');

/** Rows per statement: large enough to amortise round trips, small enough to keep each JSON parameter modest. */
const CHUNK = 10_000;

/**
 * Fills a migrated database with `subjects` people, about one workspace per
 * ten of them, and each workspace's members, workrooms, messages,
 * integrations and activity. Deterministic, ids included, except the
 * ciphertext bytes: message content and integration credentials are sealed
 * with `options.fields` (or, without one, field encryption over a throwaway
 * root key) under each workspace's key, a fresh nonce per value (B1). The rows
 * go in one transaction, so a failed seed leaves no rows behind; the
 * workspaces' data keys are created in `custodian.data_keys` before it. Inserts as the table owner: the
 * seed writes every tenant's rows, which row-level security would refuse to
 * the application role.
 *
 * @example
 * await migrate(db, [...coreMigrations(), ...app.migrations()]);
 * await seed(db, { subjects: 10_000, seed: 1 });
 */
export async function seed(db: Database, options: SeedOptions): Promise<SeedReport> {
  const key = String(options.seed ?? 1);
  const now = options.now ?? DEFAULT_SEED_NOW;
  const people = generateUsers(key, options.subjects, now);
  const byId = new Map(people.users.map((u) => [u.id, u]));
  const spaces = generateWorkspaces(key, people.users, now);
  const content = generateContent(key, spaces.workspaces, byId, now);
  const integrations = generateIntegrations(key, spaces.workspaces, now);
  const activity = generateActivity(key, spaces.workspaces, integrations.connected, now);
  // Sealed before the bulk insert: data keys are created and counted on the
  // database outside the seed's transaction, and no plaintext reaches a statement.
  const fields = options.fields ?? fieldCryptoFor(db, policy);
  await sealRows(fields, policy, 'messages', content.messages);
  await sealRows(fields, policy, 'integrations', integrations.rows);
  // Parents before children, so every foreign key finds its row.
  const tables: [string, Record<string, unknown>[]][] = [
    ['users', people.rows],
    ['workspaces', spaces.rows],
    ['workspace_members', spaces.members],
    ['workrooms', content.workrooms],
    ['messages', content.messages],
    ['integrations', integrations.rows],
    ['activity', activity],
  ];
  const rows = await insertTables(db, tables, { chunkSize: CHUNK, onProgress: options.onProgress });
  return { subjects: options.subjects, rows };
}
