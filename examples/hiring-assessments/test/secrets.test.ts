import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, type Database } from '@custodian/core/db';
import { isPlaceholder, openPlaceholder } from '@custodian/core/crypto';
import { testBackend } from '@custodian/core/testing';
import { inviteToken } from '../src/index.js';
import { APP_TABLES, count, openSeeded } from './support.js';

const SEED = 'secrets';

/** Rows of any app table whose text form matches `pattern` (bytea shows as hex, so sealed bytes never match). */
async function rowsMatching(db: Database, pattern: string): Promise<number> {
  let total = 0;
  for (const table of APP_TABLES) total += await count(db, `SELECT 1 FROM ${table} t WHERE t::text ~ $1`, [pattern]);
  return total;
}

describe(`hiring-assessments secrets at rest (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    ({ db } = await openSeeded({ subjects: 400, seed: SEED }));
  });
  after(() => db.close());

  test('C1: every customer API key is sealed, and only its last 4 characters are stored in the clear', async () => {
    const { rows } = await db.query<{ key_ciphertext: Uint8Array; key_last4: string }>('SELECT key_ciphertext, key_last4 FROM customer_api_keys');
    assert.ok(rows.length >= 4);
    for (const row of rows) {
      assert.equal(isPlaceholder(row.key_ciphertext), true);
      const plaintext = openPlaceholder(row.key_ciphertext);
      assert.match(plaintext, /^sk-ant-api03-[0-9a-f]{80}$/);
      assert.equal(row.key_last4, plaintext.slice(-4));
      assert.equal(Buffer.from(row.key_ciphertext).includes(plaintext), false);
    }
    assert.equal(await rowsMatching(db, 'sk-ant-'), 0);
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
