import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { buildServer, createLogger } from '@custodian/server';
import { hashInviteToken, policy, routesFor, seed } from '../src/index.js';
import { openMigrated } from './support.js';

/**
 * The hiring product's own abuse promises, with its own policy: candidate
 * invite lookups (C20) guarded by brute-force detection (C23), sign-in
 * limited per address and per identity (C21). Requests come from chosen
 * client addresses through Fastify's inject.
 */
describe(`hiring-assessments abuse protection with its policy (${testBackend()})`, () => {
  let db: Database;
  let app: FastifyInstance;
  let company: { id: string; name: string };
  const fresh = () => `inv_${randomBytes(32).toString('base64url')}`;
  // `stolen` is a real (expired) invite that the per-invite test alone tries.
  const tokens: Record<'live' | 'expired' | 'stolen', string> = { live: fresh(), expired: fresh(), stolen: fresh() };

  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 20, seed: 'abuse' });
    const row = await db.query<{ id: string; name: string; candidate: string }>(
      `SELECT c.id::text, c.name, k.id::text AS candidate FROM companies c JOIN candidates k ON k.company_id = c.id ORDER BY c.id, k.id LIMIT 1`,
    );
    company = row.rows[0]!;
    for (const [kind, token] of Object.entries(tokens)) {
      await db.query(
        `INSERT INTO invites (company_id, candidate_id, token_hash, expires_at, created_at)
         VALUES ($1, $2, $3, now() + ($4 || ' days')::interval, now() - interval '20 days')`,
        [company.id, row.rows[0]!.candidate, hashInviteToken(token), kind === 'live' ? '7' : '-1'],
      );
    }
    app = await buildServer({ policy, db, logger: createLogger({ level: 'silent' }), mode: 'development', api: { devSignIn: true, routes: routesFor(db) } });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await db?.close();
  });

  const lookup = (token: string, ip: string) => app.inject({ method: 'POST', url: '/v1/candidate-invites/lookup', remoteAddress: ip, payload: { token } });
  const guess = () => `inv_${randomBytes(32).toString('base64url')}`;
  const code = (res: { json(): unknown }) => (res.json() as { error?: { code: string } }).error?.code;

  test('C20: a live invite token finds its assessment; unknown and expired tokens get one answer', async () => {
    const live = await lookup(tokens.live, '192.0.2.1');
    assert.equal(live.statusCode, 200, live.body);
    assert.equal((live.json() as { company: string }).company, company.name);
    const unknown = await lookup(guess(), '192.0.2.1');
    const expired = await lookup(tokens.expired, '192.0.2.1');
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json(), expired.json());
  });

  test('C23: a scripted guessing run against invite lookups is blocked after bruteForce.maxFailures (10) tries and audited', async () => {
    const ip = '203.0.113.66';
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await lookup(guess(), ip)).statusCode);
    assert.deepEqual(statuses, [...Array(10).fill(404), ...Array(5).fill(429)]);
    const blocked = await lookup(tokens.live, ip);
    assert.equal(blocked.statusCode, 429, 'even a live token is refused from a blocked address');
    assert.equal(code(blocked), 'ERR_TOO_MANY_FAILURES');
    // bruteForce.blockFor is 1h in the policy.
    assert.ok(Number(blocked.headers['retry-after']) > 3500 && Number(blocked.headers['retry-after']) <= 3600);
    const { rows } = await db.query<{ metadata: string }>(
      `SELECT metadata::text AS metadata FROM custodian.audit_events WHERE tenant_id = '_platform' AND action = 'security.brute_force_blocked' AND host(ip) = $1`,
      [ip],
    );
    assert.equal(rows.length, 1);
    assert.deepEqual(JSON.parse(rows[0]!.metadata), { routeClass: 'invite-lookup', scope: 'ip', key: ip, level: 1, blockedForSeconds: 3600 });
    assert.equal((await lookup(tokens.live, '203.0.113.67')).statusCode, 200, 'another address is unaffected');
  });

  test('C23: one invite tried from many addresses is blocked, and its company sees the block in its own audit chain', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await lookup(tokens.stolen, `198.51.100.${i + 1}`)).statusCode);
    assert.deepEqual(statuses, [...Array(10).fill(404), 429]);
    const { rows } = await db.query<{ metadata: string }>(
      `SELECT metadata::text AS metadata FROM custodian.audit_events WHERE tenant_id = $1 AND action = 'security.brute_force_blocked'`,
      [company.id],
    );
    assert.equal(rows.length, 1);
    const metadata = JSON.parse(rows[0]!.metadata) as { scope: string; key: string };
    assert.equal(metadata.scope, 'target');
    assert.match(metadata.key, /^candidate-invite:[0-9a-f]{32}$/);
  });

  test('C21: sign-in is limited per address (rateLimits.signin.perIp, 20/min) and per identity (10 per 15 min)', async () => {
    const signIn = (email: string, ip: string) => app.inject({ method: 'POST', url: '/v1/auth/dev/signin', remoteAddress: ip, payload: { email } });
    const byAddress: number[] = [];
    for (let i = 0; i < 21; i++) byAddress.push((await signIn(`person${i}@staff.example`, '192.0.2.50')).statusCode);
    assert.deepEqual(byAddress, [...Array(20).fill(200), 429]);
    const refused = await signIn('late@staff.example', '192.0.2.50');
    assert.equal(code(refused), 'ERR_RATE_LIMITED');
    assert.equal(refused.headers['ratelimit-policy'], '20;w=60');
    // blockFor 5min.
    assert.ok(Number(refused.headers['retry-after']) > 60 && Number(refused.headers['retry-after']) <= 300);

    const byIdentity: number[] = [];
    for (let i = 0; i < 11; i++) byIdentity.push((await signIn('same.person@staff.example', `192.0.2.${100 + i}`)).statusCode);
    assert.deepEqual(byIdentity, [...Array(10).fill(200), 429]);
  });
});
