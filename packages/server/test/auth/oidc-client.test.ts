import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isCustodianError, type ErrorCode } from '@custodian/core/errors';
import { createOidcClient, type OidcClient, type SignInChecks } from '../../src/auth/oidc-client.js';
import { authorizeThrough, CANCEL_SIGN_IN, startOidcProvider, type TestProvider } from '../helpers/oidc-provider.js';

// Nothing listens here: the harness stops at the redirect to it and the test hands the URL to finish().
const REDIRECT_URI = 'http://127.0.0.1:9/auth/callback/test';

const ACCOUNTS = {
  alice: { email: 'alice@example.com', name: 'Alice Example' },
  bob: { email: 'bob@example.com', emailVerified: false },
};

function clientFor(provider: TestProvider, overrides: { clientSecret?: string; timeoutMs?: number } = {}): OidcClient {
  return createOidcClient({
    id: 'test',
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: overrides.clientSecret ?? provider.clientSecret,
    allowInsecureLoopback: true,
    timeoutMs: overrides.timeoutMs ?? 2000,
  });
}

async function signIn(client: OidcClient, login: string): Promise<{ callbackUrl: URL; checks: SignInChecks }> {
  const { url, checks } = await client.begin(REDIRECT_URI);
  const { callbackUrl } = await authorizeThrough(url, login, REDIRECT_URI);
  return { callbackUrl: new URL(callbackUrl), checks };
}

