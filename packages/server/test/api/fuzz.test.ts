import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES } from '@custodian/core/errors';
import { startApi, type ApiHarness } from './harness.js';
import { listOperations, type Operation } from './matrix-support.js';
import {
  arbitraryBody,
  arbitrarySegment,
  CONTENT_TYPES,
  COOKIES,
  ECHO_PROBES,
  FUZZ_SEED,
  INJECTIONS,
  MALFORMED_JSON,
  MARK,
  PATH_VALUES,
  POLLUTION,
  rawEncode,
  WRONG_TYPES,
} from './fuzz-support.js';

/**
 * Every endpoint of `/openapi.json`, signed in as ws-a's owner and without a
 * session, fed input that no route may accept. Each answer must be a clean
 * 4xx `{ error: { code, message } }` with a known code (or, where the input
 * is ignored by design, a normal answer), never a 5xx, a stack trace or the
 * input echoed back; and none of it may write a row.
 */

const STACK = /\n\s+at .+:\d+:\d+/;
const COUNTED = [
  'custodian.accounts',
  'custodian.sessions',
  'custodian.memberships',
  'custodian.invites',
  'custodian.dsar_requests',
  'custodian.operator_grants',
  'custodian.ip_blocks',
  'public.workspaces',
  'public.members',
  'public.messages',
];

interface Probe {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Where only a 4xx is right: the input is invalid for the route. Otherwise anything below 500 (the input is ignored by design). */
  mustReject: boolean;
  label: string;
}

interface Finding {
  label: string;
  request: string;
  problem: string;
}

let h: ApiHarness;
let operations: Operation[];
let owner: { cookie: string; accountId: string; token: string };
let before_: Record<string, number>;
const findings: Finding[] = [];
let sent = 0;

/**
 * Inputs found to break a rule and not fixed here; each is asserted in a
 * todo test below so it is on record until the server is fixed.
 */
// Found by this run and fixed: a client-chosen query key echoed in a validation message (validation.ts
// prints only declared field names), and U+0000 in audit filters reaching the database as a 500
// (every string is checked for NUL before validation). Add an entry here for a finding left unfixed.
const KNOWN: ReadonlyArray<{ match: (f: Finding) => boolean; todo: string }> = [];

/** Input each route accepts, so a bad cookie is the only thing wrong and 401 the only right answer. */
const VALID: Record<string, { query?: string; body?: unknown }> = {
  'POST /v1/auth/me/delete-request': { body: {} },
  'POST /v1/invites/accept': { body: { token: 'x'.repeat(43) } },
  'PATCH /v1/tenants/{tenant}/members/{account}': { body: { role: 'owner' } },
  'POST /v1/tenants/{tenant}/invites': { body: { email: 'cookie@fuzz.example', role: 'viewer' } },
  'POST /v1/tenants/{tenant}/requests': { body: { kind: 'access', subject: 'member', identity: 'email', value: 'ada@example.com' } },
  'POST /v1/admin/grants': { body: { tenant: 'ws-a', justification: 'a justification long enough', ticket: 'T-1', duration: '1h' } },
  'POST /v1/admin/blocklist': { body: { network: '203.0.113.9', reason: 'fuzz', expiresIn: '1h' } },
  'GET /v1/audit': { query: 'tenant=ws-a' },
  'GET /v1/audit.csv': { query: 'tenant=ws-a' },
};

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of COUNTED) out[table] = Number((await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return out;
}

/** Real ids for the parameters not being fuzzed, so the fuzzed one is the only thing wrong. */
function fill(op: Operation, override: Record<string, string> = {}): string {
  const ids: Record<string, string> = { tenant: 'ws-a', account: owner.accountId, provider: 'google', request: '00000000-0000-4000-8000-000000000001', invite: '00000000-0000-4000-8000-000000000002', grant: '00000000-0000-4000-8000-000000000003', entry: '00000000-0000-4000-8000-000000000004' };
  return op.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => override[name] ?? ids[name]!);
}

const hasBody = (op: Operation) => BODY_OPS.has(op.key);
let BODY_OPS = new Set<string>();
let QUERY_OPS = new Set<string>();
/** Sign-out ends whatever session it is sent, whatever the input: it never gets the owner's cookie. */
const cookieFor = (op: Operation, signedIn: boolean) => (signedIn && op.key !== 'POST /v1/auth/signout' && op.key !== 'POST /v1/auth/dev/signin' ? owner.cookie : undefined);

