// An authenticated, tenant-scoped read over HTTP on loopback: Custodian's
// server (session lookup, role check, a transaction as the application role
// with the tenant set, a row-level-security-filtered query, security headers,
// the request log line through the redacting logger) against a bare Fastify
// route doing the same SELECT on the same pool, in the same run. Two more
// bare variants split the gap: + the same tenant transaction, and + the
// session lookup as well (all of Custodian's database work, none of its HTTP
// layer). Always PostgreSQL (DATABASE_URL, default the local server): a fresh
// database is created for the run and dropped afterwards.
//
// The load generator (autocannon) runs in a child process, so it does not
// share the server's event loop; on this 2-core machine it still shares the
// CPUs with the server and with PostgreSQL, as every variant does.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { fastify, type FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { addMember, resolveSession, signIn } from '@custodian/core/auth';
import { APP_ROLE, coreMigrations, migrate, openDatabase, type Database } from '@custodian/core/db';
import { buildServer, createLogger, redactorForPolicy, SESSION_COOKIE } from '@custodian/server';
import { CHAT_SQL, chatPolicy, messagesRoute } from '../../packages/server/test/api/harness.js';
import { report, type Result } from '../report.js';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const TENANT = 'ws-a';
const OTHERS = ['ws-b', 'ws-c'];
const MESSAGES_PER_WORKSPACE = 1000;
const LIMIT = 20;
const BARE_SQL = `SELECT id::text, member_id::text, body FROM messages WHERE workspace_id = $1 ORDER BY id DESC LIMIT ${LIMIT}`;
// What Custodian's handler runs inside the tenant transaction: RLS supplies the WHERE.
const TENANT_SQL = `SELECT id::text, member_id::text, body FROM messages ORDER BY id DESC LIMIT $1`;

