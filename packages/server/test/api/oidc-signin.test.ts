import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { queryAuditEvents } from '@custodian/core/audit';
import { SESSION_COOKIE } from '@custodian/server';
import { authorizeThrough, CANCEL_SIGN_IN, startOidcProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { startApi, type ApiHarness } from './harness.js';

/** A free loopback port, so the provider can be told the app's redirect URI before the app listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const cookieOf = (setCookie: string | null) => setCookie?.match(new RegExp(`${SESSION_COOKIE}=([^;]*)`))?.[1] ?? null;

describe('sign-in with OpenID Connect against a real provider on loopback', () => {
  let provider: TestProvider;
  let h: ApiHarness;
  let base: string;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      redirectUris: [`${base}/v1/auth/callback/google`],
      accounts: {
        'google-ada': { email: 'Ada@Example.com', name: 'Ada Lovelace' },
        'google-eve': { email: 'eve@example.com', name: 'Eve', emailVerified: false },
      },
    });
    h = await startApi({
      api: {
        devSignIn: false,
        publicUrl: base,
        providers: [{ id: 'google', issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, allowInsecureLoopback: true, timeoutMs: 3000 }],
      },
    });
    await h.app.listen({ host: '127.0.0.1', port });
  });

  after(async () => {
    await h?.close();
    await provider?.close();
  });

  async function signInThrough(login: string, returnTo?: string) {
    const start = `${base}/v1/auth/signin/google${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`;
    const { callbackUrl, appCookies } = await authorizeThrough(start, login, `${base}/v1/auth/callback/google`);
    return fetch(callbackUrl, { redirect: 'manual', headers: { cookie: appCookies } });
  }

  test('A10: a person signs in through the provider and gets a server-side session; no password is asked for or stored', async () => {
    const res = await signInThrough('google-ada', '/privacy');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/privacy');
    const token = cookieOf(res.headers.get('set-cookie'));
    assert.ok(token && token.length === 43);
    const me = await fetch(`${base}/v1/auth/me`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    assert.equal(me.status, 200);
    const body = (await me.json()) as { account: { email: string; name: string } };
    assert.deepEqual({ email: body.account.email, name: body.account.name }, { email: 'ada@example.com', name: 'Ada Lovelace' });
    const { rows } = await h.db.query<{ issuer: string; subject: string }>(`SELECT issuer, subject FROM custodian.accounts WHERE email = 'ada@example.com'`);
    assert.deepEqual(rows, [{ issuer: provider.issuer, subject: 'google-ada' }]);
    const signins = await queryAuditEvents(h.db, { tenant: '_platform', action: 'auth.signin' });
    assert.ok(signins.events.some((e) => e.metadata.issuer === provider.issuer));
  });

  test('A10: signing in twice with one provider account is one account', async () => {
    await signInThrough('google-ada');
    const { rows } = await h.db.query(`SELECT id FROM custodian.accounts WHERE subject = 'google-ada'`);
    assert.equal(rows.length, 1);
  });

  test('A10: an email the provider has not verified is not kept, so it cannot match invites or records', async () => {
    const res = await signInThrough('google-eve');
    assert.equal(res.status, 303);
    const { rows } = await h.db.query<{ email: string | null }>(`SELECT email FROM custodian.accounts WHERE subject = 'google-eve'`);
    assert.deepEqual(rows, [{ email: null }]);
  });

  test('A10: a replayed callback is refused: the sign-in attempt is used once', async () => {
    const { callbackUrl, appCookies } = await authorizeThrough(`${base}/v1/auth/signin/google`, 'google-ada', `${base}/v1/auth/callback/google`);
    assert.equal((await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: appCookies } })).status, 303);
    const again = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: appCookies } });
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_CALLBACK_INVALID');
    assert.equal(cookieOf(again.headers.get('set-cookie')), null, 'no session cookie');
  });

  test('A10: a callback finished in another browser than the one that started the sign-in opens no session (login CSRF)', async () => {
    const { callbackUrl, appCookies } = await authorizeThrough(`${base}/v1/auth/signin/google`, 'google-ada', `${base}/v1/auth/callback/google`);
    assert.match(appCookies, /__Host-custodian_signin=/);
    const elsewhere = await fetch(callbackUrl, { redirect: 'manual' });
    assert.equal(elsewhere.status, 400);
    assert.equal(((await elsewhere.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_CALLBACK_INVALID');
    assert.equal(cookieOf(elsewhere.headers.get('set-cookie')), null);
  });

  test('A10: a new sign-in ends the session the browser had', async () => {
    const first = cookieOf((await signInThrough('google-ada')).headers.get('set-cookie'))!;
    const { callbackUrl, appCookies } = await authorizeThrough(`${base}/v1/auth/signin/google`, 'google-ada', `${base}/v1/auth/callback/google`);
    const second = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: `${appCookies}; ${SESSION_COOKIE}=${first}` } });
    assert.equal(second.status, 303);
    assert.equal((await fetch(`${base}/v1/auth/me`, { headers: { cookie: `${SESSION_COOKIE}=${first}` } })).status, 401);
    assert.equal((await fetch(`${base}/v1/auth/me`, { headers: { cookie: `${SESSION_COOKIE}=${cookieOf(second.headers.get('set-cookie'))}` } })).status, 200);
  });

  test('A10: a callback with a forged state, or after Cancel at the provider, opens no session', async () => {
    const forged = await fetch(`${base}/v1/auth/callback/google?code=abc&state=${'x'.repeat(43)}`, { redirect: 'manual' });
    assert.equal(forged.status, 400);
    assert.equal(cookieOf(forged.headers.get('set-cookie')), null, 'no session cookie');
    const cancelled = await signInThrough(CANCEL_SIGN_IN);
    assert.equal(cancelled.status, 400);
    assert.equal(((await cancelled.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_CALLBACK_INVALID');
  });

  test('A10: returnTo may only name a path on this site', async () => {
    for (const target of ['//evil.example/', '/\\evil.example', 'https://evil.example/']) {
      const res = await fetch(`${base}/v1/auth/signin/google?returnTo=${encodeURIComponent(target)}`, { redirect: 'manual' });
      assert.equal(res.status, 400, target);
    }
  });

  test('A10: an unknown provider is a 404 with a stable code', async () => {
    const res = await fetch(`${base}/v1/auth/signin/github`, { redirect: 'manual' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_PROVIDER_UNKNOWN');
  });

  test('A7: a deleted account is refused at the provider callback', async () => {
    const first = await signInThrough('google-ada');
    const token = cookieOf(first.headers.get('set-cookie'))!;
    const del = await fetch(`${base}/v1/auth/me/delete-request`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(del.status, 202);
    const again = await signInThrough('google-ada');
    assert.equal(again.status, 403);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_ACCOUNT_DELETED');
    assert.equal(cookieOf(again.headers.get('set-cookie')), null, 'no session cookie');
  });

  test('the development sign-in is off unless enabled, and production refuses to enable it', async () => {
    const res = await fetch(`${base}/v1/auth/dev/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"x@example.com"}' });
    assert.equal(res.status, 404);
    await assert.rejects(startApi({ mode: 'production', api: { devSignIn: true } }), (e: unknown) => (e as { code?: string }).code === 'ERR_CONFIG_INVALID');
  });
});
