import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, type Database } from '@custodian/core/db';
import { PLACEHOLDER_MARKER, Secret, isPlaceholder, parseEnvelopeHeader, type FieldCrypto } from '@custodian/core/crypto';
import { SeededRandom, fieldCryptoFor, testBackend } from '@custodian/core/testing';
import { DEFAULT_NOW, app, inviteToken, seed } from '../src/index.js';
import { generateCompanies } from '../src/seed/companies.js';
import { APP_TABLES, count, openMigrated } from './support.js';

const SEED = 'secrets';
const SUBJECTS = 400;

/** The plaintext keys the seed generated, by `company_id/id`: the generator is deterministic, only the sealing is not. */
function seededApiKeys(): Map<string, string> {
  const { apiKeys } = generateCompanies(new SeededRandom(`${SEED}:companies`), Math.max(1, Math.round(SUBJECTS / 100)), DEFAULT_NOW);
  return new Map(apiKeys.map((k) => [`${k.row.company_id}/${k.row.id}`, k.plaintext]));
}

/** Rows of any app table whose text form matches `pattern` (bytea shows as hex, so sealed bytes never match). */
async function rowsMatching(db: Database, pattern: string): Promise<number> {
  let total = 0;
  for (const table of APP_TABLES) total += await count(db, `SELECT 1 FROM ${table} t WHERE t::text ~ $1`, [pattern]);
  return total;
}

describe(`hiring-assessments secrets at rest (${testBackend()})`, () => {
  let db: Database;
  let fields: FieldCrypto;
  before(async () => {
    db = await openMigrated();
    // A root key the test holds, so it can open what the seed sealed.
    fields = fieldCryptoFor(db, app.policy, new Secret(Uint8Array.from(randomBytes(32))));
    await seed(db, { subjects: SUBJECTS, seed: SEED, fields });
  });
  after(() => db.close());

  test('C1: no customer API key is stored in plaintext or placeholder form; each is an AES-256-GCM envelope, and only its last 4 characters are in the clear', async () => {
    const { rows } = await db.query<{ company_id: string; id: string; key_ciphertext: Uint8Array; key_last4: string }>(
      'SELECT company_id, id, key_ciphertext, key_last4 FROM customer_api_keys',
    );
    const plaintexts = seededApiKeys();
    assert.ok(rows.length >= 4);
    assert.equal(rows.length, plaintexts.size);
    for (const row of rows) {
      const bytes = Buffer.from(row.key_ciphertext);
      const plaintext = plaintexts.get(`${row.company_id}/${row.id}`)!;
      assert.match(plaintext, /^sk-ant-api03-[0-9a-f]{80}$/);
      assert.equal(isPlaceholder(bytes), false);
      assert.equal(bytes.includes(PLACEHOLDER_MARKER), false);
      assert.equal(parseEnvelopeHeader(bytes).algorithm, 'aes-256-gcm');
      assert.equal(bytes.includes(plaintext), false);
      assert.equal(bytes.includes(plaintext.slice(13)), false, 'not even the random part of the key');
      assert.equal(row.key_last4, plaintext.slice(-4));
    }
    // Nothing shaped like a key, or like a placeholder, anywhere in the app's tables (bytea reads as hex).
    assert.equal(await rowsMatching(db, 'sk-ant-'), 0);
    assert.equal(await rowsMatching(db, Buffer.from(PLACEHOLDER_MARKER).toString('hex')), 0);
  });

  test("C2: decrypting a seeded key for 'assessment-session' returns the key and records the decrypt first", async () => {
    assert.deepEqual(app.policy.tables.customer_api_keys!.columns.key_ciphertext!.encryption!.purposes, ['assessment-session']);
    const { rows } = await db.query<{ company_id: string; id: string; key_ciphertext: Uint8Array }>(
      'SELECT company_id, id, key_ciphertext FROM customer_api_keys ORDER BY company_id, id LIMIT 1',
    );
    const row = rows[0]!;
    const ref = { table: 'customer_api_keys', column: 'key_ciphertext', tenant: row.company_id, primaryKey: [row.company_id, row.id] };
    const before = await count(db, 'SELECT 1 FROM custodian.decrypt_events');
    const actor = { type: 'service', id: 'assessment-runner', sessionId: 'session-1' } as const;
    const key = await fields.open(ref, row.key_ciphertext, { purpose: 'assessment-session', actor });
    assert.equal(key.reveal(), seededApiKeys().get(`${row.company_id}/${row.id}`));

    const events = await db.query<Record<string, string>>(
      'SELECT tenant_id, actor_type, actor_id, purpose, table_name, column_name, row_key, key_id, session_id FROM custodian.decrypt_events ORDER BY id',
    );
    assert.equal(events.rows.length, before + 1);
    assert.deepEqual(events.rows.at(-1), {
      tenant_id: row.company_id,
      actor_type: 'service',
      actor_id: 'assessment-runner',
      purpose: 'assessment-session',
      table_name: 'customer_api_keys',
      column_name: 'key_ciphertext',
      row_key: `${row.company_id}/${row.id}`,
      key_id: parseEnvelopeHeader(row.key_ciphertext).keyId,
      session_id: 'session-1',
    });

    // Any other purpose is refused, and leaves no record.
    await assert.rejects(fields.open(ref, row.key_ciphertext, { purpose: 'analytics', actor }), { code: 'ERR_CRYPTO_PURPOSE_REQUIRED' });
    assert.equal(await count(db, 'SELECT 1 FROM custodian.decrypt_events'), before + 1);
  });

  test('C20: invite tokens are stored only as SHA-256 hashes', async () => {
    const { rows } = await db.query<{ id: string; token_hash: Uint8Array }>('SELECT id, token_hash FROM invites ORDER BY company_id, id');
    assert.ok(rows.length >= 400);
    for (const row of rows) {
      const token = inviteToken(SEED, row.id);
      assert.deepEqual(Buffer.from(row.token_hash), createHash('sha256').update(token).digest());
    }
    // Neither a token nor anything shaped like one is stored in any table.
    assert.equal(await rowsMatching(db, 'inv_[A-Za-z0-9_-]{32,}'), 0);
    const one = inviteToken(SEED, rows[0]!.id);
    assert.equal(await rowsMatching(db, one.slice(4)), 0);
  });

  test('C20: a token resolves to its invite through its hash alone, before any tenant is known', async () => {
    const { rows } = await db.query<{ company_id: string; id: string; candidate_id: string }>(
      'SELECT company_id, id, candidate_id FROM invites ORDER BY company_id, id LIMIT 1',
    );
    const invite = rows[0]!;
    const lookup = (token: string) =>
      db.transaction(
        async (tx) =>
          (
            await tx.query<{ company_id: string; invite_id: string; candidate_id: string }>(
              'SELECT company_id, invite_id, candidate_id FROM invite_by_token_hash($1)',
              [createHash('sha256').update(token).digest()],
            )
          ).rows,
        { role: APP_ROLE },
      );
    assert.deepEqual(await lookup(inviteToken(SEED, invite.id)), [{ company_id: invite.company_id, invite_id: invite.id, candidate_id: invite.candidate_id }]);
    assert.deepEqual(await lookup(inviteToken('another-seed', invite.id)), []);
    // The table itself stays closed to the application role without a tenant.
    const direct = await db.transaction(async (tx) => (await tx.query('SELECT 1 FROM invites')).rowCount, { role: APP_ROLE });
    assert.equal(direct, 0);
  });
});
