import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, deleteAccount, listSessions, newToken, resolveSession, signIn } from '@custodian/core/auth';
import { queryAuditEvents } from '@custodian/core/audit';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { code, ISSUER, openAuthDatabase, signInAs, sqlstate } from './helpers.js';

describe(`accounts (${testBackend()})`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await openAuthDatabase();
  });
  after(async () => {
    await db?.close();
  });

  test('A10: no custodian table has a password-like column', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'custodian'`,
    );
    const tables = new Set(rows.map((r) => r.table_name));
    for (const t of ['accounts', 'sessions', 'memberships', 'invites', 'operators', 'operator_grants', 'signin_attempts']) {
      assert.ok(tables.has(t), `custodian.${t} exists, so the scan covers it`);
    }
    assert.deepEqual(
      rows.filter((r) => /pass|pwd|secret/i.test(r.column_name)).map((r) => `${r.table_name}.${r.column_name}`),
      [],
    );
    const accountColumns = rows.filter((r) => r.table_name === 'accounts').map((r) => r.column_name).sort();
    assert.deepEqual(accountColumns, ['created_at', 'deleted_at', 'email', 'id', 'issuer', 'last_sign_in_at', 'name', 'subject']);
  });

  test('A10: sign-in creates one account per (issuer, subject), updates it on return, and lower-cases the email', async () => {
    const first = await signIn(db, { issuer: ISSUER, subject: 'acc-1', email: '  Ann.Lee@Example.COM ', name: 'Ann' }, { ttlSeconds: 3600, at: new Date('2026-01-01T00:00:00Z') });
    assert.equal(first.account.email, 'ann.lee@example.com');
    const second = await signIn(db, { issuer: ISSUER, subject: 'acc-1', email: 'ANN@NEW.example', name: 'Ann Lee' }, { ttlSeconds: 3600, at: new Date('2026-02-01T00:00:00Z') });
    assert.equal(second.account.id, first.account.id);
    assert.notEqual(second.session.id, first.session.id);
    const { rows } = await db.query<{ id: string; email: string; name: string; created_at: Date; last_sign_in_at: Date }>(
      `SELECT id::text, email, name, created_at, last_sign_in_at FROM custodian.accounts WHERE issuer = $1 AND subject = 'acc-1'`,
      [ISSUER],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.email, 'ann@new.example');
    assert.equal(rows[0]!.name, 'Ann Lee');
    assert.equal(new Date(rows[0]!.created_at).toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(new Date(rows[0]!.last_sign_in_at).toISOString(), '2026-02-01T00:00:00.000Z');

    // The same subject at another provider is another person.
    const other = await signIn(db, { issuer: 'https://other-idp.example', subject: 'acc-1', email: null, name: null }, { ttlSeconds: 3600 });
    assert.notEqual(other.account.id, first.account.id);
    assert.equal(other.account.email, null);
  });

  test('sign-in refuses an identity without issuer or subject and a session lifetime under a minute', async () => {
    await assert.rejects(signIn(db, { issuer: ISSUER, subject: '', email: null, name: null }, { ttlSeconds: 3600 }), code('ERR_AUTH_CALLBACK_INVALID'));
    await assert.rejects(signIn(db, { issuer: '', subject: 'x', email: null, name: null }, { ttlSeconds: 3600 }), code('ERR_AUTH_CALLBACK_INVALID'));
    await assert.rejects(signIn(db, { issuer: ISSUER, subject: 'x', email: 'a'.repeat(400), name: null }, { ttlSeconds: 3600 }), code('ERR_AUTH_CALLBACK_INVALID'));
    await assert.rejects(signInAs(db, 'acc-ttl', null, { ttlSeconds: 59 }), code('ERR_CONFIG_INVALID'));
    await assert.rejects(signInAs(db, 'acc-ttl', null, { ttlSeconds: 1.5e3 + 0.5 }), code('ERR_CONFIG_INVALID'));
    const { rows } = await db.query(`SELECT 1 FROM custodian.accounts WHERE subject IN ('x', 'acc-ttl')`);
    assert.equal(rows.length, 0, 'a refused sign-in leaves no account behind');
  });

  test('A7: deleting an account ends every session, clears email and name, removes memberships and refuses later sign-in', async () => {
    const one = await signInAs(db, 'acc-del', 'del@example.com', { name: 'Dee' });
    const two = await signInAs(db, 'acc-del', 'del@example.com', { name: 'Dee' });
    const id = one.account.id;
    await addMember(db, 'del-t1', { accountId: id, role: 'owner', by: 'test' });
    await addMember(db, 'del-t2', { accountId: id, role: 'viewer', by: 'test' });
    assert.ok(await resolveSession(db, one.session.token));

    assert.equal(await deleteAccount(db, id), true);
    assert.equal(await resolveSession(db, one.session.token), null);
    assert.equal(await resolveSession(db, two.session.token, { tenant: 'del-t1' }), null);
    const sessions = await listSessions(db, id);
    assert.equal(sessions.length, 2);
    assert.ok(sessions.every((s) => s.endedAt !== null && s.endedReason === 'account-deleted'));

    const account = await db.query<{ email: string | null; name: string | null; deleted_at: Date | null }>(`SELECT email, name, deleted_at FROM custodian.accounts WHERE id = $1`, [id]);
    assert.equal(account.rows[0]!.email, null);
    assert.equal(account.rows[0]!.name, null);
    assert.ok(account.rows[0]!.deleted_at);
    const memberships = await db.query(`SELECT 1 FROM custodian.memberships WHERE account_id = $1`, [id]);
    assert.equal(memberships.rows.length, 0);

    await assert.rejects(signInAs(db, 'acc-del', 'del@example.com', { name: 'Dee' }), code('ERR_AUTH_ACCOUNT_DELETED'));
    const after = await db.query<{ email: string | null; n: number }>(
      `SELECT a.email, (SELECT count(*)::int FROM custodian.sessions s WHERE s.account_id = a.id) AS n FROM custodian.accounts a WHERE id = $1`,
      [id],
    );
    assert.equal(after.rows[0]!.email, null, 'the refused sign-in did not bring the email back');
    assert.equal(after.rows[0]!.n, 2, 'the refused sign-in opened no session');
    assert.equal(await deleteAccount(db, id), false, 'a second deletion is a no-op');

    const platform = await queryAuditEvents(db, { tenant: '_platform', action: 'account.deleted', subject: id });
    assert.equal(platform.events.length, 1);
    assert.equal((platform.events[0]!.metadata as { sessionsEnded: number }).sessionsEnded, 2);
    for (const tenant of ['del-t1', 'del-t2']) {
      const removed = await queryAuditEvents(db, { tenant, action: 'member.removed' });
      assert.deepEqual(removed.events.map((e) => e.target), [{ type: 'account', id }]);
    }
  });

  test('A7: the database itself refuses a live session for a deleted account (SQLSTATE 23514)', async () => {
    const { account, session } = await signInAs(db, 'acc-trigger', 'trig@example.com');
    await deleteAccount(db, account.id);
    await assert.rejects(
      db.query(`INSERT INTO custodian.sessions (account_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '1 hour')`, [account.id, newToken().hash]),
      sqlstate('23514'),
    );
    // Nor may an ended session be brought back to life.
    await assert.rejects(
      db.query(`UPDATE custodian.sessions SET ended_at = NULL, ended_reason = NULL WHERE id = $1`, [session.id]),
      sqlstate('23514'),
    );
    // An already-ended row is still allowed: the trigger guards only live sessions.
    await db.query(
      `INSERT INTO custodian.sessions (account_id, token_hash, expires_at, ended_at, ended_reason) VALUES ($1, $2, now() + interval '1 hour', now(), 'revoked')`,
      [account.id, newToken().hash],
    );
    assert.equal(await resolveSession(db, session.token), null);
  });
});