/** Asserts the code and that nothing a caller might log carries a secret value from the sign-in. */
async function rejectsWith(work: Promise<unknown>, code: ErrorCode, secrets: string[] = []): Promise<Error> {
  let caught: unknown;
  try {
    await work;
  } catch (error) {
    caught = error;
  }
  assert.ok(isCustodianError(caught), `expected a CustodianError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  const visible = `${caught.message} ${caught.hint ?? ''} ${JSON.stringify(caught)}`;
  for (const secret of secrets.filter((s) => s.length > 0)) {
    assert.ok(!visible.includes(secret), `error text leaks a value: ${caught.message}`);
  }
  return caught;
}

function secretsOf(callbackUrl: URL, checks: SignInChecks): string[] {
  return [callbackUrl.searchParams.get('code') ?? '', callbackUrl.searchParams.get('state') ?? '', checks.nonce, checks.codeVerifier];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

describe('OpenID Connect client against a real provider', () => {
  let provider: TestProvider;
  let client: OidcClient;

  before(async () => {
    provider = await startOidcProvider({ redirectUris: [REDIRECT_URI], accounts: ACCOUNTS });
    client = clientFor(provider);
  });
  after(async () => {
    await provider.close();
  });

  test('A10: sign-in returns the provider-verified identity: subject, email, name, issuer', async () => {
    const { url } = await client.begin(REDIRECT_URI);
    const params = new URL(url).searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('scope'), 'openid email profile');
    assert.equal(params.get('code_challenge_method'), 'S256');
    for (const name of ['code_challenge', 'state', 'nonce']) assert.ok(params.get(name), `${name} is sent`);

    const { callbackUrl, checks } = await signIn(client, 'alice');
    assert.ok(!url.includes(checks.codeVerifier), 'the code verifier stays server-side');
    const identity = await client.finish(callbackUrl, checks, REDIRECT_URI);
    assert.deepEqual(identity, {
      issuer: provider.issuer,
      subject: 'alice',
      email: 'alice@example.com',
      emailVerified: true,
      name: 'Alice Example',
    });
  });

  test('A10: email_verified is reported as the provider gives it, false when absent', async () => {
    const bob = await signIn(client, 'bob');
    const bobIdentity = await client.finish(bob.callbackUrl, bob.checks, REDIRECT_URI);
    assert.equal(bobIdentity.subject, 'bob');
    assert.equal(bobIdentity.email, 'bob@example.com');
    assert.equal(bobIdentity.emailVerified, false);
    assert.equal(bobIdentity.name, null);

    const stranger = await signIn(client, 'carol');
    const strangerIdentity = await client.finish(stranger.callbackUrl, stranger.checks, REDIRECT_URI);
    assert.deepEqual(
      { subject: strangerIdentity.subject, email: strangerIdentity.email, emailVerified: strangerIdentity.emailVerified },
      { subject: 'carol', email: null, emailVerified: false },
    );
  });

  test('A10: a callback whose state is not this sign-in’s is refused before the code is spent', async () => {
    const { callbackUrl, checks } = await signIn(client, 'alice');
    const other = await client.begin(REDIRECT_URI);
    await rejectsWith(client.finish(callbackUrl, { ...checks, state: other.checks.state }, REDIRECT_URI), 'ERR_AUTH_CALLBACK_INVALID', [
      ...secretsOf(callbackUrl, checks),
      other.checks.state,
    ]);
    // The refusal came from the state check, not from the provider: the code is still good.
    assert.equal((await client.finish(callbackUrl, checks, REDIRECT_URI)).subject, 'alice');
  });

  test('A10: an ID token carrying another sign-in’s nonce is refused', async () => {
    const { callbackUrl, checks } = await signIn(client, 'alice');
    const other = await client.begin(REDIRECT_URI);
    const error = await rejectsWith(
      client.finish(callbackUrl, { ...checks, nonce: other.checks.nonce }, REDIRECT_URI),
      'ERR_AUTH_CALLBACK_INVALID',
      [...secretsOf(callbackUrl, checks), other.checks.nonce],
    );
    assert.equal((error.cause as { code?: string }).code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED');
  });

  test('A10: a code exchanged with the wrong PKCE verifier is refused by the provider', async () => {
    const { callbackUrl, checks } = await signIn(client, 'alice');
    const other = await client.begin(REDIRECT_URI);
    const error = await rejectsWith(
      client.finish(callbackUrl, { ...checks, codeVerifier: other.checks.codeVerifier }, REDIRECT_URI),
      'ERR_AUTH_CALLBACK_INVALID',
      [...secretsOf(callbackUrl, checks), other.checks.codeVerifier],
    );
    assert.equal((error.cause as { error?: string }).error, 'invalid_grant');
  });

  test('A10: a code replayed a second time is refused', async () => {
    const { callbackUrl, checks } = await signIn(client, 'alice');
    await client.finish(callbackUrl, checks, REDIRECT_URI);
    const error = await rejectsWith(client.finish(callbackUrl, checks, REDIRECT_URI), 'ERR_AUTH_CALLBACK_INVALID', secretsOf(callbackUrl, checks));
    assert.equal((error.cause as { error?: string }).error, 'invalid_grant');
  });

  test('A10: a cancelled sign-in (error=access_denied) is refused', async () => {
    const { callbackUrl, checks } = await signIn(client, CANCEL_SIGN_IN);
    assert.equal(callbackUrl.searchParams.get('error'), 'access_denied');
    await rejectsWith(client.finish(callbackUrl, checks, REDIRECT_URI), 'ERR_AUTH_CALLBACK_INVALID', [
      ...secretsOf(callbackUrl, checks),
      'access_denied',
    ]);
  });

  test('A10: a callback without a code is refused', async () => {
    const { checks } = await client.begin(REDIRECT_URI);
    const callbackUrl = new URL(REDIRECT_URI);
    callbackUrl.searchParams.set('state', checks.state);
    await rejectsWith(client.finish(callbackUrl, checks, REDIRECT_URI), 'ERR_AUTH_CALLBACK_INVALID', secretsOf(callbackUrl, checks));
  });

  test('A10: a client whose secret the provider rejects reports the provider unusable, not the callback', async () => {
    const wrong = clientFor(provider, { clientSecret: 'not-the-secret' });
    const { callbackUrl, checks } = await signIn(wrong, 'alice');
    await rejectsWith(wrong.finish(callbackUrl, checks, REDIRECT_URI), 'ERR_AUTH_PROVIDER_UNAVAILABLE', [
      ...secretsOf(callbackUrl, checks),
      'not-the-secret',
    ]);
  });
});

describe('OpenID Connect client when the provider is down', () => {
  test('A10: a stopped provider is reported unavailable at sign-in start and at the code exchange', async () => {
    const provider = await startOidcProvider({ redirectUris: [REDIRECT_URI], accounts: ACCOUNTS });
    const early = clientFor(provider);
    const { callbackUrl, checks } = await signIn(early, 'alice');
    const never = clientFor(provider);
    await provider.close();

    const started = Date.now();
    await rejectsWith(never.begin(REDIRECT_URI), 'ERR_AUTH_PROVIDER_UNAVAILABLE');
    await rejectsWith(early.finish(callbackUrl, checks, REDIRECT_URI), 'ERR_AUTH_PROVIDER_UNAVAILABLE', secretsOf(callbackUrl, checks));
    assert.ok(Date.now() - started < 2000, 'refused connections fail at once');
  });

  test('A10: a provider that accepts but never answers is reported unavailable within the timeout', async () => {
    const hanging = createServer(() => {});
    const port = await listen(hanging);
    try {
      const client = createOidcClient({
        id: 'test',
        issuer: `http://127.0.0.1:${port}`,
        clientId: 'x',
        allowInsecureLoopback: true,
        timeoutMs: 300,
      });
      const started = Date.now();
      await rejectsWith(client.begin(REDIRECT_URI), 'ERR_AUTH_PROVIDER_UNAVAILABLE');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 2000, `gave up after ${elapsed} ms`);
    } finally {
      await closeServer(hanging);
    }
  });

  test('A10: a failed discovery is not cached: the next sign-in finds the provider once it is up', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await closeServer(probe);
    const client = createOidcClient({
      id: 'test',
      issuer: `http://127.0.0.1:${port}`,
      clientId: 'x',
      allowInsecureLoopback: true,
      timeoutMs: 2000,
    });
    await rejectsWith(client.begin(REDIRECT_URI), 'ERR_AUTH_PROVIDER_UNAVAILABLE');

    const provider = await startOidcProvider({ redirectUris: [REDIRECT_URI], port });
    try {
      const { url } = await client.begin(REDIRECT_URI);
      assert.equal(new URL(url).origin, provider.issuer);
    } finally {
      await provider.close();
    }
  });
});

