import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@custodian/core/db';
import { parseEnvelopeHeader } from '@custodian/core/crypto';
import { testBackend } from '@custodian/core/testing';
import { PLACEHOLDER_USER_ID, seed } from '../src/index.js';
import { emptySeededTables, encryptedColumns, fieldsFor, openMigrated, tableDigest } from './helpers.js';

const TABLES = ['users', 'profiles', 'oauth_tokens', 'sessions', 'projects', 'project_rows', 'credit_transactions', 'payout_methods', 'tax_forms'];

describe(`app-platform seed (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 300, seed: 'fixed', fields: fieldsFor(db) });
  });
  after(() => db.close());

  test('the same seed gives the same rows, ids included; another seed gives other rows', async () => {
    const first = await Promise.all(TABLES.map((t) => tableDigest(db, t)));
    await emptySeededTables(db);
    await seed(db, { subjects: 300, seed: 'other', fields: fieldsFor(db) });
    const other = await Promise.all(TABLES.map((t) => tableDigest(db, t)));
    await emptySeededTables(db);
    await seed(db, { subjects: 300, seed: 'fixed', fields: fieldsFor(db) });
    const again = await Promise.all(TABLES.map((t) => tableDigest(db, t)));
    assert.deepEqual(again, first);
    TABLES.forEach((table, i) => assert.notEqual(other[i], first[i], table));
  });

  test('A1, A2: only the ciphertext differs between two runs of the same seed: fresh nonces every time', async () => {
    const sealed = async () => {
      const out: Record<string, string[]> = {};
      for (const table of TABLES) {
        for (const column of encryptedColumns(table)) {
          const { rows } = await db.query<{ v: Uint8Array }>(`SELECT ${column} AS v FROM ${table} ORDER BY id`);
          out[`${table}.${column}`] = rows.map((r) => Buffer.from(r.v).toString('hex'));
        }
      }
      return out;
    };
    const first = await sealed();
    await emptySeededTables(db);
    await seed(db, { subjects: 300, seed: 'fixed', fields: fieldsFor(db) });
    const again = await sealed();
    assert.deepEqual(Object.keys(first).sort(), ['oauth_tokens.refresh_token_ciphertext', 'payout_methods.bank_account_ciphertext', 'payout_methods.routing_number_ciphertext', 'tax_forms.tin_ciphertext']);
    for (const [column, values] of Object.entries(first)) {
      assert.ok(values.length > 0, column);
      assert.equal(again[column]!.length, values.length, column);
      values.forEach((v, i) => assert.notEqual(again[column]![i], v, `${column} row ${i}`));
    }
  });

  test('the subject count sets the users, and other tables scale with it', async () => {
    const progress: number[] = [];
    await emptySeededTables(db);
    const few = await seed(db, { subjects: 30, seed: 'fixed', fields: fieldsFor(db), onProgress: (done) => progress.push(done) });
    await emptySeededTables(db);
    const many = await seed(db, { subjects: 900, seed: 'fixed', fields: fieldsFor(db) });
    await emptySeededTables(db);
    await seed(db, { subjects: 300, seed: 'fixed', fields: fieldsFor(db) });
    assert.equal(few.rows.users, 30);
    assert.equal(many.rows.users, 900);
    assert.equal(many.rows.projects, 600, 'two projects per three people');
    assert.ok(many.rows.project_rows! > many.rows.projects! * 2, 'several users store rows in each project');
    for (const table of ['profiles', 'sessions', 'credit_transactions', 'project_rows']) {
      const ratio = many.rows[table]! / 900 / (few.rows[table]! / 30);
      assert.ok(ratio > 0.6 && ratio < 1.6, `${table} scales linearly (ratio ${ratio})`);
    }
    assert.equal(progress.at(-1), Object.values(few.rows).reduce((a, b) => a + b, 0));
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
  });

  test('seeded people have .example emails, Google ids, and only hashes of session tokens', async () => {
    const { rows } = await db.query<{ bad_email: number; no_sub: number; bad_hash: number }>(`
      SELECT (SELECT count(*)::int FROM users WHERE kind = 'person' AND email !~ '@[a-z.-]+\\.example$') AS bad_email,
             (SELECT count(*)::int FROM users WHERE kind = 'person' AND google_sub IS NULL) AS no_sub,
             (SELECT count(*)::int FROM sessions WHERE token_hash !~ '^[0-9a-f]{64}$') AS bad_hash`);
    assert.deepEqual(rows[0], { bad_email: 0, no_sub: 0, bad_hash: 0 });
  });

  test('A7: seeded deleted accounts are signed out, their projects hidden, their rows in others’ projects on the placeholder', async () => {
    const { rows } = await db.query<{ deleted: number; live_sessions: number; visible_projects: number; own_rows_elsewhere: number; placeholder_rows: number }>(`
      SELECT (SELECT count(*)::int FROM users WHERE deleted_at IS NOT NULL) AS deleted,
             (SELECT count(*)::int FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.deleted_at IS NOT NULL AND s.ended_at IS NULL) AS live_sessions,
             (SELECT count(*)::int FROM projects p JOIN users u ON u.id = p.owner_id WHERE u.deleted_at IS NOT NULL AND (p.published OR NOT p.hidden)) AS visible_projects,
             (SELECT count(*)::int FROM project_rows r JOIN projects p ON p.id = r.project_id JOIN users u ON u.id = r.user_id
               WHERE u.deleted_at IS NOT NULL AND p.owner_id <> u.id) AS own_rows_elsewhere,
             (SELECT count(*)::int FROM project_rows WHERE user_id = '${PLACEHOLDER_USER_ID}') AS placeholder_rows`);
    const r = rows[0]!;
    assert.ok(r.deleted > 0, 'some accounts are deleted');
    assert.deepEqual({ ...r, deleted: 0, placeholder_rows: 0 }, { deleted: 0, live_sessions: 0, visible_projects: 0, own_rows_elsewhere: 0, placeholder_rows: 0 });
    assert.ok(r.placeholder_rows > 0, 'the placeholder holds reassigned rows');
  });

  test('A8: seeded tax forms span both sides of the 7-year line, so retention has work to do', async () => {
    const { rows } = await db.query<{ older: number; newer: number }>(`
      SELECT count(*) FILTER (WHERE created_at < timestamptz '2026-11-01' - interval '7 years')::int AS older,
             count(*) FILTER (WHERE created_at >= timestamptz '2026-11-01' - interval '7 years')::int AS newer
        FROM tax_forms`);
    assert.ok(rows[0]!.older > 0 && rows[0]!.newer > 0, JSON.stringify(rows[0]));
  });
});

describe(`app-platform seed without a FieldCrypto (${testBackend()})`, () => {
  test('A1, A2: the seed seals under a throwaway root key of its own: real envelopes, masks still set', async () => {
    const db = await openMigrated();
    try {
      await seed(db, { subjects: 60, seed: 'fixed' });
      const { rows } = await db.query<{ v: Uint8Array; last4: string }>(`SELECT bank_account_ciphertext AS v, account_last4 AS last4 FROM payout_methods`);
      assert.ok(rows.length > 0);
      for (const row of rows) {
        assert.equal(parseEnvelopeHeader(row.v).algorithm, 'aes-256-gcm');
        assert.match(row.last4, /^\d{4}$/);
      }
    } finally {
      await db.close();
    }
  });
});
