import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { definePolicy } from '@custodian/core/policy';
import { chatPolicyInput, startApi, type ApiHarness } from './harness.js';

/**
 * A11 and A7 on the wire: a real socket and fetch, so the Set-Cookie headers
 * checked are the bytes a browser would get, not an inject() object.
 */

const NAME = '__Host-custodian_session';
const DAY = 86400;

interface Served {
  h: ApiHarness;
  base: string;
  /** Every session token handed out, to look for in logs and audit events. */
  tokens: string[];
}

async function serve(h: ApiHarness): Promise<Served> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = h.app.server.address() as AddressInfo;
  return { h, base: `http://127.0.0.1:${port}`, tokens: [] };
}

interface ParsedCookie {
  name: string;
  value: string;
  attrs: Map<string, string>;
  raw: string;
}

function parseSetCookie(raw: string): ParsedCookie {
  const [pair, ...rest] = raw.split(';');
  const eq = pair!.indexOf('=');
  const attrs = new Map<string, string>();
  for (const a of rest) {
    const i = a.indexOf('=');
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    attrs.set(key, i < 0 ? '' : a.slice(i + 1).trim());
  }
  return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attrs, raw };
}

function sessionCookie(res: Response): ParsedCookie | null {
  const ours = res.headers.getSetCookie().map(parseSetCookie).filter((c) => c.name === NAME);
  assert.ok(ours.length <= 1, `one Set-Cookie for the session at most: ${res.headers.getSetCookie().join(' | ')}`);
  return ours[0] ?? null;
}

/** The attributes A11 asks of every Set-Cookie for the session, setting or clearing. */
function assertAttributes(c: ParsedCookie, sameSite: 'Lax' | 'Strict'): void {
  assert.ok(c.attrs.has('httponly'), `HttpOnly: ${c.raw}`);
  assert.ok(c.attrs.has('secure'), `Secure: ${c.raw}`);
  assert.equal(c.attrs.get('samesite'), sameSite, c.raw);
  assert.equal(c.attrs.get('path'), '/', c.raw);
  assert.ok(!c.attrs.has('domain'), `no Domain (a __Host- cookie must not have one): ${c.raw}`);
}

