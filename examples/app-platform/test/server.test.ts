import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { buildServer, createLogger, SESSION_COOKIE } from '@custodian/server';
import { sessionCookieThroughApp, signInThroughApp, startOidcProvider, type TestProvider } from '../../../packages/server/test/helpers/oidc-provider.js';
import { policy, routesFor, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

/** A free loopback port, so the provider can be told the app's redirect URI before the app listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const DAY_MS = 86_400_000;
type Project = { id: string; slug: string };

describe(`app-platform served with its policy, people signed in with Google through OpenID Connect (${testBackend()})`, () => {
  let db: Database;
  let provider: TestProvider;
  let app: FastifyInstance;
  let base: string;
  let creator: { id: string; email: string };
  let creatorProjects: string[];
  let othersProjects: Project[];

  const signIn = (login: string) => signInThroughApp(base, login);
  const signInCookie = (login: string) => sessionCookieThroughApp(base, login);

  const projectsOf = (cookie: string) => fetch(`${base}/v1/me/projects`, { headers: { cookie } });

  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 60, seed: 'server' });
    const creators = await db.query<{ id: string; email: string }>(
      `SELECT u.id::text, u.email FROM users u JOIN projects p ON p.owner_id = u.id
        WHERE u.kind = 'person' AND u.deleted_at IS NULL
        GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1`,
    );
    creator = creators.rows[0]!;
    creatorProjects = (await db.query<{ id: string }>(`SELECT id::text FROM projects WHERE owner_id = $1 ORDER BY id`, [creator.id])).rows.map((r) => r.id);
    othersProjects = (await db.query<Project>(`SELECT id::text, slug FROM projects WHERE owner_id <> $1`, [creator.id])).rows;
    assert.ok(creatorProjects.length >= 1 && othersProjects.length >= 1, 'the seed has projects of more than one creator');

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      redirectUris: [`${base}/v1/auth/callback/google`],
      accounts: {
        'google-creator': { email: creator.email, name: 'Creator' },
        // Claims the creator's address without Google having verified it.
        'google-impostor': { email: creator.email, name: 'Impostor', emailVerified: false },
      },
    });
    app = await buildServer({
      policy,
      db,
      logger: createLogger({ level: 'warn', destination: { write: () => {} } }),
      mode: 'development',
      api: {
        publicUrl: base,
        providers: [{ id: 'google', issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, allowInsecureLoopback: true, timeoutMs: 3000 }],
        routes: routesFor(db),
      },
    });
    await app.listen({ host: '127.0.0.1', port });
  });

  after(async () => {
    await app?.close();
    await provider?.close();
    await db?.close();
  });

  test('A10: a creator signed in with Google sees exactly their own projects, and nobody else’s', async () => {
    const res = await projectsOf(await signInCookie('google-creator'));
    assert.equal(res.status, 200);
    const text = await res.text();
    const { projects } = JSON.parse(text) as { projects: Project[] };
    assert.deepEqual(projects.map((p) => p.id).sort(), creatorProjects);
    for (const p of othersProjects) assert.ok(!text.includes(p.id) && !text.includes(`"${p.slug}"`), 'another creator’s project is in the answer');
  });

  test('A10: an address the provider has not verified matches no one’s rows', async () => {
    const res = await projectsOf(await signInCookie('google-impostor'));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { projects: [] });
  });

  test('A10: without a session the route is a 401', async () => {
    const res = await fetch(`${base}/v1/me/projects`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_REQUIRED');
  });

  test('A11: the session cookie is HttpOnly, Secure and SameSite=Lax; sign-out clears it and redirects to /', async () => {
    const res = await signIn('google-creator');
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    assert.match(setCookie, new RegExp(`^${SESSION_COOKIE}=[^;]+`));
    assert.match(setCookie, /;\s*HttpOnly/i);
    assert.match(setCookie, /;\s*Secure/i);
    assert.match(setCookie, /;\s*SameSite=Lax/i);
    const cookie = setCookie.split(';')[0]!;
    assert.equal((await projectsOf(cookie)).status, 200);

    const out = await fetch(`${base}/v1/auth/signout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/');
    assert.match(out.headers.get('set-cookie') ?? '', new RegExp(`^${SESSION_COOKIE}=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)`, 'i'));
    assert.equal((await projectsOf(cookie)).status, 401);
  });

  test('A7: deleting the account ends its sessions, files an erasure of the user due within 30 days, and refuses sign-in', async () => {
    const first = await signInCookie('google-creator');
    const second = await signInCookie('google-creator');
    const before = Date.now();
    const res = await fetch(`${base}/v1/auth/me/delete-request`, { method: 'POST', headers: { cookie: first, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 202);
    const body = (await res.json()) as { accountDeleted: boolean; requests: Array<{ id: string; kind: string; deadline: string }> };
    assert.equal(body.accountDeleted, true);
    assert.equal(body.requests.length, 1, 'one erasure request for their users row');
    assert.equal(body.requests[0]!.kind, 'erasure');
    const due = Date.parse(body.requests[0]!.deadline) - before;
    assert.ok(due > 30 * DAY_MS - 60_000 && due <= 30 * DAY_MS + 60_000, `deadline ${body.requests[0]!.deadline} is not 30 days out`);
    const filed = await db.query<{ subject: string; subject_key: string; kind: string }>(`SELECT subject, subject_key, kind FROM custodian.dsar_requests WHERE id = $1`, [body.requests[0]!.id]);
    assert.deepEqual(filed.rows, [{ subject: 'user', subject_key: creator.id, kind: 'erasure' }]);

    // Every session of the account ends, not only the one that asked.
    assert.equal((await projectsOf(first)).status, 401);
    assert.equal((await projectsOf(second)).status, 401);
    const again = await signIn('google-creator');
    assert.equal(again.status, 403);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_ACCOUNT_DELETED');
  });
});
