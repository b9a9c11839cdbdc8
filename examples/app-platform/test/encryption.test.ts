import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PLACEHOLDER_MARKER, isPlaceholder, openPlaceholder } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { app, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

/** Every column the policy declares encrypted, as [table, column]. */
const encrypted = Object.entries(app.policy.tables).flatMap(([table, t]) =>
  Object.entries(t.columns)
    .filter(([, c]) => c.encryption)
    .map(([column]) => [table, column] as const),
);

describe(`app-platform encrypted columns (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 400, seed: 7 });
  });
  after(() => db.close());

  test('A1, A2: the policy encrypts SSN/EIN, bank account and routing numbers and refresh tokens', () => {
    assert.deepEqual(
      encrypted.map(([t, c]) => `${t}.${c}`).sort(),
      ['oauth_tokens.refresh_token_ciphertext', 'payout_methods.bank_account_ciphertext', 'payout_methods.routing_number_ciphertext', 'tax_forms.tin_ciphertext'],
    );
  });

  test('every *_ciphertext column of the schema is bytea and declared encrypted in the policy', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name LIKE '%\\_ciphertext' ORDER BY 1, 2`,
    );
    assert.deepEqual(rows.map((r) => [r.table_name, r.column_name]), [...encrypted].sort((a, b) => `${a}`.localeCompare(`${b}`)).map(([t, c]) => [t, c]));
    for (const row of rows) assert.equal(row.data_type, 'bytea', `${row.table_name}.${row.column_name}`);
  });

  test('A1, A2: encrypted columns hold only marked placeholder values, never plaintext', async () => {
    const marker = Buffer.from(PLACEHOLDER_MARKER, 'ascii');
    for (const [table, column] of encrypted) {
      const { rows } = await db.query<{ total: number; unmarked: number }>(
        `SELECT count(${column})::int AS total,
                count(*) FILTER (WHERE substring(${column} FROM 1 FOR $1) <> $2)::int AS unmarked
           FROM ${table}`,
        [marker.length, marker],
      );
      assert.ok(rows[0]!.total > 0, `${table}.${column} has seeded values`);
      assert.equal(rows[0]!.unmarked, 0, `${table}.${column}`);
    }
  });

  test('A1: no SSN, EIN or refresh token appears in clear text in any table', async () => {
    const secrets: string[] = [];
    for (const [table, column] of [['tax_forms', 'tin_ciphertext'], ['oauth_tokens', 'refresh_token_ciphertext']] as const) {
      const { rows } = await db.query<{ v: Uint8Array }>(`SELECT ${column} AS v FROM ${table}`);
      for (const row of rows) secrets.push(openPlaceholder(row.v));
    }
    assert.ok(secrets.some((s) => /^9\d\d-\d\d-\d{4}$/.test(s)) && secrets.some((s) => /^00-\d{7}$/.test(s)), 'both SSNs and EINs were seeded');
    for (const table of Object.keys(app.policy.tables)) {
      const { rows } = await db.query<{ text: string | null }>(`SELECT string_agg(t::text, '\n') AS text FROM ${table} t`);
      const dump = rows[0]!.text ?? '';
      const leaked = secrets.filter((s) => dump.includes(s));
      assert.deepEqual(leaked, [], table);
    }
  });

  test('A1: the masked last 4 matches the sealed value, so display never needs a decrypt', async () => {
    const forms = await db.query<{ v: Uint8Array; last4: string }>(`SELECT tin_ciphertext AS v, tin_last4 AS last4 FROM tax_forms`);
    const methods = await db.query<{ v: Uint8Array; last4: string }>(`SELECT bank_account_ciphertext AS v, account_last4 AS last4 FROM payout_methods`);
    assert.ok(forms.rows.length > 0 && methods.rows.length > 0);
    for (const row of [...forms.rows, ...methods.rows]) {
      assert.ok(isPlaceholder(row.v));
      assert.equal(openPlaceholder(row.v).slice(-4), row.last4);
    }
  });
});
