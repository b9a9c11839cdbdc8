import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createInvite } from '@custodian/core/auth';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { buildServer, createLogger } from '@custodian/server';
import { sessionCookieThroughApp, startOidcProvider, type TestProvider } from '../../../packages/server/test/helpers/oidc-provider.js';
import { policy, routes, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

/** A free loopback port, so the provider can be told the app's redirect URI before the app listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe(`agency-workspace served with its policy, people signed in through OpenID Connect (${testBackend()})`, () => {
  let db: Database;
  let provider: TestProvider;
  let app: FastifyInstance;
  let base: string;
  /** The workspace the signed-in people belong to, and another one. */
  let mine: string;
  let other: string;
  let ownerEmail: string;
  let viewerEmail: string;
  const cookies: Record<string, string> = {};

  const signInCookie = (login: string) => sessionCookieThroughApp(base, login);

  const get = (path: string, who: string) => fetch(`${base}${path}`, { headers: { cookie: cookies[who]! } });
  const post = (path: string, who: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { cookie: cookies[who]!, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 60, seed: 'server' });
    // Two workspaces with workrooms; the first also has a viewer among its people.
    const spaces = await db.query<{ id: string }>(
      `SELECT w.id::text FROM workspaces w
        WHERE EXISTS (SELECT 1 FROM workrooms r WHERE r.workspace_id = w.id)
        ORDER BY EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id AND m.role = 'viewer') DESC, w.id LIMIT 2`,
    );
    assert.equal(spaces.rows.length, 2, 'the seed has two workspaces with workrooms');
    [mine, other] = spaces.rows.map((r) => r.id) as [string, string];
    const people = await db.query<{ email: string; role: string }>(
      `SELECT u.email, m.role FROM workspace_members m JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = $1 AND m.role IN ('owner', 'viewer') AND u.deleted_at IS NULL ORDER BY m.role, u.email`,
      [mine],
    );
    ownerEmail = people.rows.find((p) => p.role === 'owner')!.email;
    viewerEmail = people.rows.find((p) => p.role === 'viewer')?.email ?? 'viewer@agency.example';

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      redirectUris: [`${base}/v1/auth/callback/google`],
      accounts: { 'google-owner': { email: ownerEmail, name: 'Owner' }, 'google-viewer': { email: viewerEmail, name: 'Viewer' } },
    });
    app = await buildServer({
      policy,
      db,
      logger: createLogger({ level: 'warn', destination: { write: () => {} } }),
      mode: 'development',
      api: {
        publicUrl: base,
        providers: [{ id: 'google', issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, allowInsecureLoopback: true, timeoutMs: 3000 }],
        routes,
      },
    });
    await app.listen({ host: '127.0.0.1', port });

    // The workspace's owner is invited from the command line; the viewer by the owner, through the API.
    const ownerInvite = await createInvite(db, { tenant: mine, email: ownerEmail, role: 'owner', ttlSeconds: 3600, by: { type: 'system', id: 'setup' } });
    cookies.owner = await signInCookie('google-owner');
    assert.deepEqual(await (await post('/v1/invites/accept', 'owner', { token: ownerInvite.token })).json(), { tenant: mine, role: 'owner' });
    const invited = await post(`/v1/tenants/${mine}/invites`, 'owner', { email: viewerEmail, role: 'viewer' });
    assert.equal(invited.status, 201);
    const { token } = (await invited.json()) as { token: string };
    cookies.viewer = await signInCookie('google-viewer');
    assert.deepEqual(await (await post('/v1/invites/accept', 'viewer', { token })).json(), { tenant: mine, role: 'viewer' });
  });

  after(async () => {
    await app?.close();
    await provider?.close();
    await db?.close();
  });

  test('B9: owner and viewer both read their workspace’s workrooms, exactly the rows it holds', async () => {
    const held = await db.query<{ id: string; messages: number }>(
      `SELECT r.id::text, (SELECT count(*)::int FROM messages m WHERE m.workspace_id = r.workspace_id AND m.workroom_id = r.id) AS messages
         FROM workrooms r WHERE r.workspace_id = $1 ORDER BY r.id`,
      [mine],
    );
    assert.ok(held.rows.length > 0);
    for (const who of ['owner', 'viewer']) {
      const res = await get(`/v1/tenants/${mine}/workrooms`, who);
      assert.equal(res.status, 200, who);
      const { workrooms } = (await res.json()) as { workrooms: Array<{ id: string; messages: number }> };
      assert.deepEqual(
        workrooms.map((w) => ({ id: w.id, messages: w.messages })).sort((a, b) => a.id.localeCompare(b.id)),
        held.rows,
      );
      // Sealed content (B1) is never part of a listing.
      assert.ok(!JSON.stringify(workrooms).includes('ciphertext'));
    }
  });

  test('B9: another workspace’s workrooms are a 404, like a workspace that does not exist, with none of its data', async () => {
    const theirs = await db.query<{ id: string; name: string }>(`SELECT id::text, name FROM workrooms WHERE workspace_id = $1`, [other]);
    assert.ok(theirs.rows.length > 0);
    for (const path of [`/v1/tenants/${other}/workrooms`, '/v1/tenants/00000000-0000-4000-8000-00000000dead/workrooms']) {
      const res = await get(path, 'owner');
      assert.equal(res.status, 404, path);
      const text = await res.text();
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'ERR_TENANT_NOT_FOUND');
      for (const row of theirs.rows) assert.ok(!text.includes(row.id), `${path} leaked another workspace's data`);
    }
  });

  test('B3: the owner exports the activity log as CSV, with the members who joined by invite; a viewer may not', async () => {
    const res = await get(`/v1/audit.csv?tenant=${mine}`, 'owner');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const csv = await res.text();
    const joined = csv.split('\n').filter((line) => line.includes('member.joined'));
    assert.equal(joined.length, 2, 'the owner and the viewer joined by invite');
    assert.ok(csv.includes('member.invited'));
    // B9: reading the activity log is for owners and admins.
    const viewer = await get(`/v1/audit.csv?tenant=${mine}`, 'viewer');
    assert.equal(viewer.status, 403);
    assert.equal(((await viewer.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_FORBIDDEN');
    assert.equal((await get(`/v1/audit.csv?tenant=${other}`, 'owner')).status, 404);
  });

  test('B9: a viewer may not invite people', async () => {
    const res = await post(`/v1/tenants/${mine}/invites`, 'viewer', { email: 'someone@agency.example', role: 'member' });
    assert.equal(res.status, 403);
  });

  test('requests go through the tracked DSAR flow: the policy offers no self-service export or deletion, so neither endpoint exists', async () => {
    assert.equal((await get('/v1/auth/me/export', 'owner')).status, 404);
    assert.equal((await post('/v1/auth/me/delete-request', 'owner', {})).status, 404);
    assert.equal((await get('/v1/auth/me', 'owner')).status, 200);
  });
});