async function devSignIn(s: Served, email: string): Promise<{ res: Response; cookie: ParsedCookie; header: string }> {
  const res = await fetch(`${s.base}/v1/auth/dev/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
  assert.equal(res.status, 200, await res.clone().text());
  const cookie = sessionCookie(res);
  assert.ok(cookie, 'sign-in sets the session cookie');
  s.tokens.push(cookie.value);
  return { res, cookie, header: `${NAME}=${cookie.value}` };
}

const me = (s: Served, cookieHeader: string) => fetch(`${s.base}/v1/auth/me`, { headers: { cookie: cookieHeader } });

function assertCleared(res: Response, sameSite: 'Lax' | 'Strict'): void {
  const cleared = sessionCookie(res);
  assert.ok(cleared, 'a Set-Cookie clears the session cookie');
  assert.equal(cleared.value, '');
  assert.equal(cleared.attrs.get('max-age'), '0', cleared.raw);
  assertAttributes(cleared, sameSite);
}

describe('default policy (SameSite=Lax, 30d)', () => {
  let s: Served;
  before(async () => {
    s = await serve(await startApi());
  });
  after(async () => {
    await s?.h.close();
  });

  test('A11: dev sign-in sets __Host-custodian_session HttpOnly, Secure, SameSite=Lax, Path=/, no Domain, Max-Age of the policy\'s 30d', async () => {
    const { cookie } = await devSignIn(s, 'lax@cookies.example');
    assert.equal(s.h.policy.auth.session.ttl, '30d');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{32,}$/, 'an opaque token of real length');
    assertAttributes(cookie, 'Lax');
    const maxAge = Number(cookie.attrs.get('max-age'));
    assert.ok(Math.abs(maxAge - 30 * DAY) <= 5, `Max-Age ${maxAge}`);
  });

  test('A11: sign-out answers 303 to /, clears the cookie with the same attributes, and the old token stops working even if sent again', async () => {
    const { header } = await devSignIn(s, 'signout@cookies.example');
    assert.equal((await me(s, header)).status, 200);
    const out = await fetch(`${s.base}/v1/auth/signout`, { method: 'POST', headers: { cookie: header }, redirect: 'manual' });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/');
    assertCleared(out, 'Lax');
    for (let i = 0; i < 2; i++) {
      const again = await me(s, header);
      assert.equal(again.status, 401);
      assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_REQUIRED');
    }
  });

  test('A11: a cookie naming an ended session is cleared on the next request', async () => {
    const { header } = await devSignIn(s, 'ended@cookies.example');
    const out = await fetch(`${s.base}/v1/auth/signout`, { method: 'POST', headers: { cookie: header }, redirect: 'manual' });
    assert.equal(out.status, 303);
    const next = await me(s, header);
    assert.equal(next.status, 401);
    assertCleared(next, 'Lax');
    // A tenant route clears it the same way.
    const tenant = await fetch(`${s.base}/v1/tenants/ws-a/members`, { headers: { cookie: header } });
    assert.equal(tenant.status, 401);
    assertCleared(tenant, 'Lax');
    // And a request without any cookie is not sent a Set-Cookie.
    const bare = await fetch(`${s.base}/v1/auth/me`);
    assert.equal(bare.status, 401);
    assert.equal(sessionCookie(bare), null);
  });

  test('A7: after a delete request every session of the account is rejected and sign-in with the same email is refused 403 ERR_AUTH_ACCOUNT_DELETED', async () => {
    const email = 'deleted@cookies.example';
    const one = await devSignIn(s, email);
    const two = await devSignIn(s, email);
    assert.notEqual(one.cookie.value, two.cookie.value);
    assert.equal((await me(s, two.header)).status, 200);
    const del = await fetch(`${s.base}/v1/auth/me/delete-request`, { method: 'POST', headers: { cookie: one.header, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(del.status, 202, await del.clone().text());
    assert.equal(((await del.json()) as { accountDeleted: boolean }).accountDeleted, true);
    assertCleared(del, 'Lax');
    for (const session of [one, two]) {
      const res = await me(s, session.header);
      assert.equal(res.status, 401, 'every session of a deleted account is dead');
      assertCleared(res, 'Lax');
    }
    const again = await fetch(`${s.base}/v1/auth/dev/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    assert.equal(again.status, 403);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_ACCOUNT_DELETED');
    assert.equal(sessionCookie(again), null, 'no session cookie for a refused sign-in');
  });

  test('A11: no session cookie value is in any log line or any audit event', async () => {
    // Exercise the paths that log and audit with a live token: sign-in, reads, sign-out.
    const { header } = await devSignIn(s, 'logs@cookies.example');
    await me(s, header);
    await fetch(`${s.base}/v1/auth/signout`, { method: 'POST', headers: { cookie: header }, redirect: 'manual' });
    await me(s, header);
    assert.ok(s.tokens.length >= 6);
    assert.ok(s.h.logs.length > 0, 'the server logged requests');
    const audit = await s.h.db.query<{ row: string }>(`SELECT row_to_json(e)::text AS row FROM custodian.audit_events e`);
    assert.ok(audit.rows.length > 0);
    for (const token of s.tokens) {
      assert.equal(s.h.logs.filter((l) => l.includes(token)).length, 0, 'token in a log line');
      assert.equal(audit.rows.filter((r) => r.row.includes(token)).length, 0, 'token in an audit event');
    }
  });
});

describe('a policy with auth.session.sameSite strict and a 7d ttl', () => {
  let s: Served;
  before(async () => {
    const input = chatPolicyInput();
    const policy = definePolicy({ ...input, auth: { ...input.auth!, session: { sameSite: 'strict', ttl: '7d' } } } as typeof input);
    s = await serve(await startApi({ policy }));
  });
  after(async () => {
    await s?.h.close();
  });

  test('A11: the cookie is SameSite=Strict with the policy\'s Max-Age, set and cleared alike', async () => {
    const { cookie, header } = await devSignIn(s, 'strict@cookies.example');
    assertAttributes(cookie, 'Strict');
    const maxAge = Number(cookie.attrs.get('max-age'));
    assert.ok(Math.abs(maxAge - 7 * DAY) <= 5, `Max-Age ${maxAge}`);
    const out = await fetch(`${s.base}/v1/auth/signout`, { method: 'POST', headers: { cookie: header }, redirect: 'manual' });
    assert.equal(out.status, 303);
    assertCleared(out, 'Strict');
  });
});
