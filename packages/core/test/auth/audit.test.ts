import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { acceptInvite, addMember, changeRole, createInvite, endSession, removeMember } from '@custodian/core/auth';
import { queryAuditEvents, verifyAuditLog } from '@custodian/core/audit';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { everyAuditEventAsText, ISSUER, openAuthDatabase, signInAs } from './helpers.js';

describe(`auth audit events (${testBackend()})`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await openAuthDatabase();
  });
  after(async () => {
    await db?.close();
  });

  test('C8: sign-in and sign-out go to the platform chain; membership events to the tenant’s, and no token reaches any event', async () => {
    const tokens: string[] = [];
    const owner = await signIn('aud-owner', 'owner@example.com');
    const guest = await signIn('aud-guest', 'guest@example.com');
    async function signIn(subject: string, email: string) {
      const s = await signInAs(db, subject, email);
      tokens.push(s.session.token);
      return s;
    }
    await addMember(db, 'aud-t', { accountId: owner.account.id, role: 'owner', by: 'test' });
    const ownerActor = { id: owner.account.id, role: 'owner' as const };

    const invite = await createInvite(db, { tenant: 'aud-t', email: 'guest@example.com', role: 'member', ttlSeconds: 600, by: { type: 'member', ...ownerActor } });
    tokens.push(invite.token);
    await acceptInvite(db, invite.token, guest.account);
    await changeRole(db, 'aud-t', { accountId: guest.account.id, role: 'viewer', by: ownerActor });
    await removeMember(db, 'aud-t', { accountId: guest.account.id, by: ownerActor });
    await endSession(db, guest.session.id, { accountId: guest.account.id });

    const platform = (await queryAuditEvents(db, { tenant: '_platform', limit: 1000, order: 'asc' })).events;
    const signins = platform.filter((e) => e.action === 'auth.signin');
    assert.deepEqual(
      signins.map((e) => [e.actor, e.subject, e.session, e.metadata]),
      [
        [{ type: 'user', id: owner.account.id }, owner.account.id, owner.session.id, { issuer: ISSUER }],
        [{ type: 'user', id: guest.account.id }, guest.account.id, guest.session.id, { issuer: ISSUER }],
      ],
    );
    const signouts = platform.filter((e) => e.action === 'auth.signout');
    assert.deepEqual(signouts.map((e) => [e.subject, e.session]), [[guest.account.id, guest.session.id]]);
    assert.ok(!platform.some((e) => e.action.startsWith('member.')), 'membership events are not in the platform chain');

    const tenant = (await queryAuditEvents(db, { tenant: 'aud-t', limit: 1000, order: 'asc' })).events;
    assert.deepEqual(
      tenant.map((e) => e.action),
      ['member.added', 'member.invited', 'member.joined', 'member.role_changed', 'member.removed'],
    );
    const [, invited, joined, changed, removed] = tenant;
    assert.deepEqual([invited!.actor, invited!.target, invited!.metadata], [{ type: 'member', id: owner.account.id }, { type: 'invite', id: invite.id }, { role: 'member' }]);
    assert.deepEqual([joined!.actor, joined!.subject, joined!.metadata], [{ type: 'user', id: guest.account.id }, guest.account.id, { role: 'member' }]);
    assert.deepEqual(changed!.metadata, { from: 'member', to: 'viewer' });
    assert.deepEqual([removed!.target, removed!.metadata], [{ type: 'account', id: guest.account.id }, { role: 'viewer', left: false }]);
    assert.ok(!tenant.some((e) => e.action.startsWith('auth.')));

    const all = await everyAuditEventAsText(db);
    assert.ok(all.includes(guest.session.id), 'the serialised events are the ones searched');
    for (const token of tokens) assert.ok(!all.includes(token), 'a token reached the audit log');

    const verified = await verifyAuditLog(db, {});
    assert.equal(verified.ok, true, 'the auth events keep both chains intact');
  });
});
