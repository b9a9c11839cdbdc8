import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, createInvite, listInvites, listMembers } from '@custodian/core/auth';
import { APP_ROLE } from '@custodian/core/db';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuthDatabase, signInAs, sqlstate } from './helpers.js';

const asApp = { role: APP_ROLE };

describe(`membership row-level security (${testBackend()})`, () => {
  let db: TestDatabase;
  const ids: Record<string, string> = {};
  before(async () => {
    db = await openAuthDatabase();
    for (const who of ['ann', 'ben', 'cat']) ids[who] = (await signInAs(db, `rls-${who}`, `${who}@example.com`)).account.id;
    await addMember(db, 'rls-t1', { accountId: ids.ann!, role: 'owner', by: 'test' });
    await addMember(db, 'rls-t1', { accountId: ids.ben!, role: 'viewer', by: 'test' });
    await addMember(db, 'rls-t2', { accountId: ids.cat!, role: 'owner', by: 'test' });
    await addMember(db, 'rls-t2', { accountId: ids.ben!, role: 'admin', by: 'test' });
    for (const [tenant, email] of [['rls-t1', 'x1@example.com'], ['rls-t2', 'x2@example.com'], ['rls-t2', 'y2@example.com']] as const) {
      await createInvite(db, { tenant, email, role: 'member', ttlSeconds: 600, by: { type: 'system', id: 'test' } });
    }
  });
  after(async () => {
    await db?.close();
  });

  test('B9, C18: as the application role in t1, memberships, invites and accounts show only t1', async () => {
    const seen = await db.transaction(
      async (tx) => ({
        memberships: (await tx.query<{ tenant_id: string; account_id: string }>(`SELECT tenant_id, account_id::text FROM custodian.memberships`)).rows,
        invites: (await tx.query<{ tenant_id: string }>(`SELECT tenant_id FROM custodian.invites`)).rows,
        accounts: (await tx.query<{ id: string }>(`SELECT id::text FROM custodian.accounts`)).rows,
        grants: (await tx.query(`SELECT 1 FROM custodian.operator_grants WHERE tenant_id <> 'rls-t1'`)).rows,
      }),
      { tenantId: 'rls-t1', ...asApp },
    );
    assert.deepEqual(seen.memberships.map((r) => r.tenant_id), ['rls-t1', 'rls-t1']);
    assert.deepEqual(seen.memberships.map((r) => r.account_id).sort(), [ids.ann, ids.ben].sort());
    assert.deepEqual(seen.invites.map((r) => r.tenant_id), ['rls-t1']);
    assert.deepEqual(seen.accounts.map((r) => r.id).sort(), [ids.ann, ids.ben].sort(), 'cat, of t2 only, is invisible');
    assert.deepEqual(seen.grants, []);

    // The owner's view has all of them: the filter above is row-level security, not an empty table.
    const all = await db.query(`SELECT 1 FROM custodian.memberships WHERE tenant_id IN ('rls-t1', 'rls-t2')`);
    assert.equal(all.rows.length, 4);
    assert.deepEqual((await listMembers(db, 'rls-t2')).map((m) => m.accountId).sort(), [ids.cat, ids.ben].sort());
    assert.equal((await listInvites(db, 'rls-t2')).length, 2);
  });

  test('B9, C18: the application role cannot write another tenant’s membership or invite (SQLSTATE 42501)', async () => {
    await assert.rejects(
      db.transaction((tx) => tx.query(`INSERT INTO custodian.memberships (tenant_id, account_id, role) VALUES ('rls-t2', $1, 'owner')`, [ids.ann]), { tenantId: 'rls-t1', ...asApp }),
      sqlstate('42501'),
    );
    await assert.rejects(
      db.transaction(
        (tx) => tx.query(`INSERT INTO custodian.invites (tenant_id, email, role, token_hash, expires_at) VALUES ('rls-t2', 'z@example.com', 'owner', $1, now() + interval '1 hour')`, [Buffer.alloc(32, 7)]),
        { tenantId: 'rls-t1', ...asApp },
      ),
      sqlstate('42501'),
    );
    // Updating t2's rows from t1 finds nothing to update.
    const moved = await db.transaction((tx) => tx.query(`UPDATE custodian.memberships SET role = 'viewer' WHERE tenant_id = 'rls-t2'`), { tenantId: 'rls-t1', ...asApp });
    assert.equal(moved.rowCount, 0);
    // Nor may a t1 row be moved into t2.
    await assert.rejects(
      db.transaction((tx) => tx.query(`UPDATE custodian.memberships SET tenant_id = 'rls-t2' WHERE account_id = $1`, [ids.ann]), { tenantId: 'rls-t1', ...asApp }),
      sqlstate('42501'),
    );
    const roles = await db.query<{ tenant_id: string; role: string }>(`SELECT tenant_id, role FROM custodian.memberships WHERE account_id = $1`, [ids.ben]);
    assert.deepEqual(roles.rows.map((r) => `${r.tenant_id}:${r.role}`).sort(), ['rls-t1:viewer', 'rls-t2:admin']);
  });

  test('B9, C18: with no tenant set the application role sees no membership, invite or account', async () => {
    const seen = await db.transaction(
      async (tx) => [
        (await tx.query(`SELECT 1 FROM custodian.memberships`)).rows.length,
        (await tx.query(`SELECT 1 FROM custodian.invites`)).rows.length,
        (await tx.query(`SELECT 1 FROM custodian.accounts`)).rows.length,
        (await tx.query(`SELECT 1 FROM custodian.operator_grants`)).rows.length,
      ],
      asApp,
    );
    assert.deepEqual(seen, [0, 0, 0, 0]);
  });

  test('C18: the application role never reads sessions, operators or an account’s provider identity', async () => {
    for (const sql of [
      `SELECT token_hash FROM custodian.sessions`,
      `SELECT account_id FROM custodian.operators`,
      `SELECT issuer, subject FROM custodian.accounts`,
      `SELECT deleted_at FROM custodian.accounts`,
      `SELECT state_hash FROM custodian.signin_attempts`,
    ]) {
      await assert.rejects(db.transaction((tx) => tx.query(sql), { tenantId: 'rls-t1', ...asApp }), sqlstate('42501'), sql);
    }
  });

  test('C18: the member role set for a transaction is readable by policies, and only within it', async () => {
    const inside = await db.transaction(
      async (tx) => (await tx.query<{ role: string | null }>(`SELECT custodian.current_member_role() AS role`)).rows[0]!.role,
      { tenantId: 'rls-t1', ...asApp, memberRole: 'admin' },
    );
    assert.equal(inside, 'admin');
    const without = await db.transaction(
      async (tx) => (await tx.query<{ role: string | null }>(`SELECT custodian.current_member_role() AS role`)).rows[0]!.role,
      { tenantId: 'rls-t1', ...asApp },
    );
    assert.equal(without, null);
  });
});
