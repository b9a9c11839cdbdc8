import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, changeRole, listMembers, removeMember, type Role } from '@custodian/core/auth';
import { queryAuditEvents } from '@custodian/core/audit';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { code, openAuthDatabase, signInAs } from './helpers.js';

describe(`membership changes (${testBackend()})`, () => {
  let db: TestDatabase;
  let n = 0;
  before(async () => {
    db = await openAuthDatabase();
  });
  after(async () => {
    await db?.close();
  });

  /** A tenant with one member of each listed role; returns their actors by role name. */
  async function tenantWith(roles: Role[]): Promise<{ tenant: string; who: Array<{ id: string; role: Role }> }> {
    const tenant = `mem-${++n}`;
    const who = [];
    for (const [i, role] of roles.entries()) {
      const { account } = await signInAs(db, `${tenant}-${i}`, `${tenant}-${i}@example.com`);
      await addMember(db, tenant, { accountId: account.id, role, by: 'test' });
      who.push({ id: account.id, role });
    }
    return { tenant, who };
  }
  const roleOf = async (tenant: string, id: string) => (await listMembers(db, tenant)).find((m) => m.accountId === id)?.role ?? null;

  test('B9: an admin can neither make an owner nor change or remove one', async () => {
    const { tenant, who: [owner, admin, member] } = await tenantWith(['owner', 'admin', 'member']);
    await assert.rejects(changeRole(db, tenant, { accountId: member!.id, role: 'owner', by: admin! }), code('ERR_MEMBERSHIP_CONFLICT'));
    await assert.rejects(changeRole(db, tenant, { accountId: owner!.id, role: 'member', by: admin! }), code('ERR_MEMBERSHIP_CONFLICT'));
    await assert.rejects(removeMember(db, tenant, { accountId: owner!.id, by: admin! }), code('ERR_MEMBERSHIP_CONFLICT'));
    assert.equal(await roleOf(tenant, owner!.id), 'owner');
    assert.equal(await roleOf(tenant, member!.id), 'member');

    // What an admin may do: roles up to its own on non-owners.
    const changed = await changeRole(db, tenant, { accountId: member!.id, role: 'admin', by: admin! });
    assert.equal(changed?.role, 'admin');
    assert.equal(await roleOf(tenant, member!.id), 'admin');
    assert.equal(await removeMember(db, tenant, { accountId: member!.id, by: admin! }), true);
    assert.equal(await roleOf(tenant, member!.id), null);
  });

  test('B9: the last owner can be neither demoted nor removed, even by themselves', async () => {
    const { tenant, who: [owner, admin] } = await tenantWith(['owner', 'admin']);
    await assert.rejects(changeRole(db, tenant, { accountId: owner!.id, role: 'admin', by: owner! }), code('ERR_MEMBERSHIP_CONFLICT'));
    await assert.rejects(removeMember(db, tenant, { accountId: owner!.id, by: owner! }), code('ERR_MEMBERSHIP_CONFLICT'));
    assert.equal(await roleOf(tenant, owner!.id), 'owner');

    // With a second owner, the first may step down.
    await changeRole(db, tenant, { accountId: admin!.id, role: 'owner', by: owner! });
    const stepped = await changeRole(db, tenant, { accountId: owner!.id, role: 'member', by: owner! });
    assert.equal(stepped?.role, 'member');
    const newOwner = { id: admin!.id, role: 'owner' as const };
    await assert.rejects(removeMember(db, tenant, { accountId: newOwner.id, by: newOwner }), code('ERR_MEMBERSHIP_CONFLICT'));

    const events = await queryAuditEvents(db, { tenant, action: 'member.role_changed', order: 'asc' });
    assert.deepEqual(events.events.map((e) => [e.target?.id, e.metadata]), [
      [admin!.id, { from: 'admin', to: 'owner' }],
      [owner!.id, { from: 'owner', to: 'member' }],
    ]);
  });

  test('B9: a viewer or member may not remove someone else, but anyone but the last owner may leave', async () => {
    const { tenant, who: [, admin, member, viewer] } = await tenantWith(['owner', 'admin', 'member', 'viewer']);
    await assert.rejects(removeMember(db, tenant, { accountId: member!.id, by: viewer! }), code('ERR_AUTH_FORBIDDEN'));
    await assert.rejects(removeMember(db, tenant, { accountId: viewer!.id, by: member! }), code('ERR_AUTH_FORBIDDEN'));
    assert.equal((await listMembers(db, tenant)).length, 4);

    assert.equal(await removeMember(db, tenant, { accountId: member!.id, by: member! }), true);
    assert.equal(await removeMember(db, tenant, { accountId: viewer!.id, by: viewer! }), true);
    assert.equal(await removeMember(db, tenant, { accountId: admin!.id, by: admin! }), true);
    assert.equal((await listMembers(db, tenant)).length, 1);
    assert.equal(await removeMember(db, tenant, { accountId: member!.id, by: member! }), false, 'not a member any more');

    const removed = await queryAuditEvents(db, { tenant, action: 'member.removed', order: 'asc' });
    assert.deepEqual(removed.events.map((e) => [e.target?.id, (e.metadata as { left: boolean }).left]), [
      [member!.id, true],
      [viewer!.id, true],
      [admin!.id, true],
    ]);
  });

  test(
    'B9: a member or viewer may not change anyone’s role',
    async () => {
      const { tenant, who: [, admin, member, viewer] } = await tenantWith(['owner', 'admin', 'member', 'viewer']);
      await assert.rejects(changeRole(db, tenant, { accountId: admin!.id, role: 'member', by: member! }), code('ERR_AUTH_FORBIDDEN'));
      await assert.rejects(changeRole(db, tenant, { accountId: member!.id, role: 'viewer', by: viewer! }), code('ERR_AUTH_FORBIDDEN'));
      assert.equal(await roleOf(tenant, admin!.id), 'admin');
    },
  );

  test('B9: changes in one tenant do not reach a membership of the same account in another', async () => {
    const a = await tenantWith(['owner', 'member']);
    const { account } = await signInAs(db, 'mem-shared', 'shared@example.com');
    await addMember(db, a.tenant, { accountId: account.id, role: 'member', by: 'test' });
    await addMember(db, 'mem-other', { accountId: account.id, role: 'member', by: 'test' });
    await changeRole(db, a.tenant, { accountId: account.id, role: 'viewer', by: a.who[0]! });
    assert.equal(await roleOf('mem-other', account.id), 'member');
    assert.equal(await removeMember(db, a.tenant, { accountId: account.id, by: a.who[0]! }), true);
    assert.equal(await roleOf('mem-other', account.id), 'member');
    // Unknown or malformed ids read as "no such member".
    assert.equal(await changeRole(db, a.tenant, { accountId: '00000000-0000-4000-8000-000000000000', role: 'viewer', by: a.who[0]! }), null);
    await assert.rejects(changeRole(db, a.tenant, { accountId: 'nope', role: 'viewer', by: a.who[0]! }), code('ERR_HTTP_NOT_FOUND'));
    await assert.rejects(removeMember(db, a.tenant, { accountId: "x' OR 1=1", by: a.who[0]! }), code('ERR_HTTP_NOT_FOUND'));
  });
});
