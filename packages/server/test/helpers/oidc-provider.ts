import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESSION_COOKIE } from '@custodian/server';

/**
 * A real OpenID provider (oidc-provider) on loopback for sign-in tests, with its own minimal login and
 * consent pages so a test can sign in without a browser through `authorizeThrough`.
 */
export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export interface TestAccount {
  email: string;
  name?: string;
  /** Defaults to true, as for a Google account. */
  emailVerified?: boolean;
}

/** Passed as `login` to `authorizeThrough`, presses Cancel on the provider's login page (the app gets error=access_denied). */
export const CANCEL_SIGN_IN = '\u0000cancel';

// oidc-provider publishes no types; this is the part the harness uses.
interface Interaction {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
}
interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}
interface Provider {
  silent: boolean;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object, options?: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: { new (init: { accountId: string; clientId: string }): Grant; find(id: string): Promise<Grant | undefined> };
}
type ProviderClass = new (issuer: string, configuration: object) => Provider;

let providerClass: Promise<ProviderClass> | undefined;

/** oidc-provider warns on import that Node 20 is not its supported runtime; that notice is noise in test output. */
function loadProvider(): Promise<ProviderClass> {
  providerClass ??= (async () => {
    const warn = console.warn;
    console.warn = () => {};
    try {
      const specifier = 'oidc-provider';
      const mod = (await import(specifier)) as { Provider: ProviderClass };
      return mod.Provider;
    } finally {
      console.warn = warn;
    }
  })();
  return providerClass;
}

interface Stored {
  payload: Record<string, unknown>;
  expiresAt: number;
}

