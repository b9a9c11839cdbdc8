import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createInvite } from '@custodian/core/auth';
import { APP_ROLE, type Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { buildServer, createLogger, SESSION_COOKIE } from '@custodian/server';
import { sessionCookieThroughApp, signInThroughApp, startOidcProvider, type TestProvider } from '../../../packages/server/test/helpers/oidc-provider.js';
import { policy, routesFor, seed } from '../src/index.js';
import { openMigrated } from './support.js';

/** A free loopback port, so the provider can be told the app's redirect URI before the app listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const DAY_MS = 86_400_000;

describe(`hiring-assessments served with its policy, staff signed in through OpenID Connect (${testBackend()})`, () => {
  let db: Database;
  let provider: TestProvider;
  let app: FastifyInstance;
  let base: string;
  const logs: string[] = [];
  /** The company the signed-in staff work at, and another one. */
  let mine: string;
  let other: string;
  let ownerEmail: string;
  let ownerMemberId: string;
  let ownerInvite: { id: string; token: string };
  const viewerEmail = 'viewer.reviewer@staff.example';
  const cookies: Record<string, string> = {};

  const signIn = (login: string) => signInThroughApp(base, login);
  const signInCookie = (login: string) => sessionCookieThroughApp(base, login);

  const get = (path: string, who: string) => fetch(`${base}${path}`, { headers: { cookie: cookies[who]! } });
  const post = (path: string, who: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { cookie: cookies[who]!, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 200, seed: 'server' });
    // Two running companies that both have session data.
    const companies = await db.query<{ id: string }>(
      `SELECT c.id::text FROM companies c JOIN assessment_sessions s ON s.company_id = c.id
        WHERE c.contract_ended_at IS NULL AND s.deleted_at IS NULL
        GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 2`,
    );
    assert.equal(companies.rows.length, 2, 'the seed has two running companies with sessions');
    [mine, other] = companies.rows.map((r) => r.id) as [string, string];
    const owner = await db.query<{ id: string; email: string }>(`SELECT id::text, email FROM company_members WHERE company_id = $1 AND role = 'owner' LIMIT 1`, [mine]);
    ({ id: ownerMemberId, email: ownerEmail } = owner.rows[0]!);

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      redirectUris: [`${base}/v1/auth/callback/google`],
      accounts: {
        // The provider's address in another case: sign-in normalises it to the staff row's.
        'google-owner': { email: ownerEmail.toUpperCase(), name: 'Company Owner' },
        'google-viewer': { email: viewerEmail, name: 'Viewer' },
      },
    });
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
    app = await buildServer({
      policy,
      db,
      logger,
      mode: 'development',
      api: {
        publicUrl: base,
        providers: [{ id: 'google', issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, allowInsecureLoopback: true, timeoutMs: 3000 }],
        routes: routesFor(db),
      },
    });
    await app.listen({ host: '127.0.0.1', port });

    // The company's first owner is invited from the command line; everyone after by the owner, through the API.
    ownerInvite = await createInvite(db, { tenant: mine, email: ownerEmail, role: 'owner', ttlSeconds: 3600, by: { type: 'system', id: 'setup' } });
    cookies.owner = await signInCookie('google-owner');
    const accepted = await post('/v1/invites/accept', 'owner', { token: ownerInvite.token });
    assert.equal(accepted.status, 200);
    assert.deepEqual(await accepted.json(), { tenant: mine, role: 'owner' });

    const invited = await post(`/v1/tenants/${mine}/invites`, 'owner', { email: viewerEmail, role: 'viewer' });
    assert.equal(invited.status, 201);
    const { token } = (await invited.json()) as { token: string };
    cookies.viewer = await signInCookie('google-viewer');
    const joined = await post('/v1/invites/accept', 'viewer', { token });
    assert.deepEqual(await joined.json(), { tenant: mine, role: 'viewer' });
  });

  after(async () => {
    await app?.close();
    await provider?.close();
    await db?.close();
  });

  test('C20: the invite that seated the owner is stored only as its SHA-256 and never logged', async () => {
    const { rows } = await db.query<{ token_hash: Uint8Array; row: string; used: boolean }>(
      `SELECT token_hash, to_jsonb(i)::text AS row, used_at IS NOT NULL AS used FROM custodian.invites i WHERE id = $1`,
      [ownerInvite.id],
    );
    assert.equal(rows.length, 1);
    assert.equal(Buffer.from(rows[0]!.token_hash).toString('hex'), createHash('sha256').update(ownerInvite.token).digest('hex'));
    assert.ok(!rows[0]!.row.includes(ownerInvite.token));
    assert.equal(rows[0]!.used, true);
    assert.ok(logs.length > 0);
    assert.ok(!logs.some((line) => line.includes(ownerInvite.token)), 'an invite token reached the log');
    // Single use: the same token does not seat anyone again.
    const again = await post('/v1/invites/accept', 'viewer', { token: ownerInvite.token });
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'ERR_INVITE_INVALID');
  });

  test('C18, C19: an owner lists their company’s sessions and candidates, exactly the rows the company holds, without event payloads', async () => {
    const res = await get(`/v1/tenants/${mine}/sessions`, 'owner');
    assert.equal(res.status, 200);
    const { sessions } = (await res.json()) as { sessions: Array<Record<string, unknown>> };
    const expected = await db.query<{ id: string }>(`SELECT id::text FROM assessment_sessions WHERE company_id = $1 AND deleted_at IS NULL ORDER BY id`, [mine]);
    assert.ok(expected.rows.length > 0);
    assert.deepEqual(sessions.map((s) => s.id).sort(), expected.rows.map((r) => r.id));
    for (const s of sessions) assert.deepEqual(Object.keys(s).sort(), ['candidateId', 'completedAt', 'id', 'score', 'startedAt', 'status', 'title']);

    const cands = await get(`/v1/tenants/${mine}/candidates`, 'owner');
    assert.equal(cands.status, 200);
    const { candidates } = (await cands.json()) as { candidates: Array<{ id: string; email: string }> };
    const held = await db.query<{ id: string }>(`SELECT id::text FROM candidates WHERE company_id = $1 AND deleted_at IS NULL ORDER BY id`, [mine]);
    assert.deepEqual(candidates.map((c) => c.id).sort(), held.rows.map((r) => r.id));
  });

  test('C19: another company’s sessions and candidates are a 404, like a company that does not exist, with none of its data', async () => {
    const theirs = await db.query<{ id: string; email: string }>(
      `SELECT s.id::text, c.email FROM assessment_sessions s JOIN candidates c ON c.company_id = s.company_id AND c.id = s.candidate_id WHERE s.company_id = $1`,
      [other],
    );
    assert.ok(theirs.rows.length > 0);
    for (const path of [`/v1/tenants/${other}/sessions`, `/v1/tenants/${other}/candidates`, '/v1/tenants/00000000-0000-4000-8000-00000000dead/sessions']) {
      const res = await get(path, 'owner');
      assert.equal(res.status, 404, path);
      const text = await res.text();
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'ERR_TENANT_NOT_FOUND');
      for (const row of theirs.rows) assert.ok(!text.includes(row.id) && !text.includes(row.email), `${path} leaked another company's data`);
    }
  });

  test('C18: a viewer is refused session data (403) but may list candidates', async () => {
    const res = await get(`/v1/tenants/${mine}/sessions`, 'viewer');
    assert.equal(res.status, 403);
    const text = await res.text();
    assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'ERR_AUTH_FORBIDDEN');
    assert.ok(!text.includes('"sessions"'));
    assert.equal((await get(`/v1/tenants/${mine}/candidates`, 'viewer')).status, 200);
  });

  test('C18: in the database too, a viewer’s transaction sees no session data, while a member’s and the candidate flow’s do', async () => {
    const counts = (memberRole?: string) =>
      db.transaction(
        async (tx) => {
          const { rows } = await tx.query<{ sessions: number; events: number; scorecards: number }>(
            `SELECT (SELECT count(*)::int FROM assessment_sessions) AS sessions, (SELECT count(*)::int FROM session_events) AS events,
                    (SELECT count(*)::int FROM scorecards) AS scorecards`,
          );
          return rows[0]!;
        },
        { role: APP_ROLE, tenantId: mine, readOnly: true, ...(memberRole ? { memberRole } : {}) },
      );
    assert.deepEqual(await counts('viewer'), { sessions: 0, events: 0, scorecards: 0 });
    const member = await counts('member');
    const held = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM assessment_sessions WHERE company_id = $1`, [mine]);
    assert.equal(member.sessions, held.rows[0]!.n);
    assert.ok(member.events > 0);
    assert.deepEqual(await counts('operator'), member);
    // No member role: the candidate's own flow and jobs, still bound to the one company.
    assert.deepEqual(await counts(), member);
  });

  test('C20: joining by invite is on the company’s audit log, which an owner exports as CSV and a viewer may not', async () => {
    const res = await get(`/v1/audit.csv?tenant=${mine}`, 'owner');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const csv = await res.text();
    assert.equal(csv.split('\n').filter((line) => line.includes('member.joined')).length, 2);
    assert.ok(csv.includes('member.invited'));
    assert.ok(!csv.includes(ownerInvite.token));
    assert.equal((await get(`/v1/audit.csv?tenant=${mine}`, 'viewer')).status, 403);
    assert.equal((await get(`/v1/audit.csv?tenant=${other}`, 'owner')).status, 404);
  });

  test('C10: a signed-in staff member downloads JSON with their account, sessions and their rows in the application', async () => {
    const res = await get('/v1/auth/me/export', 'owner');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment/);
    const doc = (await res.json()) as { account: { email: string }; sessions: unknown[]; memberships: Array<{ tenant: string; role: string }>; records: unknown[] };
    assert.equal(doc.account.email, ownerEmail);
    assert.ok(doc.sessions.length >= 1);
    assert.deepEqual(doc.memberships.map((m) => [m.tenant, m.role]), [[mine, 'owner']]);
    assert.ok(doc.records.length >= 1);
    const records = JSON.stringify(doc.records);
    assert.ok(records.includes(ownerMemberId), 'their company_members row is in the export');
    assert.ok(records.includes(ownerEmail));
  });

  test('C11: self-serve deletion files an erasure request due in 30 days (GDPR) and ends the session; signing in again is refused', async () => {
    const before = Date.now();
    const res = await post('/v1/auth/me/delete-request', 'owner', {});
    assert.equal(res.status, 202);
    assert.match(res.headers.get('set-cookie') ?? '', new RegExp(`${SESSION_COOKIE}=;`));
    const body = (await res.json()) as { accountDeleted: boolean; requests: Array<{ id: string; tenant: string; kind: string; deadline: string }> };
    assert.equal(body.accountDeleted, true);
    const ours = body.requests.filter((r) => r.tenant === mine);
    assert.equal(ours.length, 1, 'one erasure request for their staff row in their company');
    assert.equal(ours[0]!.kind, 'erasure');
    const due = Date.parse(ours[0]!.deadline) - before;
    assert.ok(due > 30 * DAY_MS - 60_000 && due <= 30 * DAY_MS + 60_000, `deadline ${ours[0]!.deadline} is not 30 days out`);

    const me = await get('/v1/auth/me', 'owner');
    assert.equal(me.status, 401);
    assert.equal((await get(`/v1/tenants/${mine}/sessions`, 'owner')).status, 401);
    const again = await signIn('google-owner');
    assert.equal(again.status, 403);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'ERR_AUTH_ACCOUNT_DELETED');
  });
});
