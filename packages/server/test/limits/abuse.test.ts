import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInvite } from '@custodian/core/auth';
import { addBlock } from '@custodian/core/limits';
import { definePolicy, type PolicyInput } from '@custodian/core/policy';
import { testBackend } from '@custodian/core/testing';
import { SESSION_COOKIE } from '@custodian/server';
import { chatPolicyInput, startApi, type ApiHarness } from '../api/harness.js';

/**
 * C21–C23 through the server, with requests from chosen client addresses
 * (Fastify's inject sets the socket address; no proxy is trusted here).
 */
function policyWithLimits(extra: Partial<PolicyInput>): ReturnType<typeof definePolicy> {
  return definePolicy({ ...chatPolicyInput(), ...extra } as PolicyInput);
}

const SYSTEM = { type: 'system' as const, id: 'test' };
const cookieFrom = (setCookie: string | string[] | undefined) => {
  const first = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
  return first.split(';')[0]!;
};

async function signInFrom(h: ApiHarness, email: string, ip: string): Promise<{ cookie: string; accountId: string }> {
  const res = await h.app.inject({ method: 'POST', url: '/v1/auth/dev/signin', remoteAddress: ip, payload: { email } });
  assert.equal(res.statusCode, 200, res.body);
  return { cookie: cookieFrom(res.headers['set-cookie']), accountId: (res.json() as { account: { id: string } }).account.id };
}

async function auditActions(h: ApiHarness, cookie: string, tenant: string, action: string): Promise<Array<{ action: string; metadata: Record<string, unknown> }>> {
  const res = await h.app.inject({ method: 'GET', url: `/v1/audit?tenant=${tenant}&action=${action}`, headers: { cookie }, remoteAddress: '192.0.2.200' });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { events: Array<{ action: string; metadata: Record<string, unknown> }> }).events;
}

describe(`rate limits per address and per identity (${testBackend()})`, () => {
  let h: ApiHarness;
  let ada: { cookie: string; accountId: string };
  let bea: { cookie: string; accountId: string };
  before(async () => {
    h = await startApi({
      policy: policyWithLimits({ rateLimits: { api: { perIp: { points: 4, per: '1min' }, perIdentity: { points: 3, per: '1min', blockFor: '10min' } } } }),
    });
    ada = await h.signInAs('ada@example.com');
    bea = await h.signInAs('bea@example.com');
    await h.seat(ada.accountId, 'ws-a', 'owner');
    await h.seat(bea.accountId, 'ws-a', 'member');
  });
  after(() => h.close());

  const get = (cookie: string, ip: string) => h.app.inject({ method: 'GET', url: '/v1/tenants/ws-a/messages', headers: { cookie }, remoteAddress: ip });

  test('C21: each identity gets its quota, with RateLimit-* headers, then 429 with Retry-After', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await get(ada.cookie, `198.51.100.${i + 1}`);
      statuses.push(res.statusCode);
      assert.equal(res.headers['ratelimit-limit'], '3');
      assert.equal(res.headers['ratelimit-remaining'], String(2 - i));
      assert.equal(res.headers['ratelimit-policy'], '3;w=60');
      assert.ok(Number(res.headers['ratelimit-reset']) >= 1 && Number(res.headers['ratelimit-reset']) <= 60);
    }
    assert.deepEqual(statuses, [200, 200, 200]);
    // A fourth from yet another address: the identity's own limit, blocked for blockFor (10 min).
    const refused = await get(ada.cookie, '198.51.100.9');
    assert.equal(refused.statusCode, 429);
    assert.equal((refused.json() as { error: { code: string } }).error.code, 'ERR_RATE_LIMITED');
    assert.ok(Number(refused.headers['retry-after']) > 60 && Number(refused.headers['retry-after']) <= 600, String(refused.headers['retry-after']));
    assert.equal(refused.headers['ratelimit-remaining'], '0');
    // Another person is unaffected.
    assert.equal((await get(bea.cookie, '198.51.100.10')).statusCode, 200);
  });

  test('C21: each address gets its quota whoever is signed in; IPv6 clients are counted by /64', async () => {
    const people = await Promise.all([1, 2, 3, 4, 5].map((i) => h.signInAs(`p${i}@example.com`)));
    for (const p of people) await h.seat(p.accountId, 'ws-a', 'member');
    const from = async (ip: string, i: number) => (await get(people[i % 5]!.cookie, ip)).statusCode;
    // Four addresses in one /64 share four requests.
    const v6 = [await from('2001:db8:7:7::1', 0), await from('2001:db8:7:7::2', 1), await from('2001:db8:7:7:ffff::3', 2), await from('2001:db8:7:7::4', 3), await from('2001:db8:7:7::5', 4)];
    assert.deepEqual(v6, [200, 200, 200, 200, 429]);
    // The next /64 is another client.
    assert.equal(await from('2001:db8:7:8::1', 4), 200);
    const v4 = [];
    for (let i = 0; i < 5; i++) v4.push(await from('203.0.113.44', i));
    assert.deepEqual(v4, [200, 200, 200, 200, 429]);
    assert.equal(await from('203.0.113.45', 0), 200);
  });
});

