import type { Database, Transaction } from '@custodian/core/db';
import type { FieldCrypto } from '@custodian/core/crypto';
import { SeededRandom, fieldCryptoFor, insertMany, type SeedOptions, type SeedReport } from '@custodian/core/testing';
import policy from '../custodian.config.js';
import { appendCandidate, emptyBatch, type CandidateBatch } from './seed/candidates.js';
import { generateCompanies, type ApiKeyDraft } from './seed/companies.js';
import { addHeavySubject, type HeavySubject } from './seed/heavy.js';

export { inviteToken, hashInviteToken } from './seed/tokens.js';
export type { HeavySubject } from './seed/heavy.js';

/** The fixed "now" seed data is laid out around, so the same seed gives the same rows on any day. */
export const DEFAULT_NOW = new Date('2026-06-01T00:00:00Z');
export const DEFAULT_SEED = 'hiring-assessments';

export interface HiringSeedOptions extends SeedOptions {
  /** Average events per session (each session gets 50–150 % of it). Default 10. */
  eventsPerSession?: number;
  /** Give one candidate (the first, in the first company) an extra session with this many events. */
  heavySubjectEvents?: number;
  /** Candidates generated and inserted per round; bounds memory, not the result. Default 2000. */
  batchSize?: number;
}

export interface HiringSeedReport extends SeedReport {
  companies: number;
  heavySubject?: HeavySubject;
}

/** Rows per INSERT: one JSON parameter each, large enough that statement overhead stops mattering. */
const CHUNK = 10_000;

const TABLES = ['companies', 'company_members', 'customer_api_keys', 'billing_records', 'candidates', 'invites', 'assessment_sessions', 'session_events', 'scorecards'] as const;

async function insertBatch(tx: Transaction, batch: CandidateBatch, rows: Record<string, number>): Promise<void> {
  // Parents before children, as the foreign keys require.
  rows.candidates! += await insertMany(tx, 'candidates', batch.candidates, { chunkSize: CHUNK });
  rows.invites! += await insertMany(tx, 'invites', batch.invites, { chunkSize: CHUNK });
  rows.assessment_sessions! += await insertMany(tx, 'assessment_sessions', batch.sessions, { chunkSize: CHUNK });
  rows.session_events! += await insertMany(tx, 'session_events', batch.events, { chunkSize: CHUNK });
  rows.scorecards! += await insertMany(tx, 'scorecards', batch.scorecards, { chunkSize: CHUNK });
}

/**
 * Seals each API key through field encryption (C1): the envelope goes in
 * key_ciphertext, the policy's mask in key_last4. The plaintext is dropped here
 * and is never part of a row.
 */
async function sealApiKeys(fields: FieldCrypto, drafts: ApiKeyDraft[]): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const { row, plaintext } of drafts) {
    const sealed = await fields.seal(
      { table: 'customer_api_keys', column: 'key_ciphertext', tenant: row.company_id, primaryKey: [row.company_id, row.id] },
      plaintext,
    );
    if (!sealed.mask) throw new Error('the policy declares no mask for customer_api_keys.key_ciphertext');
    rows.push({ ...row, key_ciphertext: sealed.ciphertext, [sealed.mask.column]: sealed.mask.value });
  }
  return rows;
}

function positiveInteger(value: number | undefined, fallback: number, name: string, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer of at least ${min}`);
  return v;
}

/**
 * Fills a migrated, empty database with a deterministic hiring-assessment
 * product: `subjects` candidates spread over about one company per hundred,
 * each company with 3–6 staff, API keys (sealed with `options.fields`, or with field encryption
 * over a throwaway root key when none is given), and monthly invoices; each
 * candidate with 1–2 invites, most of them taken as sessions full of events,
 * some scored. Every row is deterministic except the API keys' ciphertext
 * bytes. The keys are sealed first, which may create data keys in
 * custodian.data_keys; then every row is inserted in one transaction, so a
 * failed insert leaves no app rows behind.
 *
 * @example
 * await migrate(db, [...coreMigrations(), ...app.migrations()]);
 * const report = await seed(db, { subjects: 10_000, seed: 42 });
 */
export async function seed(db: Database, options: HiringSeedOptions): Promise<HiringSeedReport> {
  const subjects = positiveInteger(options.subjects, 0, 'subjects');
  const eventsPerSession = positiveInteger(options.eventsPerSession, 10, 'eventsPerSession', 0);
  const heavyEvents = positiveInteger(options.heavySubjectEvents, 0, 'heavySubjectEvents', 0);
  const batchSize = positiveInteger(options.batchSize, 2000, 'batchSize');
  const seedValue = options.seed ?? DEFAULT_SEED;
  const now = options.now ?? DEFAULT_NOW;
  const companyCount = Math.max(1, Math.round(subjects / 100));

  const rows: Record<string, number> = Object.fromEntries(TABLES.map((t) => [t, 0]));
  // Separate streams, so changing one part of the generator does not reshuffle the others.
  const companyRng = new SeededRandom(`${String(seedValue)}:companies`);
  const candidateRng = new SeededRandom(`${String(seedValue)}:candidates`);

  const companies = generateCompanies(companyRng, companyCount, now);
  // Sealed before the transaction: the key store reads and writes data keys through `db`.
  const apiKeys = await sealApiKeys(options.fields ?? fieldCryptoFor(db, policy), companies.apiKeys);

  return db.transaction(async (tx) => {
    rows.companies = await insertMany(tx, 'companies', companies.companies, { chunkSize: CHUNK });
    rows.company_members = await insertMany(tx, 'company_members', companies.members, { chunkSize: CHUNK });
    rows.customer_api_keys = await insertMany(tx, 'customer_api_keys', apiKeys, { chunkSize: CHUNK });
    rows.billing_records = await insertMany(tx, 'billing_records', companies.billing, { chunkSize: CHUNK });

    const settings = { seed: seedValue, now, eventsPerSession };
    let first: { companyId: string; candidateId: string } | undefined;
    for (let start = 0; start < subjects; start += batchSize) {
      const batch = emptyBatch();
      for (let n = start; n < Math.min(subjects, start + batchSize); n++) {
        // The first candidate sits in the first company, whose contract always runs.
        const company = companies.contexts[n === 0 ? 0 : candidateRng.int(0, companyCount - 1)]!;
        appendCandidate(candidateRng, n, company, settings, batch);
      }
      first ??= { companyId: batch.candidates[0]!.company_id as string, candidateId: batch.candidates[0]!.id as string };
      await insertBatch(tx, batch, rows);
      options.onProgress?.(Math.min(subjects, start + batchSize), subjects);
    }

    const report: HiringSeedReport = { subjects, companies: companyCount, rows };
    if (heavyEvents > 0 && first) {
      const { heavy, rows: added } = await addHeavySubject(tx, first, heavyEvents, seedValue, now);
      rows.assessment_sessions! += added.sessions;
      rows.session_events! += added.events;
      report.heavySubject = heavy;
    }
    return report;
  });
}