async function send(p: Probe): Promise<void> {
  sent++;
  const res = await h.app.inject({ method: p.method as 'GET', url: p.url, headers: p.headers ?? {}, ...(p.body === undefined ? {} : { payload: p.body }) });
  const request = `${p.method} ${p.url.length > 160 ? `${p.url.slice(0, 160)}…(${p.url.length})` : p.url} headers=${JSON.stringify(p.headers ?? {}).replace(owner.token, '<owner token>').slice(0, 200)} body=${p.body === undefined ? '-' : JSON.stringify(String(p.body).slice(0, 120))}${p.body && p.body.length > 120 ? `…(${p.body.length})` : ''}`;
  const problems: string[] = [];
  if (res.statusCode >= 500) problems.push(`status ${res.statusCode}`);
  if (p.mustReject && (res.statusCode < 400 || res.statusCode >= 500)) problems.push(`accepted invalid input with ${res.statusCode}`);
  if (STACK.test(res.body)) problems.push('stack trace in the body');
  if (res.statusCode >= 400) {
    let parsed: { error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      problems.push(`non-JSON error body: ${res.body.slice(0, 80)}`);
    }
    if (parsed) {
      const keys = Object.keys(parsed);
      const code = parsed.error?.code;
      if (keys.length !== 1 || typeof code !== 'string' || typeof parsed.error?.message !== 'string' || Object.keys(parsed.error!).length !== 2) problems.push(`not {error:{code,message}}: ${res.body.slice(0, 120)}`);
      else if (!Object.hasOwn(ERROR_CODES, code)) problems.push(`unknown code ${code}`);
      const text = res.body.toLowerCase();
      const echoed = ECHO_PROBES.filter((e) => text.includes(e.toLowerCase()));
      if (echoed.length > 0) problems.push(`echoes ${echoed.join(', ')}: ${res.body.slice(0, 160)}`);
    }
  }
  for (const problem of problems) findings.push({ label: p.label, request, problem });
}