describe(`the IP blocklist (${testBackend()})`, () => {
  let h: ApiHarness;
  let owner: { cookie: string; accountId: string };
  let operator: { cookie: string; accountId: string };
  before(async () => {
    h = await startApi({ policy: policyWithLimits({ blocklist: { defaultExpiry: '1d', maxExpiry: '30d' } }) });
    // The ws-a owner signs in from 203.0.113.10, so a block on that network affects ws-a.
    owner = await signInFrom(h, 'owner@example.com', '203.0.113.10');
    await h.seat(owner.accountId, 'ws-a', 'owner');
    operator = await signInFrom(h, 'ops@example.com', '192.0.2.200');
    await h.makeOperator('ops@example.com');
  });
  after(() => h.close());

  test('C22: an operator blocks a range through the admin endpoint; its addresses get 403 before any other work, and ws-a sees the block', async () => {
    const add = await h.app.inject({ method: 'POST', url: '/v1/admin/blocklist', headers: { cookie: operator.cookie }, remoteAddress: '192.0.2.200', payload: { network: '203.0.113.0/24', reason: 'credential stuffing, incident 7', expiresIn: '2h' } });
    assert.equal(add.statusCode, 201, add.body);
    const entry = (add.json() as { entry: { id: string; network: string; expiresAt: string; createdBy: string } }).entry;
    assert.equal(entry.network, '203.0.113.0/24');
    assert.equal(entry.createdBy, `operator:${operator.accountId}`);

    // Blocked: the owner's own valid session does not help, a malformed body is not even read.
    const before = h.logs.length;
    for (const req of [
      { method: 'GET' as const, url: '/v1/tenants/ws-a/messages', headers: { cookie: owner.cookie } },
      { method: 'POST' as const, url: '/v1/invites/accept', headers: { cookie: owner.cookie, 'content-type': 'application/json' }, payload: '{not json' },
      { method: 'GET' as const, url: '/privacy' },
      { method: 'GET' as const, url: '/no/such/page' },
    ]) {
      const res = await h.app.inject({ ...req, remoteAddress: '203.0.113.10' });
      assert.equal(res.statusCode, 403, `${req.url}: ${res.body}`);
      assert.deepEqual(res.json(), { error: { code: 'ERR_IP_BLOCKED', message: 'requests from this address are blocked' } });
    }
    // Refusals are still logged as requests (one allowlisted line each), with no session resolved.
    const lines = h.logs.slice(before).map((l) => JSON.parse(l) as { status?: number; userId?: string });
    assert.equal(lines.filter((l) => l.status === 403).length, 4);
    assert.ok(lines.every((l) => !l.userId));
    // IPv4-mapped form of the same address is blocked too; a neighbour range is not.
    assert.equal((await h.app.inject({ method: 'GET', url: '/privacy', remoteAddress: '::ffff:203.0.113.99' })).statusCode, 403);
    assert.equal((await h.app.inject({ method: 'GET', url: '/privacy', remoteAddress: '203.0.114.1' })).statusCode, 200);

    // ws-a's owner (from an unblocked address now) sees the block on ws-a's audit page.
    const moved = await signInFrom(h, 'owner@example.com', '192.0.2.77');
    const seen = await auditActions(h, moved.cookie, 'ws-a', 'security.ip_blocked');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.metadata.network, '203.0.113.0/24');
    assert.equal(seen[0]!.metadata.reason, 'credential stuffing, incident 7');

    // Listed, then removed: the address is served again at once on this server.
    const list = await h.app.inject({ method: 'GET', url: '/v1/admin/blocklist', headers: { cookie: operator.cookie }, remoteAddress: '192.0.2.200' });
    assert.deepEqual((list.json() as { entries: Array<{ id: string }> }).entries.map((e) => e.id), [entry.id]);
    const del = await h.app.inject({ method: 'DELETE', url: `/v1/admin/blocklist/${entry.id}`, headers: { cookie: operator.cookie }, remoteAddress: '192.0.2.200' });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal((await h.app.inject({ method: 'GET', url: '/privacy', remoteAddress: '203.0.113.10' })).statusCode, 200);
    const again = await h.app.inject({ method: 'DELETE', url: `/v1/admin/blocklist/${entry.id}`, headers: { cookie: operator.cookie }, remoteAddress: '192.0.2.200' });
    assert.equal(again.statusCode, 404);
    assert.equal((again.json() as { error: { code: string } }).error.code, 'ERR_BLOCKLIST_ENTRY_NOT_FOUND');
    assert.equal((await auditActions(h, moved.cookie, 'ws-a', 'security.ip_unblocked')).length, 1);
  });

  test('C22: bad entries are refused with a clear error; an operator cannot block their own address through the API', async () => {
    const post = (payload: unknown) => h.app.inject({ method: 'POST', url: '/v1/admin/blocklist', headers: { cookie: operator.cookie }, remoteAddress: '192.0.2.200', payload: payload as object });
    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ network: '192.0.2.0/24', reason: 'oops' }, 400, 'ERR_BLOCKLIST_ENTRY_INVALID', /your own address/],
      [{ network: '10.0.0.0/4', reason: 'too wide' }, 400, 'ERR_BLOCKLIST_ENTRY_INVALID', /wider than/],
      [{ network: 'example.com', reason: 'x' }, 400, 'ERR_BLOCKLIST_ENTRY_INVALID', /IP address/],
      [{ network: '198.51.100.1', reason: 'x', expiresIn: '60d' }, 400, 'ERR_BLOCKLIST_ENTRY_INVALID', /maxExpiry/],
      [{ network: '198.51.100.1' }, 400, 'ERR_HTTP_BAD_REQUEST', /reason/],
      [{ network: '198.51.100.1', reason: 'x', expiresIn: 'forever' }, 400, 'ERR_HTTP_BAD_REQUEST', /duration/],
    ];
    for (const [payload, status, code, message] of cases) {
      const res = await post(payload);
      const body = res.json() as { error: { code: string; message: string } };
      assert.equal(res.statusCode, status, JSON.stringify(payload));
      assert.equal(body.error.code, code, JSON.stringify(payload));
      assert.match(body.error.message, message);
    }
    const list = await h.app.inject({ method: 'GET', url: '/v1/admin/blocklist', headers: { cookie: operator.cookie }, remoteAddress: '192.0.2.200' });
    assert.deepEqual((list.json() as { entries: unknown[] }).entries, []);
    // Not an operator: no blocklist at all.
    const denied = await h.app.inject({ method: 'POST', url: '/v1/admin/blocklist', headers: { cookie: owner.cookie }, remoteAddress: '192.0.2.201', payload: { network: '198.51.100.1', reason: 'x' } });
    assert.equal(denied.statusCode, 403);
  });

  test('C22: an entry written by another instance (or the command line) holds here within the reload interval', async () => {
    const entry = await addBlock(h.db, { network: '198.51.100.66', reason: 'from elsewhere', actor: SYSTEM }, { defaultSeconds: 3600, maxSeconds: 86400 });
    const started = Date.now();
    let status = 200;
    while (status !== 403 && Date.now() - started < 8000) {
      status = (await h.app.inject({ method: 'GET', url: '/privacy', remoteAddress: '198.51.100.66' })).statusCode;
      if (status !== 403) await sleep(200);
    }
    assert.equal(status, 403, `still served ${Date.now() - started} ms after the entry was written`);
    assert.ok(Date.now() - started <= 6000, `took ${Date.now() - started} ms`);
    await h.app.inject({ method: 'DELETE', url: `/v1/admin/blocklist/${entry.id}`, headers: { cookie: operator.cookie }, remoteAddress: '192.0.2.200' });
  });
});