describe('OpenID Connect client settings', () => {
  test('A10: a plain-http issuer off loopback is refused even with allowInsecureLoopback', () => {
    for (const issuer of ['http://accounts.example.com', 'http://10.0.0.5:8080', 'http://127.0.0.1.example.com']) {
      assert.throws(
        () => createOidcClient({ id: 'test', issuer, clientId: 'x', allowInsecureLoopback: true }),
        (error: unknown) => isCustodianError(error) && error.code === 'ERR_CONFIG_INVALID',
        issuer,
      );
    }
  });

  test('A10: a plain-http loopback issuer needs allowInsecureLoopback; https and loopback with the flag are accepted', () => {
    assert.throws(
      () => createOidcClient({ id: 'test', issuer: 'http://127.0.0.1:8080', clientId: 'x' }),
      (error: unknown) => isCustodianError(error) && error.code === 'ERR_CONFIG_INVALID',
    );
    for (const issuer of ['http://127.0.0.1:8080', 'http://[::1]:8080', 'http://localhost:8080']) {
      assert.equal(createOidcClient({ id: 'local', issuer, clientId: 'x', allowInsecureLoopback: true }).id, 'local');
    }
    assert.equal(createOidcClient({ id: 'google', issuer: 'https://accounts.google.com', clientId: 'x' }).id, 'google');
  });
});

describe('test OpenID provider harness', () => {
  test('follows a sign-in that starts at the app and returns the cookies the app set', async () => {
    let begin: (() => ReturnType<OidcClient['begin']>) | undefined;
    let checks: SignInChecks | undefined;
    const app = createServer((req, res) => {
      void begin!().then((begun) => {
        checks = begun.checks;
        res.statusCode = 302;
        res.setHeader('location', begun.url);
        res.setHeader('set-cookie', 'signin=pending; Path=/auth; HttpOnly');
        res.end();
      });
    });
    const port = await listen(app);
    const redirectUri = `http://127.0.0.1:${port}/auth/test/callback`;
    const provider = await startOidcProvider({ redirectUris: [redirectUri], accounts: ACCOUNTS });
    const client = clientFor(provider);
    begin = () => client.begin(redirectUri);
    try {
      const result = await authorizeThrough(`http://127.0.0.1:${port}/auth/test/start`, 'alice', redirectUri, 'theme=dark');
      assert.ok(checks);
      assert.ok(result.callbackUrl.startsWith(`${redirectUri}?`));
      assert.equal(new URL(result.callbackUrl).searchParams.get('state'), checks.state);
      assert.equal(result.appCookies, 'theme=dark; signin=pending');
      assert.equal((await client.finish(new URL(result.callbackUrl), checks, redirectUri)).subject, 'alice');
    } finally {
      await closeServer(app);
      await provider.close();
    }
  });
});
