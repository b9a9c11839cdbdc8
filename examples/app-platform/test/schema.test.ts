import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, coreMigrations, migrate, migrationStatus, type Database } from '@custodian/core/db';
import { ownersOf } from '@custodian/core/policy';
import { testBackend } from '@custodian/core/testing';
import { app, PLACEHOLDER_USER_ID } from '../src/index.js';
import { openMigrated } from './helpers.js';

const TABLES = ['credit_transactions', 'oauth_tokens', 'payout_methods', 'profiles', 'project_rows', 'projects', 'sessions', 'tax_forms', 'users'];

describe(`app-platform schema (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openMigrated();
  });
  after(() => db.close());

  test('core migrations apply first, then the app’s, and a second run applies nothing', async () => {
    const all = [...coreMigrations(), ...app.migrations()];
    const status = await migrationStatus(db, all);
    assert.deepEqual(
      status.map((s) => [s.migration.id, s.applied]),
      [
        // Every core migration, whichever exist: core grows (0002 data keys, …) without this list changing.
        ...coreMigrations().map((m): [string, boolean] => [m.id, true]),
        ['app/0001_accounts.sql', true],
        ['app/0002_projects.sql', true],
        ['app/0003_payouts.sql', true],
      ],
    );
    const again = await migrate(db, all);
    assert.equal(again.applied.length, 0);
    assert.equal(again.upToDate, all.length);
  });

  test('every table exists in public and the application role may read and write it', async () => {
    const { rows } = await db.query<{ table_name: string; privileges: string[] }>(
      `SELECT table_name, array_agg(privilege_type::text ORDER BY privilege_type) AS privileges
         FROM information_schema.role_table_grants
        WHERE grantee = $1 AND table_schema = 'public'
        GROUP BY table_name ORDER BY table_name`,
      [APP_ROLE],
    );
    assert.deepEqual(rows.map((r) => r.table_name), TABLES);
    for (const row of rows) assert.deepEqual(row.privileges, ['DELETE', 'INSERT', 'SELECT', 'UPDATE'], row.table_name);
  });

  test('A7: the placeholder user exists with the id the policy names, and cannot sign in', async () => {
    const { rows } = await db.query<{ id: string; kind: string; email: string | null }>(`SELECT id, kind, email FROM users`);
    assert.deepEqual(rows, [{ id: PLACEHOLDER_USER_ID, kind: 'placeholder', email: null }]);
    assert.equal(app.policy.subjects.user!.placeholder!.key, PLACEHOLDER_USER_ID);
    await assert.rejects(
      db.query(`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, repeat('a', 64), now() + interval '1 day')`, [PLACEHOLDER_USER_ID]),
      /sign-in refused/,
    );
  });

  test('A7: a soft-deleted account is refused a live session but keeps its ended ones', async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    await db.query(`INSERT INTO users (id, google_sub, email, name) VALUES ($1, 'sub-1', 'a@people.example', 'A')`, [id]);
    await db.query(`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, repeat('b', 64), now() + interval '1 day')`, [id]);
    await db.query(`UPDATE sessions SET ended_at = now() WHERE user_id = $1`, [id]);
    await db.query(`UPDATE users SET deleted_at = now() WHERE id = $1`, [id]);
    await assert.rejects(
      db.query(`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, repeat('c', 64), now() + interval '1 day')`, [id]),
      /sign-in refused/,
    );
    await assert.rejects(db.query(`UPDATE sessions SET ended_at = NULL WHERE user_id = $1`, [id]), /sign-in refused/);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND ended_at IS NOT NULL`, [id]);
    assert.equal(rows[0]!.n, 1);
  });

  test('A7: a live account must have its Google id and email; a deleted one may lose them', async () => {
    await assert.rejects(db.query(`INSERT INTO users (email) VALUES ('b@people.example')`), /users_live_identity/);
    await db.query(`INSERT INTO users (email, deleted_at) VALUES (NULL, now())`);
  });

  test('A8: tax forms outlive account deletion: the user row cannot be hard-deleted while a form references it', async () => {
    const id = '22222222-2222-4222-8222-222222222222';
    await db.query(`INSERT INTO users (id, google_sub, email, name) VALUES ($1, 'sub-2', 'c@people.example', 'C')`, [id]);
    await db.query(
      `INSERT INTO tax_forms (user_id, tin_type, legal_name, address, tin_ciphertext, tin_last4, tax_year) VALUES ($1, 'ssn', 'C', '1 Example St', '\\x00', '6789', 2026)`,
      [id],
    );
    await assert.rejects(db.query(`DELETE FROM users WHERE id = $1`, [id]), /tax_forms_user_id_fkey/);
    const { rows } = await db.query<{ confdeltype: string }>(
      `SELECT confdeltype FROM pg_constraint WHERE conname = 'tax_forms_user_id_fkey'`,
    );
    assert.equal(rows[0]!.confdeltype, 'r', 'ON DELETE RESTRICT');
  });

  test('every table, column and owner path the policy names exists, and every encrypted column is bytea', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const types = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
    const missing: string[] = [];
    for (const [table, t] of Object.entries(app.policy.tables)) {
      const named = [...Object.keys(t.columns), ...(t.tenant ? [t.tenant] : []), ...(t.softDelete ? [t.softDelete] : [])];
      for (const owner of ownersOf(t)) {
        if ('column' in owner) named.push(owner.column);
        else {
          // Walk the path: each hop's column lives in the table the previous hop reached.
          let at = table;
          for (const hop of owner.path) {
            if (!types.has(`${at}.${hop.column}`)) missing.push(`${at}.${hop.column}`);
            if (!types.has(hop.references)) missing.push(hop.references);
            at = hop.references.slice(0, hop.references.lastIndexOf('.'));
          }
        }
      }
      for (const c of Object.values(t.columns)) if (c.encryption?.mask) named.push(c.encryption.mask.column);
      for (const c of named) if (!types.has(`${table}.${c}`)) missing.push(`${table}.${c}`);
      for (const [name, c] of Object.entries(t.columns)) if (c.encryption) assert.equal(types.get(`${table}.${name}`), 'bytea', `${table}.${name}`);
    }
    assert.deepEqual(missing, []);
  });
});