describe(`brute-force detection on invite lookups (${testBackend()})`, () => {
  let h: ApiHarness;
  let owner: { cookie: string; accountId: string };
  before(async () => {
    h = await startApi({
      policy: policyWithLimits({
        rateLimits: { 'invite-lookup': { perIp: { points: 1000, per: '1min' } } },
        bruteForce: { maxFailures: 5, per: '10min', blockFor: '1h', escalation: 2, routeClasses: ['invite-lookup'] },
      }),
    });
    owner = await h.signInAs('owner-b@example.com');
    await h.seat(owner.accountId, 'ws-b', 'owner');
  });
  after(() => h.close());

  const accept = (cookie: string, token: string, ip: string) =>
    h.app.inject({ method: 'POST', url: '/v1/invites/accept', headers: { cookie }, remoteAddress: ip, payload: { token } });
  const guess = () => randomBytes(32).toString('base64url');

  test('C23: a scripted guessing run is blocked after the configured number of tries, audited, and the block holds for a real token too', async () => {
    const attacker = await h.signInAs('mallory@example.com');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await accept(attacker.cookie, guess(), '198.51.100.23')).statusCode);
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429, 429, 429, 429, 429, 429, 429]);
    const refused = await accept(attacker.cookie, guess(), '198.51.100.23');
    assert.equal((refused.json() as { error: { code: string } }).error.code, 'ERR_TOO_MANY_FAILURES');
    const wait = Number(refused.headers['retry-after']);
    assert.ok(wait > 3500 && wait <= 3600, `Retry-After ${wait}`);
    // Blocked means blocked: even a valid invite for this person is refused from that address, and nothing is looked up.
    const real = await createInvite(h.db, { tenant: 'ws-a', email: 'mallory@example.com', role: 'viewer', ttlSeconds: 3600, by: SYSTEM });
    assert.equal((await accept(attacker.cookie, real.token, '198.51.100.23')).statusCode, 429);
    const used = await h.db.query<{ used_at: Date | null }>(`SELECT used_at FROM custodian.invites WHERE id = $1`, [real.id]);
    assert.equal(used.rows[0]!.used_at, null);
    // Exactly one block was placed and audited, naming the address's class and level.
    const { rows } = await h.db.query<{ metadata: string; ip: string }>(`SELECT metadata::text AS metadata, host(ip) AS ip FROM custodian.audit_events WHERE tenant_id = '_platform' AND action = 'security.brute_force_blocked'`);
    assert.equal(rows.length, 1);
    assert.deepEqual(JSON.parse(rows[0]!.metadata), { routeClass: 'invite-lookup', scope: 'ip', key: '198.51.100.23', level: 1, blockedForSeconds: 3600 });
    assert.equal(rows[0]!.ip, '198.51.100.23');
    // Another address is not affected.
    assert.equal((await accept(attacker.cookie, real.token, '198.51.100.24')).statusCode, 200);
  });

  test('C23: failures against one invite from many addresses block that invite, and its tenant sees the block', async () => {
    const invite = await createInvite(h.db, { tenant: 'ws-b', email: 'invitee@example.com', role: 'member', ttlSeconds: 3600, by: SYSTEM });
    const thief = await h.signInAs('thief@example.com');
    // The stolen token is bound to another address: every try fails, each from a new address.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await accept(thief.cookie, invite.token, `192.0.2.${100 + i}`)).statusCode);
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429]);
    // The invite's tenant sees it on its own audit page; the key is a hash, never the token.
    const events = await auditActions(h, owner.cookie, 'ws-b', 'security.brute_force_blocked');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.metadata.scope, 'target');
    assert.match(String(events[0]!.metadata.key), /^invite:[0-9a-f]{32}$/);
    assert.ok(!JSON.stringify(events).includes(invite.token));
  });

  test('C23: a success does not clear the address\'s count (a guesser holding one valid token cannot reset it), and a stolen token\'s count resets when its owner gets in', async () => {
    const person = await h.signInAs('clumsy@example.com');
    const ip = '198.51.100.77';
    for (let i = 0; i < 4; i++) assert.equal((await accept(person.cookie, guess(), ip)).statusCode, 404);
    const own = await createInvite(h.db, { tenant: 'ws-a', email: 'clumsy@example.com', role: 'viewer', ttlSeconds: 3600, by: SYSTEM });
    assert.equal((await accept(person.cookie, own.token, ip)).statusCode, 200);
    assert.equal((await accept(person.cookie, guess(), ip)).statusCode, 404, 'the fifth failure is answered');
    assert.equal((await accept(person.cookie, guess(), ip)).statusCode, 429, 'and the count went on across the success');

    // Four failed tries at one invite from four addresses, then its invitee accepts it: the invite's count starts again.
    const invite = await createInvite(h.db, { tenant: 'ws-b', email: 'rightful@example.com', role: 'member', ttlSeconds: 3600, by: SYSTEM });
    const other = await h.signInAs('wrong-person@example.com');
    for (let i = 0; i < 4; i++) assert.equal((await accept(other.cookie, invite.token, `192.0.2.${150 + i}`)).statusCode, 404);
    const rightful = await h.signInAs('rightful@example.com');
    assert.equal((await accept(rightful.cookie, invite.token, '192.0.2.160')).statusCode, 200);
    // Four more failed tries (eight in all, over maxFailures): none is blocked, since the count began again.
    for (let i = 0; i < 4; i++) assert.equal((await accept(other.cookie, invite.token, `192.0.2.${170 + i}`)).statusCode, 404);
    const { rows } = await h.db.query(`SELECT seq FROM custodian.audit_events WHERE tenant_id = '_platform' AND action = 'security.brute_force_blocked' AND target_type = 'brute-force-target'`);
    assert.equal(rows.length, 1, 'no block on this invite: only the earlier test\'s stolen-token block');
  });
});
