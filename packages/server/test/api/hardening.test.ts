import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { changeRole } from '@custodian/core/auth';
import { startApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
before(async () => {
  h = await startApi();
});
after(() => h.close());

const codeOf = (body: string) => (JSON.parse(body) as { error?: { code?: string } }).error?.code;

test('a state-changing request a browser sent from another site is refused before anything is done', async () => {
  const me = await h.signInAs('victim@example.com');
  await h.seat(me.accountId, 'ws-a', 'owner');
  const attempts = [
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
    { origin: 'https://evil.example' },
    { origin: 'null' },
  ];
  for (const headers of attempts) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/me/delete-request', headers: { cookie: me.cookie, 'content-type': 'application/json', ...headers }, payload: '{}' });
    assert.equal(res.statusCode, 403, JSON.stringify(headers));
    assert.equal(codeOf(res.body), 'ERR_AUTH_FORBIDDEN');
  }
  // A bodiless POST (no preflight needed from any page) is not a deletion either.
  const bare = await h.app.inject({ method: 'POST', url: '/v1/auth/me/delete-request', headers: { cookie: me.cookie } });
  assert.equal(bare.statusCode, 400);
  const still = await h.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { cookie: me.cookie } });
  assert.equal(still.statusCode, 200, 'the account survived every attempt');
  // The same request from the site itself goes through.
  const own = await h.app.inject({ method: 'POST', url: '/v1/auth/me/delete-request', headers: { cookie: me.cookie, 'content-type': 'application/json', origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' }, payload: '{}' });
  assert.equal(own.statusCode, 202, own.body);
});

test('input nested deeper than any route takes is a 400, never a stack overflow', async () => {
  const me = await h.signInAs('nester@example.com');
  await h.seat(me.accountId, 'ws-a', 'owner');
  // Written out by hand: JSON.stringify itself would overflow on this depth.
  const details = `${'{"d":'.repeat(5000)}"x"${'}'.repeat(5000)}`;
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/tenants/ws-a/requests',
    headers: { cookie: me.cookie, 'content-type': 'application/json' },
    payload: `{"kind":"rectification","subject":"member","identity":"email","value":"ada@example.com","details":{"fix":${details}}}`,
  });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.body, /too deeply nested/);
});

test('B9: two owners demoting each other at once: no deadlock, no error beyond a refusal, and an owner remains', async () => {
  const a = await h.signInAs('owner-a@example.com');
  const b = await h.signInAs('owner-b@example.com');
  const tenant = `race-${Date.now()}`;
  await h.seat(a.accountId, tenant, 'owner');
  await h.seat(b.accountId, tenant, 'owner');
  const results = await Promise.allSettled([
    changeRole(h.db, tenant, { accountId: b.accountId, role: 'admin', by: { id: a.accountId, role: 'owner' } }),
    changeRole(h.db, tenant, { accountId: a.accountId, role: 'admin', by: { id: b.accountId, role: 'owner' } }),
  ]);
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { code?: string });
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.equal(refused.length, 1);
  assert.ok(['ERR_MEMBERSHIP_CONFLICT', 'ERR_AUTH_FORBIDDEN'].includes(refused[0]!.code ?? ''), String(refused[0]!.code));
  const owners = await h.db.query(`SELECT 1 FROM custodian.memberships WHERE tenant_id = $1 AND role = 'owner'`, [tenant]);
  assert.equal(owners.rows.length, 1);
});
