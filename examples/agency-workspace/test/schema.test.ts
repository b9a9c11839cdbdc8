import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, coreMigrations, migrate, migrationStatus, type Database } from '@custodian/core/db';
import { ownersOf } from '@custodian/core/policy';
import { testBackend } from '@custodian/core/testing';
import { app } from '../src/index.js';
import { TENANT_TABLES, asWorkspace, openMigrated } from './helpers.js';

const WS = '10000000-0000-4000-8000-000000000001';
const OWNER = '20000000-0000-4000-8000-000000000001';
const VIEWER = '20000000-0000-4000-8000-000000000002';
const ROOM = '30000000-0000-4000-8000-000000000001';

describe(`agency-workspace schema (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openMigrated();
    await db.exec(`
      INSERT INTO workspaces (id, name) VALUES ('${WS}', 'Northwind Studio');
      INSERT INTO users (id, email, display_name) VALUES ('${OWNER}', 'owner@people.example', 'Owner'), ('${VIEWER}', 'viewer@people.example', 'Viewer');
      INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ('${WS}', '${OWNER}', 'owner'), ('${WS}', '${VIEWER}', 'viewer');
      INSERT INTO workrooms (workspace_id, id, name, created_by) VALUES ('${WS}', '${ROOM}', 'Launch', '${OWNER}');
    `);
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
        ['app/0001_workspaces.sql', true],
        ['app/0002_workrooms.sql', true],
        ['app/0003_integrations.sql', true],
      ],
    );
    const again = await migrate(db, all);
    assert.deepEqual([again.applied.length, again.upToDate], [0, all.length]);
  });

  test('the application role may read and write every table, and only append to the activity page', async () => {
    const { rows } = await db.query<{ table_name: string; privileges: string[] }>(
      `SELECT table_name, array_agg(privilege_type::text ORDER BY privilege_type) AS privileges
         FROM information_schema.role_table_grants WHERE grantee = $1 AND table_schema = 'public'
        GROUP BY table_name ORDER BY table_name`,
      [APP_ROLE],
    );
    const all = ['DELETE', 'INSERT', 'SELECT', 'UPDATE'];
    assert.deepEqual(rows, [
      { table_name: 'activity', privileges: ['INSERT', 'SELECT'] },
      ...['integrations', 'messages', 'users', 'workrooms', 'workspace_members', 'workspaces'].map((t) => ({ table_name: t, privileges: all })),
    ]);
  });

  test('every workspace table has row-level security keyed on its workspace', async () => {
    const { rows } = await db.query<{ relname: string; relrowsecurity: boolean; qual: string | null }>(
      `SELECT c.relname, c.relrowsecurity, p.qual FROM pg_class c
         LEFT JOIN pg_policies p ON p.tablename = c.relname AND p.policyname = 'tenant_isolation'
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY c.relname`,
    );
    const secured = rows.filter((r) => r.relrowsecurity).map((r) => r.relname);
    assert.deepEqual(secured, TENANT_TABLES.map(([t]) => t).sort());
    for (const r of rows.filter((x) => x.relrowsecurity)) assert.match(r.qual ?? '', /custodian\.current_tenant\(\)/, r.relname);
  });

  test('B10: every workspace carries one of the four regions, us by default', async () => {
    const { rows } = await db.query<{ region: string }>(`SELECT region FROM workspaces WHERE id = $1`, [WS]);
    assert.equal(rows[0]!.region, 'us');
    for (const region of ['eu', 'me-south', 'ap-northeast']) {
      const inserted = await db.query<{ region: string }>(`INSERT INTO workspaces (name, region) VALUES ('R', $1) RETURNING region`, [region]);
      assert.equal(inserted.rows[0]!.region, region);
    }
    await assert.rejects(db.query(`INSERT INTO workspaces (name, region) VALUES ('R', 'mars')`), /workspaces_region_check/);
    await assert.rejects(db.query(`INSERT INTO workspaces (name, region) VALUES ('R', NULL)`), /null value/);
  });

  test('B9: members hold exactly one of owner, admin, member, viewer, and a workspace has one owner', async () => {
    const other = '20000000-0000-4000-8000-000000000003';
    await db.query(`INSERT INTO users (id, email, display_name) VALUES ($1, 'x@people.example', 'X')`, [other]);
    const join = (role: string) => db.query(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [WS, other, role]);
    await assert.rejects(join('superuser'), /workspace_members_role_check/);
    await assert.rejects(join('owner'), /workspace_members_one_owner/);
    await join('admin');
    const { rows } = await db.query<{ role: string }>(`SELECT role FROM workspace_members WHERE workspace_id = $1 ORDER BY role`, [WS]);
    assert.deepEqual(rows.map((r) => r.role), ['admin', 'owner', 'viewer']);
  });

  test('B9: a viewer cannot post a message, even through the application role; an owner can', async () => {
    const post = (author: string) =>
      asWorkspace(db, WS, (tx) =>
        tx.query(`INSERT INTO messages (workspace_id, workroom_id, author_kind, author_id, content_ciphertext) VALUES ($1, $2, 'member', $3, '\\x00')`, [WS, ROOM, author]),
      );
    await assert.rejects(post(VIEWER), /row-level security/);
    await post(OWNER);
    const { rows } = await db.query<{ author_id: string }>(`SELECT author_id FROM messages WHERE workroom_id = $1`, [ROOM]);
    assert.deepEqual(rows, [{ author_id: OWNER }]);
  });

  test('B3: the application role can append to the activity page but not rewrite or delete it', async () => {
    await asWorkspace(db, WS, (tx) => tx.query(`INSERT INTO activity (workspace_id, actor_kind, actor_id, kind, detail) VALUES ($1, 'member', $2, 'plan.changed', '{"to":"growth"}')`, [WS, OWNER]));
    await assert.rejects(asWorkspace(db, WS, (tx) => tx.query(`UPDATE activity SET kind = 'export.created'`)), /permission denied/);
    await assert.rejects(asWorkspace(db, WS, (tx) => tx.query(`DELETE FROM activity`)), /permission denied/);
    const { rows } = await db.query<{ kind: string }>(`SELECT kind FROM activity WHERE workspace_id = $1`, [WS]);
    assert.deepEqual(rows, [{ kind: 'plan.changed' }]);
  });

  test('B1: an integration can only hold the credential of its own provider', async () => {
    const insert = (provider: string, column: string) =>
      db.query(`INSERT INTO integrations (workspace_id, provider, label, ${column}) VALUES ($1, $2, 'x', '\\x00')`, [WS, provider]);
    await assert.rejects(insert('slack', 'whatsapp_token_ciphertext'), /integrations_oauth|integrations_whatsapp/);
    await assert.rejects(insert('webhook', 'oauth_access_token_ciphertext'), /integrations_/);
    await insert('notion', 'oauth_access_token_ciphertext');
  });

  test('every table, column and owner the policy names exists, and every encrypted column is bytea', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const types = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
    const missing: string[] = [];
    for (const [table, t] of Object.entries(app.policy.tables)) {
      const named = [...Object.keys(t.columns), ...(t.tenant ? [t.tenant] : []), ...(t.softDelete ? [t.softDelete] : [])];
      for (const owner of ownersOf(t)) if ('column' in owner) named.push(owner.column);
      for (const c of named) if (!types.has(`${table}.${c}`)) missing.push(`${table}.${c}`);
      for (const [name, c] of Object.entries(t.columns)) if (c.encryption) assert.equal(types.get(`${table}.${name}`), 'bytea', `${table}.${name}`);
    }
    assert.deepEqual(missing, []);
  });
});
