import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { acceptInvite, addMember, createInvite, listInvites, newToken, revokeInvite, type InviteActor } from '@custodian/core/auth';
import { queryAuditEvents } from '@custodian/core/audit';
import { isCustodianError } from '@custodian/core/errors';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { code, everyAuditEventAsText, everyRowAsText, openAuthDatabase, recordingDatabase, signInAs } from './helpers.js';

const cli: InviteActor = { type: 'system', id: 'cli' };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The error a failed accept throws, so failures can be compared with each other. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; json: string }> {
  try {
    await promise;
  } catch (e) {
    assert.ok(isCustodianError(e), `a CustodianError, not ${String(e)}`);
    assert.equal(e.code, 'ERR_INVITE_INVALID');
    return { code: e.code, message: e.message, json: JSON.stringify(e) };
  }
  assert.fail('the invite was accepted');
}

describe(`invites (${testBackend()})`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await openAuthDatabase();
  });
  after(async () => {
    await db?.close();
  });

  test('C20: an invite token is 256 random bits, shown once; the database keeps only its SHA-256', async () => {
    const invite = await createInvite(db, { tenant: 'inv-store', email: ' Bob@Example.COM', role: 'member', ttlSeconds: 3600, by: cli });
    assert.match(invite.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(invite.token, 'base64url').length, 32);
    const { rows } = await db.query<{ token_hash: Uint8Array; email: string; row: string }>(`SELECT token_hash, email, i::text AS row FROM custodian.invites i WHERE id = $1`, [invite.id]);
    assert.ok(sha256(invite.token).equals(Buffer.from(rows[0]!.token_hash)));
    assert.equal(rows[0]!.email, 'bob@example.com');
    assert.ok(!rows[0]!.row.includes(invite.token));
    assert.ok(!(await everyRowAsText(db)).includes(invite.token), 'the token is in no custodian table');
    const listed = await listInvites(db, 'inv-store');
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.state, 'pending');
    assert.ok(!JSON.stringify(listed).includes(invite.token));
  });

  test('C20: an invite is accepted once, by the account with its email; a second accept fails', async () => {
    const invite = await createInvite(db, { tenant: 'inv-once', email: 'carol@example.com', role: 'admin', ttlSeconds: 3600, by: cli });
    const { account } = await signInAs(db, 'inv-carol', 'Carol@Example.com');
    assert.deepEqual(await acceptInvite(db, invite.token, account), { tenant: 'inv-once', role: 'admin' });
    const m = await db.query<{ role: string }>(`SELECT role FROM custodian.memberships WHERE tenant_id = 'inv-once' AND account_id = $1`, [account.id]);
    assert.deepEqual(m.rows, [{ role: 'admin' }]);
    await failure(acceptInvite(db, invite.token, account));
    const { account: other } = await signInAs(db, 'inv-carol-2', 'carol@example.com');
    await failure(acceptInvite(db, invite.token, other));
    assert.equal((await listInvites(db, 'inv-once'))[0]!.state, 'used');
  });

  test('C20: expired, revoked, wrong-email, unknown and malformed tokens all fail with the same error', async () => {
    const at = new Date();
    const { account: dave } = await signInAs(db, 'inv-dave', 'dave@example.com');
    const { account: eve } = await signInAs(db, 'inv-eve', 'eve@example.com');
    const noEmail = { id: dave.id, email: null };

    const expiring = await createInvite(db, { tenant: 'inv-fail', email: 'dave@example.com', role: 'member', ttlSeconds: 600, by: cli, at });
    const revoked = await createInvite(db, { tenant: 'inv-fail', email: 'dave@example.com', role: 'member', ttlSeconds: 600, by: cli });
    assert.equal(await revokeInvite(db, 'inv-fail', revoked.id, cli), true);
    assert.equal(await revokeInvite(db, 'inv-fail', revoked.id, cli), false);
    const forDave = await createInvite(db, { tenant: 'inv-fail', email: 'dave@example.com', role: 'viewer', ttlSeconds: 600, by: cli });

    const failures = [
      await failure(acceptInvite(db, expiring.token, dave, { at: new Date(expiring.expiresAt.getTime() + 1000) })),
      await failure(acceptInvite(db, expiring.token, dave, { at: expiring.expiresAt })),
      await failure(acceptInvite(db, revoked.token, dave)),
      await failure(acceptInvite(db, forDave.token, eve)),
      await failure(acceptInvite(db, forDave.token, noEmail)),
      await failure(acceptInvite(db, newToken().token, dave)),
      await failure(acceptInvite(db, 'not-a-token', dave)),
      await failure(acceptInvite(db, `${forDave.token}A`, dave)),
      await failure(acceptInvite(db, 42, dave)),
      await failure(acceptInvite(db, null, dave)),
      await failure(acceptInvite(db, 'A'.repeat(2_000_000), dave)),
    ];
    assert.equal(new Set(failures.map((f) => f.json)).size, 1, 'every failure reads the same');
    assert.ok(failures.every((f) => !f.message.includes(forDave.token)));

    // None of the failures spent an invite: the right account still can use its own.
    assert.deepEqual(await acceptInvite(db, forDave.token, dave), { tenant: 'inv-fail', role: 'viewer' });
    assert.deepEqual(await acceptInvite(db, expiring.token, dave, { at: new Date(expiring.expiresAt.getTime() - 1000) }), { tenant: 'inv-fail', role: 'viewer' });
    const states = new Map((await listInvites(db, 'inv-fail')).map((i) => [i.id, i.state]));
    assert.equal(states.get(revoked.id), 'revoked');
    assert.equal(states.get(forDave.id), 'used');
  });

  test('C20: accepting while already a member spends the invite and keeps the existing role', async () => {
    const { account } = await signInAs(db, 'inv-frank', 'frank@example.com');
    await addMember(db, 'inv-member', { accountId: account.id, role: 'admin', by: 'test' });
    const invite = await createInvite(db, { tenant: 'inv-member', email: 'frank@example.com', role: 'viewer', ttlSeconds: 600, by: cli });
    assert.deepEqual(await acceptInvite(db, invite.token, account), { tenant: 'inv-member', role: 'admin' });
    const m = await db.query<{ role: string }>(`SELECT role FROM custodian.memberships WHERE tenant_id = 'inv-member' AND account_id = $1`, [account.id]);
    assert.deepEqual(m.rows, [{ role: 'admin' }]);
    assert.equal((await listInvites(db, 'inv-member'))[0]!.state, 'used');
  });

  test('C20: concurrent accepts of one token: exactly one succeeds', async () => {
    const invite = await createInvite(db, { tenant: 'inv-race', email: 'gina@example.com', role: 'member', ttlSeconds: 600, by: cli });
    const people = await Promise.all([1, 2, 3, 4].map((n) => signInAs(db, `inv-gina-${n}`, 'gina@example.com')));
    const results = await Promise.allSettled(people.map((p) => acceptInvite(db, invite.token, p.account)));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, `one winner, got ${results.map((r) => r.status).join(', ')}`);
    for (const r of results) {
      if (r.status === 'rejected') assert.ok(isCustodianError(r.reason) && r.reason.code === 'ERR_INVITE_INVALID', `loser fails as invalid: ${String(r.reason)}`);
    }
    const m = await db.query(`SELECT account_id FROM custodian.memberships WHERE tenant_id = 'inv-race'`);
    assert.equal(m.rows.length, 1);
    const joined = await queryAuditEvents(db, { tenant: 'inv-race', action: 'member.joined' });
    assert.equal(joined.events.length, 1);
  });

  test('C20: a lookup by an unknown token issues the same statements as one by a known but dead token', async () => {
    const { account } = await signInAs(db, 'inv-hank', 'hank@example.com');
    const expired = await createInvite(db, { tenant: 'inv-timing', email: 'hank@example.com', role: 'member', ttlSeconds: 600, by: cli });
    const used = await createInvite(db, { tenant: 'inv-timing', email: 'hank@example.com', role: 'member', ttlSeconds: 600, by: cli });
    await acceptInvite(db, used.token, account);
    const late = new Date(expired.expiresAt.getTime() + 60_000);

    const traces: Record<string, string[]> = {};
    const attempts: Record<string, (d: typeof db) => Promise<unknown>> = {
      unknown: (d) => acceptInvite(d, newToken().token, account, { at: late }),
      expired: (d) => acceptInvite(d, expired.token, account, { at: late }),
      used: (d) => acceptInvite(d, used.token, account),
      malformed: (d) => acceptInvite(d, 'short', account),
    };
    for (const [name, attempt] of Object.entries(attempts)) {
      const recorder = recordingDatabase(db);
      await assert.rejects(attempt(recorder.db), code('ERR_INVITE_INVALID'));
      traces[name] = recorder.statements;
    }
    assert.ok(traces.unknown!.some((s) => /FROM custodian\.invites/.test(s)), 'the recorder saw the lookup');
    assert.deepEqual(traces.expired, traces.unknown);
    assert.deepEqual(traces.used, traces.unknown);
    assert.deepEqual(traces.malformed, traces.unknown);
  });

  test('C20: only an owner invites an owner; bad email or role is refused before anything is stored', async () => {
    const admin: InviteActor = { type: 'member', id: '00000000-0000-4000-8000-000000000001', role: 'admin' };
    await assert.rejects(createInvite(db, { tenant: 'inv-rules', email: 'ivy@example.com', role: 'owner', ttlSeconds: 600, by: admin }), code('ERR_MEMBERSHIP_CONFLICT'));
    await assert.rejects(createInvite(db, { tenant: 'inv-rules', email: 'not an email', role: 'member', ttlSeconds: 600, by: cli }), code('ERR_HTTP_BAD_REQUEST'));
    await assert.rejects(createInvite(db, { tenant: 'inv-rules', email: 'ivy@example.com', role: 'superuser' as 'owner', ttlSeconds: 600, by: cli }), code('ERR_HTTP_BAD_REQUEST'));
    assert.deepEqual(await listInvites(db, 'inv-rules'), []);
    const { account: owner } = await signInAs(db, 'inv-owner', 'owner@example.com');
    const ok = await createInvite(db, { tenant: 'inv-rules', email: 'ivy@example.com', role: 'owner', ttlSeconds: 600, by: { type: 'member', id: owner.id, role: 'owner' } });
    assert.ok(ok.id);
  });

  test('C20: invite tokens never reach the audit log', async () => {
    const invite = await createInvite(db, { tenant: 'inv-audit', email: 'jo@example.com', role: 'member', ttlSeconds: 600, by: cli });
    const { account } = await signInAs(db, 'inv-jo', 'jo@example.com');
    await acceptInvite(db, invite.token, account);
    const invited = await queryAuditEvents(db, { tenant: 'inv-audit', action: 'member.invited' });
    assert.deepEqual(invited.events.map((e) => e.target), [{ type: 'invite', id: invite.id }]);
    const events = await everyAuditEventAsText(db);
    assert.ok(!events.includes(invite.token));
    assert.ok(!events.includes(sha256(invite.token).toString('hex')));
  });
});
