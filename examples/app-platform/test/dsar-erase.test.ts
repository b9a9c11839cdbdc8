import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyAuditLog } from '@custodian/core/audit';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { eraseSubject, planErasure, type SubjectRef } from '@custodian/core/dsar';
import { isCustodianError } from '@custodian/core/errors';
import { testBackend } from '@custodian/core/testing';
import { PLACEHOLDER_USER_ID, policy, seed } from '../src/index.js';
import { openMigrated, tableDigest } from './helpers.js';

const n = async (db: Database, sql: string, params: unknown[]) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params)).rows[0]!.n;

describe(`app-platform: deleting an account (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let user: string;
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 300, seed: 'dsar-erase' });
    schema = await introspect(db);
    // A creator whose own projects hold rows by other people, who also wrote rows in other creators' projects.
    const { rows } = await db.query<{ id: string }>(
      `SELECT u.id FROM users u
        WHERE u.kind = 'person' AND u.deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM project_rows r JOIN projects p ON p.id = r.project_id WHERE p.owner_id = u.id AND r.user_id <> u.id)
          AND EXISTS (SELECT 1 FROM project_rows r JOIN projects p ON p.id = r.project_id WHERE r.user_id = u.id AND p.owner_id <> u.id)
          AND EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id)
        ORDER BY u.id LIMIT 1`,
    );
    assert.ok(rows[0], 'the seed has such a creator');
    user = rows[0].id;
  });
  after(() => db.close());

  test('A7: deletion soft-deletes the account, ends its sessions, unpublishes and hides its projects, reassigns its rows in other creators’ projects to the placeholder, and leaves email, name and profile to the 30-day purge', async () => {
    const ref: SubjectRef = { subject: 'user', key: user };
    const inOthers = `SELECT r.id FROM project_rows r JOIN projects p ON p.id = r.project_id WHERE r.user_id = $1 AND p.owner_id <> $1`;
    const reassigned = (await db.query<{ id: string }>(inOthers, [user])).rows.map((r) => r.id).sort();
    const othersRows = await db.query<{ id: string; user_id: string }>(`SELECT r.id, r.user_id FROM project_rows r JOIN projects p ON p.id = r.project_id WHERE p.owner_id = $1 AND r.user_id <> $1 ORDER BY r.id`, [user]);
    const taxForms = await n(db, `SELECT 1 FROM tax_forms WHERE user_id = $1`, [user]);
    const profileBefore = await n(db, `SELECT 1 FROM profiles WHERE user_id = $1`, [user]);
    const { rows: before } = await db.query<{ email: string; name: string }>(`SELECT email, name FROM users WHERE id = $1`, [user]);

    const plan = await planErasure(db, policy, schema, ref);
    const fate = Object.fromEntries(plan.tables.map((t) => [t.table, t.fate]));
    assert.equal(fate.users, 'soft-delete');
    assert.equal(fate.profiles, 'deferred');
    assert.equal(plan.tables.find((t) => t.table === 'users')?.deferredTo?.rule, 'deleted-account-purge');

    const result = await eraseSubject(db, policy, schema, ref);
    assert.ok(result.rows > 0);
    const { rows: after } = await db.query<{ deleted_at: Date | null; email: string; name: string }>(`SELECT deleted_at, email, name FROM users WHERE id = $1`, [user]);
    assert.ok(after[0]!.deleted_at instanceof Date, 'the user row is soft-deleted');
    assert.deepEqual({ email: after[0]!.email, name: after[0]!.name }, before[0], 'email and name wait for the 30-day purge');
    assert.equal(await n(db, `SELECT 1 FROM profiles WHERE user_id = $1`, [user]), profileBefore, 'the profile waits for the purge too');
    assert.equal(await n(db, `SELECT 1 FROM sessions WHERE user_id = $1`, [user]), 0, 'sessions ended');
    assert.equal(await n(db, `SELECT 1 FROM oauth_tokens WHERE user_id = $1`, [user]), 0);
    assert.equal(await n(db, `SELECT 1 FROM projects WHERE owner_id = $1 AND (published OR NOT hidden)`, [user]), 0, 'projects unpublished and hidden');
    assert.ok((await n(db, `SELECT 1 FROM projects WHERE owner_id = $1`, [user])) > 0, 'projects kept');
    assert.equal(await n(db, inOthers, [user]), 0);
    const moved = await db.query<{ id: string }>(`SELECT id FROM project_rows WHERE id = ANY($1::uuid[]) AND user_id = $2::uuid`, [reassigned, PLACEHOLDER_USER_ID]);
    assert.equal(moved.rows.length, reassigned.length, 'their rows in other creators’ projects now belong to the placeholder');
    const othersAfter = await db.query<{ id: string; user_id: string }>(`SELECT id, user_id FROM project_rows WHERE id = ANY($1::uuid[]) ORDER BY id`, [othersRows.rows.map((r) => r.id)]);
    assert.deepEqual(othersAfter.rows, othersRows.rows, 'other people’s rows in the deleted creator’s projects keep their writers');
    assert.equal(await n(db, `SELECT 1 FROM credit_transactions WHERE user_id = $1`, [user]), 0, 'credit history reassigned');
    assert.equal(await n(db, `SELECT 1 FROM tax_forms WHERE user_id = $1`, [user]), taxForms, 'A8: tax forms kept');
    assert.equal((await verifyAuditLog(db, { tenant: '_platform' })).ok, true);

    const digest = await Promise.all(['users', 'profiles', 'projects', 'project_rows', 'credit_transactions', 'sessions'].map((t) => tableDigest(db, t)));
    const again = await eraseSubject(db, policy, schema, ref);
    assert.equal(again.rows, 0);
    assert.deepEqual(await Promise.all(['users', 'profiles', 'projects', 'project_rows', 'credit_transactions', 'sessions'].map((t) => tableDigest(db, t))), digest, 'a second run changes nothing');
  });

  test('the placeholder that erased people’s rows point to cannot itself be erased', async () => {
    await assert.rejects(eraseSubject(db, policy, schema, { subject: 'user', key: PLACEHOLDER_USER_ID }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_DSAR_REFUSED');
  });
});
