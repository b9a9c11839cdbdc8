import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { seed } from '../src/index.js';
import { emptySeededTables, openMigrated, tableDigest } from './helpers.js';

const TABLES = ['users', 'workspaces', 'workspace_members', 'workrooms', 'messages', 'integrations', 'activity'];

describe(`agency-workspace seed (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 300, seed: 'fixed' });
  });
  after(() => db.close());

  test('the same seed gives the same rows, ids included; another seed gives other rows', async () => {
    const first = await Promise.all(TABLES.map((t) => tableDigest(db, t)));
    await emptySeededTables(db);
    await seed(db, { subjects: 300, seed: 'other' });
    const other = await Promise.all(TABLES.map((t) => tableDigest(db, t)));
    await emptySeededTables(db);
    await seed(db, { subjects: 300, seed: 'fixed' });
    const again = await Promise.all(TABLES.map((t) => tableDigest(db, t)));
    assert.deepEqual(again, first);
    TABLES.forEach((table, i) => assert.notEqual(other[i], first[i], table));
  });

  test('the subject count sets the users, about one workspace per ten, and other tables scale with it', async () => {
    const progress: number[] = [];
    await emptySeededTables(db);
    const few = await seed(db, { subjects: 50, seed: 'fixed', onProgress: (done) => progress.push(done) });
    await emptySeededTables(db);
    const many = await seed(db, { subjects: 1000, seed: 'fixed' });
    await emptySeededTables(db);
    await seed(db, { subjects: 300, seed: 'fixed' });
    assert.deepEqual([few.rows.users, few.rows.workspaces], [50, 5]);
    assert.deepEqual([many.rows.users, many.rows.workspaces], [1000, 100]);
    for (const table of ['workspace_members', 'workrooms', 'messages', 'activity']) {
      const ratio = many.rows[table]! / 1000 / (few.rows[table]! / 50);
      assert.ok(ratio > 0.5 && ratio < 2, `${table} scales linearly (ratio ${ratio})`);
    }
    assert.ok(many.rows.messages! > many.rows.workrooms! * 5, 'workrooms hold conversations');
    assert.equal(progress.at(-1), Object.values(few.rows).reduce((x, y) => x + y, 0));
  });

  test('each workspace has exactly one owner, and every member has one of the four roles', async () => {
    const { rows } = await db.query<{ owners: number; n: number }>(
      `SELECT count(*) FILTER (WHERE role = 'owner')::int AS owners, count(*)::int AS n FROM workspace_members GROUP BY workspace_id`,
    );
    assert.equal(rows.length, 30);
    assert.ok(rows.every((r) => r.owners === 1));
  });

  test('seeded people have .example emails unless their deletion already ran', async () => {
    const { rows } = await db.query<{ live_bad: number; deleted: number; deleted_bad: number }>(`
      SELECT count(*) FILTER (WHERE deleted_at IS NULL AND email !~ '^[a-z.]+\\.[0-9]+@people\\.example$')::int AS live_bad,
             count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted,
             count(*) FILTER (WHERE deleted_at IS NOT NULL AND email !~ '^deleted-[0-9a-f-]{36}@deleted\\.invalid$')::int AS deleted_bad
        FROM users`);
    assert.equal(rows[0]!.live_bad, 0);
    assert.equal(rows[0]!.deleted_bad, 0);
    assert.ok(rows[0]!.deleted > 0, 'some deletions have run');
  });

  test('B6: seeded deleted people are pseudonymised, belong to no workspace, and their messages remain', async () => {
    const { rows } = await db.query<{ display_name: string; language_preference: string | null; memberships: number }>(`
      SELECT u.display_name, u.language_preference,
             (SELECT count(*)::int FROM workspace_members m WHERE m.user_id = u.id) AS memberships
        FROM users u WHERE u.deleted_at IS NOT NULL`);
    assert.ok(rows.length > 0);
    for (const r of rows) assert.deepEqual(r, { display_name: 'Deleted User', language_preference: null, memberships: 0 });
    const kept = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages m JOIN users u ON u.id = m.author_id WHERE u.deleted_at IS NOT NULL`);
    assert.ok(kept.rows[0]!.n > 0, 'messages by deleted people stay with the workspace');
  });

  test('B8: cancelled workspaces are on the free trial and keep all their data', async () => {
    const { rows } = await db.query<{ plan: string; workrooms: number; messages: number }>(`
      SELECT w.plan,
             (SELECT count(*)::int FROM workrooms r WHERE r.workspace_id = w.id) AS workrooms,
             (SELECT count(*)::int FROM messages m WHERE m.workspace_id = w.id) AS messages
        FROM workspaces w WHERE w.subscription_status = 'cancelled'`);
    assert.ok(rows.length > 0, 'some workspaces cancelled');
    for (const r of rows) {
      assert.equal(r.plan, 'free-trial');
      assert.ok(r.workrooms > 0 && r.messages > 0);
    }
  });

  test('B10: seeded workspaces use all four regions, most the default', async () => {
    const { rows } = await db.query<{ region: string; n: number }>(`SELECT region, count(*)::int AS n FROM workspaces GROUP BY region ORDER BY n DESC`);
    assert.equal(rows[0]!.region, 'us');
    assert.deepEqual(rows.map((r) => r.region).sort(), ['ap-northeast', 'eu', 'me-south', 'us']);
  });

  test('B3, B7: the activity page records plan changes, cancellations, integrations and data requests', async () => {
    const { rows } = await db.query<{ kind: string }>(`SELECT DISTINCT kind FROM activity ORDER BY kind`);
    const kinds = rows.map((r) => r.kind);
    for (const kind of ['workspace.created', 'member.joined', 'plan.changed', 'subscription.cancelled', 'integration.connected', 'agent.edited', 'request.created', 'request.completed']) {
      assert.ok(kinds.includes(kind), kind);
    }
  });
});