interface Variant {
  key: string;
  label: string;
  url: string;
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** One autocannon run in a child process; returns its summary. */
function cannon(url: string, cookie: string, seconds: number): Promise<Measured> {
  const lib = pathToFileURL(createRequire(import.meta.url).resolve('autocannon')).href;
  const script = `
    const { default: autocannon } = await import(${JSON.stringify(lib)});
    const r = await autocannon({ url: ${JSON.stringify(url)}, connections: 10, pipelining: 1, duration: ${seconds},
      headers: { cookie: ${JSON.stringify(cookie)} } });
    process.stdout.write(JSON.stringify({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
      total: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Measured) : reject(new Error(`autocannon exited with ${code}`))));
  });
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/tenants/${TENANT}/messages?limit=${LIMIT}`;
}

/** The session token from a `name=value; name2=value2` Cookie header, the simple way. */
function tokenFrom(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Custodian's own transaction for a member's read, as `tenant.tx(fn, { readOnly: true })` opens it. */
function tenantRead(db: Database, role: string) {
  return db.transaction(async (tx) => ({ messages: (await tx.query(TENANT_SQL, [LIMIT])).rows }), {
    tenantId: TENANT,
    role: APP_ROLE,
    memberRole: role,
    readOnly: true,
  });
}

/** Every statement the pg driver sends while `fn` runs: the round trips of one request. */
async function statementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0];
    seen.push((typeof q === 'string' ? q : (q as { text?: string }).text ?? '?').replace(/\s+/g, ' ').slice(0, 60));
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return seen;
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const base = process.env.DATABASE_URL ?? DEFAULT_URL;
  const name = `custodian_bench_http_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(base);
  target.pathname = `/${name}`;
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = load();
  // The CLI's way of opening the database, so the pool has its production size.
  const db = await openDatabase({ url: target.toString() });
  const servers: FastifyInstance[] = [];
  try {
    await migrate(db, coreMigrations());
    await db.exec(CHAT_SQL);
    const all = [TENANT, ...OTHERS];
    await db.query(`INSERT INTO workspaces SELECT w, upper(w) FROM unnest($1::text[]) w`, [all]);
    await db.query(`INSERT INTO members (workspace_id, email, name) SELECT w, w || '@example.com', w FROM unnest($1::text[]) w`, [all]);
    // Interleaved, so the newest rows of the table belong to every workspace and RLS has rows to filter out.
    await db.query(
      `INSERT INTO messages (workspace_id, member_id, body)
       SELECT m.workspace_id, m.id, 'message ' || g || ' in ' || m.workspace_id || ': ' || repeat('lorem ipsum ', 4)
         FROM generate_series(1, $1::int) g CROSS JOIN members m ORDER BY g, m.workspace_id`,
      [MESSAGES_PER_WORKSPACE],
    );
    await db.exec('VACUUM ANALYZE messages');
    // Other people's live sessions, so the session lookup is not in a one-row table.
    for (let i = 0; i < 50; i++) {
      const other = await signIn(db, { issuer: 'development', subject: `other-${i}@example.com`, email: `other-${i}@example.com`, name: null }, { ttlSeconds: 3600 });
      await addMember(db, all[i % all.length]!, { accountId: other.account.id, role: 'member', by: 'bench' });
    }
    const { account, session } = await signIn(db, { issuer: 'development', subject: 'owner@example.com', email: 'owner@example.com', name: 'Owner' }, { ttlSeconds: 3600 });
    await addMember(db, TENANT, { accountId: account.id, role: 'owner', by: 'bench' });
    const cookie = `${SESSION_COOKIE}=${session.token}`;

    // Custodian as `custodian serve` builds it: the policy's redactor on a pino logger at info, into /dev/null.
    const policy = chatPolicy();
    const logger = createLogger({ level: 'info', redactor: redactorForPolicy(policy), destination: pino.destination({ dest: '/dev/null', sync: true }) });
    const custodian = await buildServer({ policy, db, logger, mode: 'production', api: { routes: messagesRoute } });
    servers.push(custodian);

    // The bare variants have no logger (Fastify's default): the request log line is counted as Custodian's cost.
    const bare = fastify();
    bare.get('/v1/tenants/:tenant/messages', async (request) => ({
      messages: (await db.query(BARE_SQL, [(request.params as { tenant: string }).tenant])).rows,
    }));
    servers.push(bare);

    const withTx = fastify();
    withTx.get('/v1/tenants/:tenant/messages', async () => tenantRead(db, 'owner'));
    servers.push(withTx);

    const withSession = fastify();
    withSession.get('/v1/tenants/:tenant/messages', async (request, reply) => {
      const tenant = (request.params as { tenant: string }).tenant;
      const found = await resolveSession(db, tokenFrom(request.headers.cookie), { tenant });
      if (!found?.role) return reply.code(401).send({ error: 'no session or no membership' });
      return tenantRead(db, found.role);
    });
    servers.push(withSession);

    const variants: Variant[] = [
      { key: 'custodian', label: 'Custodian: buildServer + tenant route (pino info → /dev/null)', url: await listen(custodian) },
      { key: 'bare', label: 'bare Fastify, one SELECT on the same pool (no logger)', url: await listen(bare) },
      { key: 'tx', label: 'bare Fastify + the tenant transaction (no session lookup, no logger)', url: await listen(withTx) },
      { key: 'session+tx', label: 'bare Fastify + session lookup + the tenant transaction (no logger)', url: await listen(withSession) },
    ];

    // Every variant must answer the same 20 messages of the one workspace before any is timed.
    const expected = (await db.query<{ id: string }>(BARE_SQL, [TENANT])).rows;
    if (expected.length !== LIMIT) throw new Error(`the seed gave ${expected.length} messages, not ${LIMIT}`);
    for (const v of variants) {
      const res = await fetch(v.url, { headers: { cookie } });
      const body = (await res.json()) as { messages?: { id: string; body: string }[] };
      const ids = body.messages?.map((m) => m.id).join(',');
      if (res.status !== 200 || ids !== expected.map((m) => m.id).join(',') || !body.messages!.every((m) => m.body.endsWith(`in ${TENANT}: ${'lorem ipsum '.repeat(4)}`))) {
        throw new Error(`${v.key} answered ${res.status} with other messages than the workspace's latest ${LIMIT}`);
      }
    }

    // Round trips per request, counted at the driver.
    const trips: Record<string, string[]> = {
      custodian: await statementsDuring(async () => {
        const r = await custodian.inject({ method: 'GET', url: new URL(variants[0]!.url).pathname + '?limit=20', headers: { cookie } });
        if (r.statusCode !== 200) throw new Error(`custodian answered ${r.statusCode}`);
      }),
      bare: await statementsDuring(() => db.query(BARE_SQL, [TENANT])),
      tx: await statementsDuring(() => tenantRead(db, 'owner')),
      'session+tx': await statementsDuring(async () => {
        await resolveSession(db, session.token, { tenant: TENANT });
        await tenantRead(db, 'owner');
      }),
    };
    for (const [k, list] of Object.entries(trips)) process.stderr.write(`round trips, ${k}: ${list.length}: ${list.join(' | ')}\n`);

    const seconds = quick ? 3 : 10;
    const warm = quick ? 1 : 3;
    const rounds = 2;
    for (const v of variants) await cannon(v.url, cookie, warm);
    const runs = new Map<string, Measured[]>(variants.map((v) => [v.key, []]));
    for (let r = 0; r < rounds; r++) {
      // Alternating, best of each: a noisy neighbour slows a window down, never speeds one up.
      for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
        const m = await cannon(v.url, cookie, seconds);
        process.stderr.write(`round ${r + 1} ${v.key}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, non-2xx ${m.non2xx}, errors ${m.errors}\n`);
        if (m.non2xx > 0 || m.errors > 0 || m.timeouts > 0) {
          throw new Error(`${v.key}: ${m.non2xx} non-2xx responses, ${m.errors} errors, ${m.timeouts} timeouts in ${m.total} requests`);
        }
        runs.get(v.key)!.push(m);
      }
    }
    const best = new Map(variants.map((v) => [v.key, runs.get(v.key)!.reduce((a, b) => (b.rps > a.rps ? b : a))]));
    const results: Result[] = [];
    for (const v of variants) {
      const m = best.get(v.key)!;
      results.push(
        { name: `${v.label}: requests/s`, value: m.rps, unit: 'req/s', note: `best of ${rounds}; ${trips[v.key]!.length} round trips/request` },
        { name: `${v.key}: p50 latency`, value: m.p50, unit: 'ms' },
        { name: `${v.key}: p99 latency`, value: m.p99, unit: 'ms' },
        { name: `${v.key}: non-2xx responses`, value: runs.get(v.key)!.reduce((n, x) => n + x.non2xx, 0), unit: 'responses', note: 'must be 0' },
      );
    }
    const rps = (k: string) => best.get(k)!.rps;
    const ratios: Record<string, number> = {
      'custodian / bare (goal ≥ 0.70)': rps('custodian') / rps('bare'),
      'bare + tenant tx / bare': rps('tx') / rps('bare'),
      'bare + session + tenant tx / bare': rps('session+tx') / rps('bare'),
      'custodian / bare + session + tenant tx (the HTTP layer: logging, headers, validation)': rps('custodian') / rps('session+tx'),
    };
    report('http', results, ratios, {
      backend: 'PostgreSQL (loopback)',
      pool: 'one openDatabase pool (max 10, the default) for every variant',
      autocannon: `10 connections, pipelining 1, ${rounds} × ${seconds} s per variant after ${warm} s warm-up`,
      messages: `${MESSAGES_PER_WORKSPACE} per workspace × ${all.length}`,
      'load average before/after': `${loadBefore} / ${load()}`,
      quick: String(quick),
    });
  } finally {
    for (const s of servers) await s.close().catch(() => {});
    await db.close();
    const dropper = new pg.Client({ connectionString: base });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => dropper.end());
  }
}
