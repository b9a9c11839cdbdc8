import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addMember, endSession, hashToken, listSessions, newToken, resolveSession } from '@custodian/core/auth';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { everyRowAsText, openAuthDatabase, signInAs } from './helpers.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

describe(`sessions (${testBackend()})`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await openAuthDatabase();
  });
  after(async () => {
    await db?.close();
  });

  test('A10: a session token is 256 random bits as 43 base64url characters, and only its SHA-256 is stored', async () => {
    const { session } = await signInAs(db, 'ses-store', 'store@example.com');
    assert.match(session.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(session.token, 'base64url').length, 32);

    const { rows } = await db.query<{ token_hash: Uint8Array; row: string }>(`SELECT token_hash, s::text AS row FROM custodian.sessions s WHERE id = $1`, [session.id]);
    assert.ok(sha256(session.token).equals(Buffer.from(rows[0]!.token_hash)));
    assert.ok(!rows[0]!.row.includes(session.token), 'the token is not in its session row');
    assert.ok(!(await everyRowAsText(db)).includes(session.token), 'the token is in no custodian table');

    const again = await signInAs(db, 'ses-store', 'store@example.com');
    assert.notEqual(again.session.token, session.token);
  });

  test('newToken and hashToken agree; hashToken refuses anything that is not a token', () => {
    const { token, hash } = newToken();
    assert.ok(hash.equals(sha256(token)));
    assert.ok(hashToken(token)!.equals(hash));
    for (const bad of [token.slice(1), `${token}A`, `${token.slice(0, 42)}=`, `${token.slice(0, 42)}+`, 42, null, undefined, {}, [token], 'x'.repeat(1_000_000)]) {
      assert.equal(hashToken(bad), null);
    }
  });

  test('A11: resolveSession finds a live session, and reads as no session when unknown, malformed, expired or ended', async () => {
    const start = new Date();
    const { account, session } = await signInAs(db, 'ses-resolve', 'Resolve@Example.com', { ttlSeconds: 3600, at: start });
    assert.equal(session.expiresAt.getTime(), start.getTime() + 3600_000);

    const live = await resolveSession(db, session.token);
    assert.ok(live);
    assert.equal(live.sessionId, session.id);
    assert.deepEqual(live.account, { id: account.id, email: 'resolve@example.com', name: 'Person ses-resolve' });
    assert.equal(live.operator, false);
    assert.equal(live.role, null);
    assert.equal(live.grant, null);

    assert.equal(await resolveSession(db, newToken().token), null, 'unknown');
    for (const malformed of [session.token.slice(0, 42), `${session.token}x`, 123, null, undefined, { token: session.token }, Buffer.from(session.token), 'A'.repeat(5_000_000)]) {
      assert.equal(await resolveSession(db, malformed), null);
    }

    const justBefore = new Date(session.expiresAt.getTime() - 1000);
    assert.ok(await resolveSession(db, session.token, { at: justBefore }));
    assert.equal(await resolveSession(db, session.token, { at: session.expiresAt }), null, 'expired at its expiry instant');
    assert.equal(await resolveSession(db, session.token, { at: new Date(session.expiresAt.getTime() + 1000) }), null);

    assert.equal(await endSession(db, session.id, { accountId: account.id }), true);
    assert.equal(await resolveSession(db, session.token), null, 'ended');
    assert.equal(await resolveSession(db, session.token, { at: justBefore }), null, 'ended stays ended at any clock');
    assert.equal(await endSession(db, session.id, { accountId: account.id }), false, 'ending twice is a no-op');
    const listed = await listSessions(db, account.id);
    assert.equal(listed[0]!.endedReason, 'signed-out');
    assert.ok(!JSON.stringify(listed).includes(session.token));
  });

  test('B9: resolveSession reports the role in the tenant asked for, and none in another tenant', async () => {
    const { account, session } = await signInAs(db, 'ses-role', 'role@example.com');
    await addMember(db, 'ses-t1', { accountId: account.id, role: 'admin', by: 'test' });
    await addMember(db, 'ses-t3', { accountId: account.id, role: 'viewer', by: 'test' });
    assert.equal((await resolveSession(db, session.token, { tenant: 'ses-t1' }))?.role, 'admin');
    assert.equal((await resolveSession(db, session.token, { tenant: 'ses-t3' }))?.role, 'viewer');
    const other = await resolveSession(db, session.token, { tenant: 'ses-t2' });
    assert.ok(other, 'still signed in');
    assert.equal(other.role, null);
    assert.equal((await resolveSession(db, session.token))?.role, null, 'no tenant asked for, no role');
  });
});