/** Every invalid input for one operation, signed in or not. */
async function fuzzOperation(op: Operation, signedIn: boolean): Promise<void> {
  const cookie = cookieFor(op, signedIn);
  const base = { ...(cookie ? { cookie } : {}) };
  const json = { ...base, 'content-type': 'application/json' };
  const url = fill(op);
  const who = signedIn ? 'owner' : 'no session';
  const writes = op.method !== 'GET';

  // Bodies: these fail in the parser or the schema before any handler runs.
  if (writes) {
    for (const body of MALFORMED_JSON) await send({ method: op.method, url, headers: json, body, mustReject: true, label: `${op.key} malformed JSON (${who})` });
    await send({ method: op.method, url, headers: json, body: `{"a":"${'x'.repeat(70 * 1024)}"}`, mustReject: true, label: `${op.key} body > 64 KiB (${who})` });
    await send({ method: op.method, url, headers: json, body: `{"a":"${'x'.repeat(1100 * 1024)}"}`, mustReject: true, label: `${op.key} body > 1 MiB (${who})` });
    await send({ method: op.method, url, headers: json, body: '['.repeat(100_000), mustReject: true, label: `${op.key} 100k [ (${who})` });
    for (const body of POLLUTION) await send({ method: op.method, url, headers: json, body, mustReject: true, label: `${op.key} prototype pollution (${who})` });
    for (const type of CONTENT_TYPES) {
      const headers = { ...base, ...(type ? { 'content-type': type } : {}) };
      // Text bodies reach handlers that take no body; those may answer normally, nothing else may.
      await send({ method: op.method, url, headers, body: `${MARK}=1&<x/>`, mustReject: hasBody(op), label: `${op.key} content-type ${type || 'none'} (${who})` });
    }
  }
  if (hasBody(op)) {
    const nested = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    await send({ method: op.method, url, headers: json, body: nested, mustReject: true, label: `${op.key} deeply nested valid JSON (${who})` });
    const props = Object.keys(op.body?.properties ?? {});
    const extra = { ...Object.fromEntries(props.map((p) => [p, `${MARK}@x.example`])), [`${MARK}_extra`]: 1 };
    await send({ method: op.method, url, headers: json, body: JSON.stringify(extra), mustReject: true, label: `${op.key} extra field (${who})` });
    if ((op.body?.required ?? []).length > 0) await send({ method: op.method, url, headers: json, body: '{}', mustReject: true, label: `${op.key} missing fields (${who})` });
    for (const value of WRONG_TYPES) {
      for (const p of props) await send({ method: op.method, url, headers: json, body: JSON.stringify({ [p]: value }), mustReject: true, label: `${op.key} wrong type for ${p} (${who})` });
    }
    for (const value of INJECTIONS) {
      // Every field at once gets the injection: no valid combination is left to act on.
      const body = JSON.stringify(Object.fromEntries(props.map((p) => [p, value])));
      await send({ method: op.method, url, headers: json, body, mustReject: true, label: `${op.key} injection/unicode in every field (${who})` });
    }
  }
  // Path parameters, one at a time.
  for (const param of op.params) {
    for (const value of PATH_VALUES) {
      await send({ method: op.method, url: fill(op, { [param]: value }), headers: writes ? json : base, ...(writes ? { body: '{}' } : {}), mustReject: true, label: `${op.key} path :${param} (${who})` });
    }
  }
  // Query strings: an unknown key, each known key given injections, a very long one, pollution.
  const sep = url.includes('?') ? '&' : '?';
  const q = (s: string) => `${url}${sep}${s}`;
  const strictQuery = QUERY_OPS.has(op.key);
  // A write's body is one its schema refuses (or none), so a route that ignores the query still acts on nothing.
  const noBody = writes ? { headers: json, body: hasBody(op) ? `{"${MARK}_extra":1}` : '{}' } : { headers: base };
  const queryProbe = (query: string, label: string, mustReject: boolean) => send({ method: op.method, url: q(query), ...noBody, mustReject: mustReject && !(writes && !hasBody(op) && !strictQuery), label: `${op.key} ${label} (${who})` });
  // A route with a query schema rejects unknown keys; one without ignores the query, so may answer normally.
  await queryProbe(`${MARK}_extra=${rawEncode(INJECTIONS[0]!)}`, 'unknown query key', strictQuery);
  await queryProbe(`${MARK}=${'q'.repeat(10_000)}`, 'long query string', strictQuery);
  await queryProbe(`__proto__[polluted]=${MARK}&constructor[prototype][polluted]=${MARK}`, 'query pollution', strictQuery);
  for (const name of op.queryNames) {
    for (const value of INJECTIONS) await queryProbe(`${op.path.startsWith('/v1/audit') && name !== 'tenant' ? 'tenant=ws-a&' : ''}${name}=${rawEncode(value)}`, `query ${name}=injection`, false);
  }
}

before(async () => {
  h = await startApi();
  owner = await h.signInAs('owner-a@fuzz.example');
  await h.seat(owner.accountId, 'ws-a', 'owner');
  operations = await listOperations(h.app);
  BODY_OPS = new Set(operations.filter((o) => o.body).map((o) => o.key));
  QUERY_OPS = new Set(operations.filter((o) => o.queryNames.length > 0).map((o) => o.key));
  before_ = await counts();
});

after(async () => {
  await h?.close();
});

const unexplained = () => findings.filter((f) => !KNOWN.some((k) => k.match(f)));
const report = (list: Finding[]) => list.slice(0, 40).map((f) => `- ${f.problem}\n    ${f.label}\n    ${f.request}`).join('\n') + (list.length > 40 ? `\n… and ${list.length - 40} more` : '');

test('every endpoint answers malformed, oversized, nested, polluting, mistyped, injected and unicode input signed in as owner with a clean 4xx', async () => {
  for (const op of operations) await fuzzOperation(op, true);
  const bad = unexplained();
  assert.equal(bad.length, 0, `${bad.length} findings after ${sent} requests:\n${report(bad)}`);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined, 'Object.prototype was polluted');
});

test('every endpoint answers the same input without a session with a clean 4xx', async () => {
  const start = findings.length;
  for (const op of operations) await fuzzOperation(op, false);
  const bad = unexplained().filter((f) => findings.indexOf(f) >= start);
  assert.equal(bad.length, 0, `${bad.length} findings:\n${report(bad)}`);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});