/** An in-memory adapter of our own: the built-in one warns on every provider and shares one store per process. */
function memoryAdapter(): (model: string) => object {
  const store = new Map<string, Stored>();
  const live = (key: string): Stored | undefined => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };
  return (model: string) => ({
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
      store.set(`${model}:${id}`, { payload, expiresAt });
    },
    async find(id: string) {
      return live(`${model}:${id}`)?.payload;
    },
    async findByUid(uid: string) {
      for (const [key] of store) {
        const entry = key.startsWith(`${model}:`) ? live(key) : undefined;
        if (entry?.payload.uid === uid) return entry.payload;
      }
      return undefined;
    },
    async findByUserCode(userCode: string) {
      for (const [key] of store) {
        const entry = key.startsWith(`${model}:`) ? live(key) : undefined;
        if (entry?.payload.userCode === userCode) return entry.payload;
      }
      return undefined;
    },
    async consume(id: string) {
      const entry = live(`${model}:${id}`);
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id: string) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) {
        if (entry.payload.grantId === grantId && key.split(':')[0] !== 'Grant') store.delete(key);
      }
    },
  });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function page(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!DOCTYPE html><html><body>${body}</body></html>`);
}

/** The provider's login and consent pages: GET shows the form for the current prompt, POST completes it. */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const [, , uid, action] = path.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, 'interaction mismatch');
  const base = `/interaction/${encodeURIComponent(details.uid)}`;

  if (req.method === 'GET' && action === undefined) {
    if (details.prompt.name === 'login') {
      return page(
        res,
        200,
        `<form id="login" method="post" action="${base}/login"><input name="login"><button>Sign in</button></form>` +
          `<form id="cancel" method="post" action="${base}/abort"><button>Cancel</button></form>`,
      );
    }
    return page(res, 200, `<form id="consent" method="post" action="${base}/confirm"><button>Allow</button></form>`);
  }
  if (req.method !== 'POST') return page(res, 405, 'method not allowed');

  if (action === 'login') {
    const login = (await readForm(req)).get('login');
    if (!login) return page(res, 400, 'login required');
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  if (action === 'abort') {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'the user cancelled the sign-in' },
      { mergeWithLastSubmission: false },
    );
  }
  if (action === 'confirm' && details.prompt.name === 'consent') {
    const accountId = details.session?.accountId;
    if (!accountId) return page(res, 400, 'no session');
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) return page(res, 400, 'grant not found');
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    const consent = details.grantId ? {} : { grantId };
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  return page(res, 400, 'unknown interaction action');
}

export async function startOidcProvider(options: {
  redirectUris: string[];
  accounts?: Record<string, TestAccount>;
  /** Listen on this port instead of a free one (to bring a provider up where one was down). */
  port?: number;
}): Promise<TestProvider> {
  const Provider = await loadProvider();
  const accounts = options.accounts ?? {};
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handle) handle(req, res);
    else page(res, 503, 'starting');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = `custodian-test-${randomUUID()}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: randomUUID(), alg: 'RS256', use: 'sig' }] },
    adapter: memoryAdapter(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    async findAccount(_ctx: unknown, accountId: string) {
      const account = accounts[accountId];
      return {
        accountId,
        async claims() {
          if (!account) return { sub: accountId };
          return {
            sub: accountId,
            email: account.email,
            email_verified: account.emailVerified ?? true,
            ...(account.name === undefined ? {} : { name: account.name }),
          };
        },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Google puts email and name in the ID token itself; the client reads them from there, not from userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    async renderError(ctx: { type: string; body: unknown }, out: unknown) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  provider.silent = true;
  const providerHandler = provider.callback();
  handle = (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path.startsWith('/interaction/')) {
      interaction(provider, req, res, path).catch(() => {
        if (!res.headersSent) page(res, 400, 'interaction failed');
        else res.end();
      });
    } else {
      providerHandler(req, res);
    }
  };

  let closed: Promise<void> | undefined;
  return {
    issuer,
    clientId,
    clientSecret,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from fetch would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

interface Cookie {
  origin: string;
  name: string;
  value: string;
  path: string;
}

/** Just enough of a browser cookie jar for one sign-in: host-only cookies, path matching, deletion by expiry. */
class CookieJar {
  private cookies: Cookie[] = [];

  seed(origin: string, header: string): void {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      this.put({ origin, name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: '/' });
    }
  }

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = { origin: url.origin, name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: '/' };
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=').map((s) => s.trim());
        const lower = key.toLowerCase();
        if (lower === 'path' && value.startsWith('/')) cookie.path = value;
        if (lower === 'max-age' && Number(value) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(value) <= Date.now()) expired = true;
      }
      if (expired) this.remove(cookie);
      else this.put(cookie);
    }
  }

  header(url: URL): string {
    return this.cookies
      .filter((c) => c.origin === url.origin && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private put(cookie: Cookie): void {
    this.remove(cookie);
    this.cookies.push(cookie);
  }

  private remove(cookie: Cookie): void {
    this.cookies = this.cookies.filter((c) => !(c.origin === cookie.origin && c.name === cookie.name && c.path === cookie.path));
  }
}

function formAction(html: string, id: string): string | undefined {
  const match = new RegExp(`<form id="${id}" method="post" action="([^"]+)"`).exec(html);
  return match?.[1]?.replace(/&amp;/g, '&');
}

/**
 * Drives a browser-less sign-in: GETs `startUrl` (a Custodian sign-in URL that redirects to the provider, or the
 * provider's authorization URL itself), follows redirects with a cookie jar, completes the provider's login (as
 * account `login`, or presses Cancel for CANCEL_SIGN_IN) and consent, and stops at the first redirect back to the
 * app's callback (a URL starting with `callbackPrefix`) — returning that callback URL WITHOUT requesting it, plus the
 * cookies the app had set along the way.
 */
export async function authorizeThrough(
  startUrl: string,
  login: string,
  callbackPrefix: string,
  appCookies?: string,
): Promise<{ callbackUrl: string; appCookies: string }> {
  const jar = new CookieJar();
  const callbackOrigin = new URL(callbackPrefix).origin;
  if (appCookies) jar.seed(callbackOrigin, appCookies);

  let url = new URL(startUrl);
  let request: { method: 'GET' | 'POST'; body?: URLSearchParams } = { method: 'GET' };
  for (let step = 0; step < 20; step += 1) {
    const headers: Record<string, string> = {};
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const res = await fetch(url, { method: request.method, headers, body: request.body, redirect: 'manual' });
    jar.store(url, res.headers.getSetCookie());

    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (!location) throw new Error(`redirect without a location from ${url.origin}${url.pathname}`);
      url = new URL(location, url);
      if (url.href.startsWith(callbackPrefix)) {
        return { callbackUrl: url.href, appCookies: jar.header(url) };
      }
      request = { method: 'GET' };
      continue;
    }

    const html = await res.text();
    if (res.status !== 200) throw new Error(`${res.status} from ${url.origin}${url.pathname}: ${html.slice(0, 300)}`);
    const loginAction = formAction(html, 'login');
    const cancelAction = formAction(html, 'cancel');
    const consentAction = formAction(html, 'consent');
    if (loginAction && cancelAction) {
      request = login === CANCEL_SIGN_IN ? { method: 'POST', body: new URLSearchParams() } : { method: 'POST', body: new URLSearchParams({ login }) };
      url = new URL(login === CANCEL_SIGN_IN ? cancelAction : loginAction, url);
    } else if (consentAction) {
      request = { method: 'POST', body: new URLSearchParams() };
      url = new URL(consentAction, url);
    } else {
      throw new Error(`no login or consent form at ${url.origin}${url.pathname}`);
    }
  }
  throw new Error('sign-in did not reach the callback within 20 steps');
}

/**
 * A whole sign-in through the app at `base` as provider account `login`:
 * starts at `/v1/auth/signin/<provider>`, passes the provider, and requests
 * the callback with the cookies the app set on the way (its sign-in binding).
 * Returns the callback's response, unread.
 */
export async function signInThroughApp(base: string, login: string, provider = 'google'): Promise<Response> {
  const { callbackUrl, appCookies } = await authorizeThrough(`${base}/v1/auth/signin/${provider}`, login, `${base}/v1/auth/callback/${provider}`);
  return fetch(callbackUrl, { redirect: 'manual', headers: { cookie: appCookies } });
}

/** The session cookie a sign-in through the app sets, as a Cookie header; throws unless the callback signed in. */
export async function sessionCookieThroughApp(base: string, login: string, provider = 'google'): Promise<string> {
  const res = await signInThroughApp(base, login, provider);
  const token = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.match(/^[^=]+=([^;]+)/)?.[1];
  if (res.status !== 303 || !token) throw new Error(`sign-in as ${login} did not open a session (status ${res.status})`);
  return `${SESSION_COOKIE}=${token}`;
}
