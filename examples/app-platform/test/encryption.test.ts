import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PLACEHOLDER_MARKER, Secret, parseEnvelopeHeader, type FieldCrypto } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { fieldCryptoFor, testBackend } from '@custodian/core/testing';
import { app, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

/** Every column the policy declares encrypted, as [table, column]. */
const encrypted = Object.entries(app.policy.tables).flatMap(([table, t]) =>
  Object.entries(t.columns)
    .filter(([, c]) => c.encryption)
    .map(([column]) => [table, column] as const),
);

const encryptionOf = (table: string, column: string) => app.policy.tables[table]!.columns[column]!.encryption!;
const actor = { type: 'operator', id: 'encryption-test' } as const;

describe(`app-platform encrypted columns (${testBackend()})`, () => {
  let db: Database;
  let fields: FieldCrypto;
  before(async () => {
    db = await openMigrated();
    // A known root key, so the test can open what the seed sealed.
    fields = fieldCryptoFor(db, app.policy, new Secret(Uint8Array.from(randomBytes(32))));
    await seed(db, { subjects: 400, seed: 7, fields });
  });
  after(() => db.close());

  /** Opens a row's sealed value; audited columns record a decrypt event as they do in production. */
  async function open(table: string, column: string, row: { id: string; user_id: string; v: Uint8Array }, purpose: string) {
    return fields.open({ table, column, subject: row.user_id, primaryKey: row.id }, row.v, { purpose, actor });
  }

  test('A1, A2: the policy encrypts SSN/EIN, bank account and routing numbers and refresh tokens', () => {
    assert.deepEqual(
      encrypted.map(([t, c]) => `${t}.${c}`).sort(),
      ['oauth_tokens.refresh_token_ciphertext', 'payout_methods.bank_account_ciphertext', 'payout_methods.routing_number_ciphertext', 'tax_forms.tin_ciphertext'],
    );
    for (const [table, column] of encrypted) assert.equal(encryptionOf(table, column).algorithm, 'aes-256-gcm', `${table}.${column}`);
  });

  test('every *_ciphertext column of the schema is bytea and declared encrypted in the policy', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name LIKE '%\\_ciphertext' ORDER BY 1, 2`,
    );
    assert.deepEqual(rows.map((r) => [r.table_name, r.column_name]), [...encrypted].sort((a, b) => `${a}`.localeCompare(`${b}`)).map(([t, c]) => [t, c]));
    for (const row of rows) assert.equal(row.data_type, 'bytea', `${row.table_name}.${row.column_name}`);
  });

  test('A1, A2: every encrypted value in the raw tables is an envelope with the algorithm the policy names, never a placeholder', async () => {
    const marker = Buffer.from(PLACEHOLDER_MARKER, 'ascii');
    for (const [table, column] of encrypted) {
      const { rows } = await db.query<{ v: Uint8Array | null }>(`SELECT ${column} AS v FROM ${table}`);
      assert.ok(rows.length > 0, `${table}.${column} has seeded values`);
      const keyIds = new Set<string>();
      for (const { v } of rows) {
        assert.ok(v instanceof Uint8Array && v.length > 0, `${table}.${column} is set`);
        assert.ok(!Buffer.from(v).subarray(0, marker.length).equals(marker), `${table}.${column} holds a placeholder`);
        assert.ok(Buffer.from(v).indexOf(marker) === -1, `${table}.${column} contains the placeholder marker`);
        const header = parseEnvelopeHeader(v);
        assert.equal(header.algorithm, encryptionOf(table, column).algorithm, `${table}.${column}`);
        keyIds.add(header.keyId);
      }
      // Root key scope: one Custodian-wide data key seals the whole column.
      assert.equal(keyIds.size, 1, `${table}.${column} is sealed under the one root-scope data key`);
    }
  });

  test('A1, A2: no SSN, EIN, refresh token, bank account or routing number appears in clear text in any table', async () => {
    const tins = await db.query<{ id: string; user_id: string; v: Uint8Array }>(`SELECT id::text, user_id::text, tin_ciphertext AS v FROM tax_forms`);
    const tokens = await db.query<{ id: string; user_id: string; v: Uint8Array }>(`SELECT id::text, user_id::text, refresh_token_ciphertext AS v FROM oauth_tokens`);
    const secrets: string[] = [];
    for (const row of tins.rows) secrets.push((await open('tax_forms', 'tin_ciphertext', row, 'tax-1099')).reveal());
    for (const row of tokens.rows) secrets.push((await open('oauth_tokens', 'refresh_token_ciphertext', row, 'google-refresh')).reveal());
    assert.ok(secrets.some((s) => /^9\d\d-\d\d-\d{4}$/.test(s)) && secrets.some((s) => /^00-\d{7}$/.test(s)), 'both SSNs and EINs were seeded');
    assert.ok(secrets.some((s) => s.startsWith('1//0g')), 'refresh tokens were seeded');
    for (const table of Object.keys(app.policy.tables)) {
      const { rows } = await db.query<{ text: string | null }>(`SELECT string_agg(t::text, '\n') AS text FROM ${table} t`);
      const dump = rows[0]!.text ?? '';
      const leaked = secrets.filter((s) => dump.includes(s));
      assert.deepEqual(leaked, [], table);
      assert.ok(!/9\d\d-\d\d-\d{4}|1\/\/0g/.test(dump), `${table} holds something shaped like an SSN or a refresh token`);
    }
    // Bank and routing numbers are bare digits, which hex ciphertext can contain by chance: check their columns instead.
    const methods = await db.query<{ account_holder_name: string; account_last4: string }>(`SELECT account_holder_name, account_last4 FROM payout_methods`);
    for (const m of methods.rows) assert.ok(!/\d{5,}/.test(m.account_holder_name) && /^\d{4}$/.test(m.account_last4));
  });

  test('A1: the masked last 4 is the policy mask of the sealed value, so display never needs a decrypt', async () => {
    const forms = await db.query<{ id: string; user_id: string; v: Uint8Array; last4: string }>(
      `SELECT id::text, user_id::text, tin_ciphertext AS v, tin_last4 AS last4 FROM tax_forms`,
    );
    const methods = await db.query<{ id: string; user_id: string; v: Uint8Array; routing: Uint8Array; last4: string }>(
      `SELECT id::text, user_id::text, bank_account_ciphertext AS v, routing_number_ciphertext AS routing, account_last4 AS last4 FROM payout_methods`,
    );
    assert.ok(forms.rows.length > 0 && methods.rows.length > 0);
    for (const row of forms.rows.slice(0, 20)) assert.equal((await open('tax_forms', 'tin_ciphertext', row, 'tax-1099')).reveal().slice(-4), row.last4);
    for (const row of methods.rows.slice(0, 20)) {
      const account = (await open('payout_methods', 'bank_account_ciphertext', row, 'payout-dispatch')).reveal();
      assert.match(account, /^\d{8,12}$/);
      assert.equal(account.slice(-4), row.last4);
      const routing = (await open('payout_methods', 'routing_number_ciphertext', { ...row, v: row.routing }, 'payout-dispatch')).reveal();
      assert.match(routing, /^0\d{8}$/);
    }
  });

  test('A3: a TIN opens for tax-1099 with a decrypt event recorded; another purpose is refused and records nothing', async () => {
    assert.deepEqual(encryptionOf('tax_forms', 'tin_ciphertext').purposes, ['tax-1099']);
    assert.equal(encryptionOf('tax_forms', 'tin_ciphertext').auditDecrypt, true);
    const { rows } = await db.query<{ id: string; user_id: string; v: Uint8Array; last4: string }>(
      `SELECT id::text, user_id::text, tin_ciphertext AS v, tin_last4 AS last4 FROM tax_forms ORDER BY id LIMIT 1`,
    );
    const form = rows[0]!;
    const events = async (purpose: string) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM custodian.decrypt_events
            WHERE table_name = 'tax_forms' AND column_name = 'tin_ciphertext' AND row_key = $1 AND purpose = $2 AND actor_id = $3`,
          [form.id, purpose, actor.id],
        )
      ).rows[0]!.n;
    const before = await events('tax-1099');
    const tin = await open('tax_forms', 'tin_ciphertext', form, 'tax-1099');
    assert.match(tin.reveal(), /^(9\d\d-\d\d-\d{4}|00-\d{7})$/);
    assert.equal(tin.reveal().slice(-4), form.last4);
    assert.equal(await events('tax-1099'), before + 1, 'the decrypt was recorded');
    const recorded = await db.query<{ actor_type: string; key_id: string }>(
      `SELECT actor_type, key_id FROM custodian.decrypt_events WHERE row_key = $1 AND purpose = 'tax-1099' ORDER BY id DESC LIMIT 1`,
      [form.id],
    );
    assert.deepEqual(recorded.rows[0], { actor_type: 'operator', key_id: parseEnvelopeHeader(form.v).keyId });

    for (const purpose of ['marketing', 'support', '']) {
      await assert.rejects(open('tax_forms', 'tin_ciphertext', form, purpose), { code: 'ERR_CRYPTO_PURPOSE_REQUIRED' }, purpose);
      assert.equal(await events(purpose), 0, `no decrypt event for '${purpose}'`);
    }
  });
});