test('bad session cookies read as no session: 401 on every non-public route, never a 5xx', async () => {
  const start = findings.length;
  for (const op of operations) {
    for (const [name, make] of COOKIES) {
      const headers: Record<string, string> = { cookie: make(owner.token) };
      const write = op.method !== 'GET';
      // Public routes ignore the cookie (sign-out with an unresolvable one ends nothing); the rest must refuse.
      const valid = VALID[op.key] ?? {};
      const url = `${fill(op)}${valid.query ? `?${valid.query}` : ''}`;
      const res = await h.app.inject({ method: op.method as 'GET', url, headers: write ? { ...headers, 'content-type': 'application/json' } : headers, ...(write ? { payload: JSON.stringify(valid.body ?? {}) } : {}) });
      sent++;
      const isPublic = op.declared.public;
      const request = `${op.method} ${url} cookie=${name}`;
      if (res.statusCode >= 500) findings.push({ label: `${op.key} cookie ${name}`, request, problem: `status ${res.statusCode}` });
      if (!isPublic && (res.statusCode !== 401 || JSON.parse(res.body).error?.code !== 'ERR_AUTH_REQUIRED')) findings.push({ label: `${op.key} cookie ${name}`, request, problem: `expected 401 ERR_AUTH_REQUIRED, got ${res.statusCode} ${res.body.slice(0, 100)}` });
      if (STACK.test(res.body) || res.body.toLowerCase().includes(MARK)) findings.push({ label: `${op.key} cookie ${name}`, request, problem: 'stack or echo' });
    }
  }
  const bad = unexplained().filter((f) => findings.indexOf(f) >= start);
  assert.equal(bad.length, 0, `${bad.length} findings:\n${report(bad)}`);
  // The owner's real session survived all of it (a duplicated cookie is refused, not used).
  assert.equal((await h.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { cookie: owner.cookie } })).statusCode, 200);
});

test('generated bodies, path segments and query values (fast-check, fixed seed) never get a 5xx, a stack or an echo', async () => {
  const start = findings.length;
  const bodyOps = operations.filter((o) => o.body);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...bodyOps), arbitraryBody, fc.boolean(), async (op, body, signedIn) => {
      const cookie = cookieFor(op, signedIn);
      await send({ method: op.method, url: fill(op), headers: { ...(cookie ? { cookie } : {}), 'content-type': 'application/json' }, body: JSON.stringify(body), mustReject: true, label: `${op.key} generated body` });
    }),
    { seed: FUZZ_SEED, numRuns: 150 },
  );
  const paramOps = operations.filter((o) => o.params.length > 0);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...paramOps), arbitrarySegment, fc.nat(), async (op, segment, i) => {
      const param = op.params[i % op.params.length]!;
      const write = op.method !== 'GET';
      await send({ method: op.method, url: fill(op, { [param]: segment }), headers: { cookie: owner.cookie, ...(write ? { 'content-type': 'application/json' } : {}) }, ...(write ? { body: '{}' } : {}), mustReject: true, label: `${op.key} generated :${param}` });
    }),
    { seed: FUZZ_SEED, numRuns: 150 },
  );
  const queryOps = operations.filter((o) => o.queryNames.length > 0 && o.method === 'GET');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...queryOps), fc.string({ unit: 'binary', maxLength: 60 }), fc.nat(), async (op, value, i) => {
      const name = op.queryNames[i % op.queryNames.length]!;
      const prefix = op.path.startsWith('/v1/audit') && name !== 'tenant' ? 'tenant=ws-a&' : '';
      await send({ method: 'GET', url: `${fill(op)}?${prefix}${name}=${rawEncode(`${MARK}${value}`)}`, headers: { cookie: owner.cookie }, mustReject: false, label: `${op.key} generated ?${name}` });
    }),
    { seed: FUZZ_SEED, numRuns: 100 },
  );
  const bad = unexplained().filter((f) => findings.indexOf(f) >= start);
  assert.equal(bad.length, 0, `${bad.length} findings:\n${report(bad)}`);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});

test('nothing written: row counts of accounts, sessions, memberships, invites, requests, grants and the app tables are unchanged', async () => {
  assert.ok(sent > 1000, `only ${sent} requests were sent`);
  assert.deepEqual(await counts(), before_);
});

for (const known of KNOWN) {
  test(`known defect: ${known.todo}`, { todo: known.todo }, () => {
    assert.equal(findings.filter(known.match).length, 0);
  });
}
