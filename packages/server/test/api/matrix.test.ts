import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createInvite, openGrant } from '@custodian/core/auth';
import { addBlock } from '@custodian/core/limits';
import { startApi, type ApiHarness } from './harness.js';
import {
  codeOf,
  expected,
  listOperations,
  meets,
  renderMatrix,
  ROLES,
  ROUTE_TABLE,
  rowFromDeclaration,
  type CallerKind,
  type CellResult,
  type Operation,
  type Where,
} from './matrix-support.js';

/**
 * B9, C18, C19, C4, C8 as one generated matrix: every operation in
 * `/openapi.json` × every role × own / other tenant / no session, plus
 * platform operators without and with a grant on ws-b. One harness runs the
 * whole matrix; cells that change state get a fresh object or a fresh
 * caller, so each cell's answer does not depend on the order.
 */

// ws-b's data; no response to anyone outside ws-b may contain any of it.
const MARK = {
  memberEmail: 'zq-member-b-7f3e@leak.example',
  messageBody: 'ZQ-MESSAGE-B-7f3e: the quarterly numbers',
  inviteEmail: 'zq-invite-b-7f3e@leak.example',
  ownerEmail: 'zq-owner-b-7f3e@leak.example',
};

interface Caller {
  kind: CallerKind;
  accountId: string;
  email: string;
  cookie: string | null;
}

interface World {
  callers: Record<CallerKind, Caller>;
  ownerB: Caller;
  requestA: string;
  requestB: string;
  inviteB: string;
  grantB: string;
  /** Strings that are ws-b's only. */
  markers: string[];
}

let h: ApiHarness;
let world: World;
let operations: Operation[];
const cells: CellResult[] = [];
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${process.pid}@matrix.example`;
const JUSTIFICATION = 'customer asked us to debug their export';

async function newCaller(kind: CallerKind): Promise<Caller> {
  if (kind === 'none') return { kind, accountId: '00000000-0000-4000-8000-000000000000', email: '', cookie: null };
  const email = unique(kind.replace('+', '-'));
  const s = await h.signInAs(email);
  if (kind === 'operator' || kind === 'operator+grant') {
    await h.makeOperator(email);
    if (kind === 'operator+grant') await openGrant(h.db, h.policy, { operatorId: s.accountId, tenant: 'ws-b', justification: JUSTIFICATION, ticket: 'T-1', durationSeconds: 3600 });
  } else {
    await h.seat(s.accountId, 'ws-a', kind);
  }
  return { kind, accountId: s.accountId, email, cookie: s.cookie };
}

async function setupWorld(): Promise<World> {
  const db = h.db;
  await db.exec(`INSERT INTO members (workspace_id, email, name) VALUES ('ws-b', '${MARK.memberEmail}', 'Zq Leakname');
    INSERT INTO messages (workspace_id, member_id, body) SELECT 'ws-b', id, '${MARK.messageBody}' FROM members WHERE email = '${MARK.memberEmail}';`);
  const ownerBSession = await h.signInAs(MARK.ownerEmail);
  await h.seat(ownerBSession.accountId, 'ws-b', 'owner');
  const ownerB: Caller = { kind: 'owner', accountId: ownerBSession.accountId, email: MARK.ownerEmail, cookie: ownerBSession.cookie };
  const callers = {} as Record<CallerKind, Caller>;
  for (const kind of [...ROLES, 'none', 'operator', 'operator+grant'] as CallerKind[]) callers[kind] = await newCaller(kind);
  // A ws-a owner files a request in ws-a, ws-b's owner one about the marked member in ws-b.
  const fileRequest = async (cookie: string, tenant: string, value: string) => {
    const res = await h.app.inject({ method: 'POST', url: `/v1/tenants/${tenant}/requests`, headers: { cookie }, payload: { kind: 'access', subject: 'member', identity: 'email', value } });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { requests: Array<{ id: string }> }).requests[0]!.id;
  };
  const requestA = await fileRequest(callers.owner.cookie!, 'ws-a', 'ada@example.com');
  const requestB = await fileRequest(ownerB.cookie!, 'ws-b', MARK.memberEmail);
  const inviteB = (await createInvite(db, { tenant: 'ws-b', email: MARK.inviteEmail, role: 'member', ttlSeconds: 86400, by: { type: 'system', id: 'test' } })).id;
  const grants = await db.query<{ id: string }>(`SELECT id::text FROM custodian.operator_grants WHERE operator_id = $1`, [callers['operator+grant'].accountId]);
  return { callers, ownerB, requestA, requestB, inviteB, grantB: grants.rows[0]!.id, markers: [...Object.values(MARK), requestB, inviteB, ownerB.accountId] };
}

interface Call {
  url: string;
  payload?: unknown;
  cookie: string | null;
}

/**
 * Real ids for the path: the tenant, the caller's own account, a live invite,
 * a filed request, a grant. Calls that use up or change what they touch get
 * a fresh one (a new invite to revoke, a new session to sign out, a new
 * account to delete), so every cell sees the same world.
 */
async function prepare(op: Operation, caller: Caller, where: Where): Promise<{ call: Call; caller: Caller }> {
  const tenant = where === 'other' || caller.kind === 'operator' || caller.kind === 'operator+grant' ? 'ws-b' : 'ws-a';
  const destructive = (op.key === 'POST /v1/auth/me/delete-request' || op.key === 'DELETE /v1/tenants/{tenant}/members/{account}') && caller.kind !== 'none';
  // Deleting yourself or leaving ws-a must not change the shared caller; a twin of the same kind does it.
  if (destructive && !(caller.kind === 'operator+grant' && op.key.startsWith('DELETE /v1/tenants'))) caller = await newCaller(caller.kind);
  let cookie = caller.cookie;
  // Signing out, or signing in again (which ends the browser's session), uses up a session: give those a fresh one.
  if ((op.key === 'POST /v1/auth/signout' || op.key === 'POST /v1/auth/dev/signin') && caller.kind !== 'none') cookie = (await h.signInAs(caller.email)).cookie;

  const ids: Record<string, string> = { tenant, account: caller.accountId, provider: 'google', request: tenant === 'ws-a' ? world.requestA : world.requestB, grant: world.grantB, invite: world.inviteB };
  if (op.key === 'DELETE /v1/tenants/{tenant}/invites/{invite}' && tenant === 'ws-a') {
    ids.invite = (await createInvite(h.db, { tenant: 'ws-a', email: unique('revoke'), role: 'viewer', ttlSeconds: 86400, by: { type: 'system', id: 'test' } })).id;
  }
  if (op.key === 'DELETE /v1/admin/grants/{grant}' && (caller.kind === 'operator' || caller.kind === 'operator+grant')) {
    ids.grant = (await openGrant(h.db, h.policy, { operatorId: caller.accountId, tenant: 'ws-c', justification: JUSTIFICATION, ticket: 'T-2', durationSeconds: 600 })).id;
  }
  if (op.key === 'DELETE /v1/admin/blocklist/{entry}' && (caller.kind === 'operator' || caller.kind === 'operator+grant')) {
    ids.entry = (await addBlock(h.db, { network: `198.51.100.${++counter % 250}`, reason: 'matrix', actor: { type: 'system', id: 'test' } }, { defaultSeconds: 3600, maxSeconds: 86400 })).id;
  }
  let url = op.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? '00000000-0000-4000-8000-000000000001'));
  if (op.key === 'GET /v1/audit' || op.key === 'GET /v1/audit.csv') url += `?tenant=${tenant}`;

  const bodies: Record<string, () => Promise<unknown>> = {
    'POST /v1/auth/dev/signin': async () => ({ email: unique('dev') }),
    'POST /v1/auth/me/delete-request': async () => ({}),
    'POST /v1/invites/accept': async () => {
      // To a tenant nobody in the matrix acts in, so joining it changes no cell.
      const invite = caller.email ? await createInvite(h.db, { tenant: 'ws-c', email: caller.email, role: 'viewer', ttlSeconds: 86400, by: { type: 'system', id: 'test' } }) : null;
      return { token: invite?.token ?? 'x'.repeat(43) };
    },
    // The caller's own role, so the change is a no-op an allowed caller may always make.
    'PATCH /v1/tenants/{tenant}/members/{account}': async () => ({ role: caller.kind === 'owner' || caller.kind === 'admin' || caller.kind === 'member' || caller.kind === 'viewer' ? caller.kind : 'viewer' }),
    'POST /v1/tenants/{tenant}/invites': async () => ({ email: unique('invitee'), role: 'viewer' }),
    'POST /v1/tenants/{tenant}/requests': async () => ({ kind: 'access', subject: 'member', identity: 'email', value: tenant === 'ws-a' ? 'ada@example.com' : 'bob@example.com' }),
    'POST /v1/admin/grants': async () => ({ tenant: 'ws-c', justification: JUSTIFICATION, ticket: 'T-3', duration: '30min' }),
    'POST /v1/admin/blocklist': async () => ({ network: `203.0.113.${++counter % 250}`, reason: 'matrix: a documentation address', expiresIn: '1h' }),
  };
  const payload = bodies[op.key] ? await bodies[op.key]!() : op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
  return { call: { url, cookie, ...(payload === undefined ? {} : { payload }) }, caller };
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await h.db.query<{ n: number | string }>(sql, params);
  return Number(rows[0]!.n);
}

/** operator.access events in ws-b's chain, as ws-b's owner sees them on the audit page (C8). */
async function operatorAccessSeenByOwnerB(): Promise<Array<{ actor: { id: string }; target: { id: string } | null; metadata: Record<string, unknown> }>> {
  const res = await h.app.inject({ method: 'GET', url: '/v1/audit?tenant=ws-b&action=operator.access&limit=1000', headers: { cookie: world.ownerB.cookie! } });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { events: never[] }).events;
}

async function runCell(op: Operation, kind: CallerKind, where: Where): Promise<void> {
  const row = ROUTE_TABLE[op.key] ?? rowFromDeclaration(op);
  const exp = expected(op.method, row, kind, where);
  const { call, caller } = await prepare(op, world.callers[kind], where);
  const operator = kind === 'operator' || kind === 'operator+grant';
  const isAdmin = op.path.startsWith('/v1/admin/');
  const routeId = `${op.method} ${op.path.replace(/\{([^}]+)\}/g, ':$1')}`;
  const adminBefore = isAdmin ? await count(`SELECT count(*) AS n FROM custodian.audit_events WHERE action = 'admin.access' AND actor_id = $1 AND target_id = $2`, [caller.accountId, routeId]) : 0;
  const accessBefore = operator ? (await operatorAccessSeenByOwnerB()).length : 0;

  const res = await h.app.inject({
    method: op.method as 'GET',
    url: call.url,
    headers: { ...(call.cookie ? { cookie: call.cookie } : {}), 'user-agent': 'matrix-test' },
    ...(call.payload === undefined ? {} : { payload: call.payload as object }),
  });
  const code = codeOf(res.body);
  const notes: string[] = [];
  const ok = meets(exp, res.statusCode, code);

  // C4: an operator's call to an admin endpoint is on record, once.
  if (isAdmin && operator) {
    const added = (await count(`SELECT count(*) AS n FROM custodian.audit_events WHERE action = 'admin.access' AND actor_id = $1 AND target_id = $2`, [caller.accountId, routeId])) - adminBefore;
    if (added !== 1) notes.push(`C4: ${added} admin.access events, expected 1`);
  }
  // C19, C8: a read under the grant is exactly one operator.access event in ws-b's chain; nothing else is.
  if (operator) {
    const events = await operatorAccessSeenByOwnerB();
    const added = events.length - accessBefore;
    const read = kind === 'operator+grant' && row.access === 'tenant' && res.statusCode >= 200 && res.statusCode < 300;
    if (added !== (read ? 1 : 0)) notes.push(`C19: ${added} operator.access events in ws-b, expected ${read ? 1 : 0}`);
    if (read && added === 1) {
      const e = events[0]!;
      if (e.actor.id !== caller.accountId || e.target?.id !== routeId || e.metadata.grant !== world.grantB) notes.push(`C8: the event does not name the operator, route and grant: ${JSON.stringify(e)}`);
    }
  }
  // C18, C19: ws-b's data never reaches anyone outside ws-b.
  if (kind !== 'operator+grant') {
    const leaked = world.markers.filter((m) => res.body.includes(m));
    if (leaked.length > 0) notes.push(`leaked ws-b data: ${leaked.join(', ')}`);
  }
  cells.push({ key: op.key, caller: kind, where, expect: exp, status: res.statusCode, code, body: res.body, ok, notes });
}

before(async () => {
  h = await startApi();
  world = await setupWorld();
  operations = await listOperations(h.app);
  for (const op of operations) {
    const row = ROUTE_TABLE[op.key] ?? rowFromDeclaration(op);
    const wheres: Where[] = row.access === 'tenant' ? ['own', 'other'] : ['-'];
    for (const where of wheres) {
      for (const role of ROLES) await runCell(op, role, where);
      await runCell(op, 'none', where);
    }
    // Operators act on ws-b, the tenant the grant names.
    await runCell(op, 'operator', row.access === 'tenant' ? 'other' : '-');
    await runCell(op, 'operator+grant', row.access === 'tenant' ? 'other' : '-');
  }
});

after(async () => {
  await h?.close();
});

function check(selected: CellResult[], what: string): void {
  assert.ok(selected.length > 0, `no cells for ${what}`);
  const bad = selected.filter((c) => !c.ok || c.notes.length > 0);
  if (bad.length > 0) assert.fail(`${bad.length} of ${selected.length} cells wrong (${what}):\n${renderMatrix(cells)}`);
}

test('the expectation table covers every route /openapi.json lists, with the access the server declares', () => {
  const keys = operations.map((o) => o.key).sort();
  assert.deepEqual(keys, Object.keys(ROUTE_TABLE).sort(), 'a route was added or removed: give it a row in ROUTE_TABLE (matrix-support.ts)');
  for (const op of operations) {
    const row = ROUTE_TABLE[op.key]!;
    assert.equal(op.declared.permission, row.permission, `${op.key}: declared permission`);
    assert.equal(op.declared.public, row.access === 'public', `${op.key}: public`);
    assert.equal(op.declared.operator, row.access === 'operator', `${op.key}: operator`);
  }
});

test('B9: every role gets what the permission matrix gives it on every endpoint in its own tenant (allowed 2xx, forbidden 403)', () => {
  const own = cells.filter((c) => (ROLES as readonly string[]).includes(c.caller) && c.where !== 'other');
  check(own, 'roles in their own tenant');
  // The matrix must really contain both outcomes, or it proves nothing.
  assert.ok(own.some((c) => c.status === 403) && own.some((c) => c.status >= 200 && c.status < 300));
});

test('B9: without a session every non-public route answers 401 ERR_AUTH_REQUIRED', () => {
  const none = cells.filter((c) => c.caller === 'none');
  check(none, 'no session');
  const nonPublic = none.filter((c) => ROUTE_TABLE[c.key]?.access !== 'public');
  assert.ok(nonPublic.length >= 20 && nonPublic.every((c) => c.status === 401 && c.code === 'ERR_AUTH_REQUIRED'));
});

test('C19: every tenant route of another tenant answers 404 ERR_TENANT_NOT_FOUND, for every role', () => {
  const other = cells.filter((c) => (ROLES as readonly string[]).includes(c.caller) && c.where === 'other');
  check(other, 'roles in the other tenant');
  assert.ok(other.every((c) => c.status === 404 && c.code === 'ERR_TENANT_NOT_FOUND'));
});

test('C18: none of ws-b\'s member emails, message bodies, invites or requests is in any response to anyone outside ws-b', () => {
  const outside = cells.filter((c) => c.caller !== 'operator+grant');
  const leaks = outside.filter((c) => world.markers.some((m) => c.body.includes(m)));
  assert.equal(leaks.length, 0, `cross-tenant reads:\n${leaks.map((c) => `${c.key} as ${c.caller} (${c.where})`).join('\n')}\n${renderMatrix(cells)}`);
  // The markers are really there to find: ws-b's owner and the granted operator read them.
  const granted = cells.filter((c) => c.caller === 'operator+grant' && c.key === 'GET /v1/tenants/{tenant}/messages');
  assert.ok(granted[0]?.body.includes(MARK.messageBody), 'the granted operator reads ws-b\'s messages, so the marker is live');
});

test('C18: message bodies reach only roles holding messages.read (viewer 403), and only their own tenant\'s', async () => {
  const messages = cells.filter((c) => c.key === 'GET /v1/tenants/{tenant}/messages' && c.where === 'own');
  check(messages, 'messages');
  for (const c of messages) {
    if (c.caller === 'viewer' || c.caller === 'none') continue;
    const bodies = (JSON.parse(c.body) as { messages: Array<{ body: string }> }).messages.map((m) => m.body);
    assert.deepEqual(bodies, ['hello from Ada'], `${c.caller} reads ws-a's messages only`);
  }
});

test('C19: an operator without a grant gets 404 on every tenant route; with a grant on ws-b, 2xx on GET .read routes, 404 on writes, one operator.access event per read', () => {
  const ops = cells.filter((c) => c.caller === 'operator' || c.caller === 'operator+grant');
  check(ops, 'operators');
  const reads = ops.filter((c) => c.caller === 'operator+grant' && ROUTE_TABLE[c.key]?.access === 'tenant' && c.status === 200);
  assert.ok(reads.length >= 7, `the granted operator read ${reads.length} routes`);
});

test('C4: every /v1/admin/* call writes an admin.access audit event (operators), and non-operators are refused 403', () => {
  check(cells.filter((c) => c.key.includes(' /v1/admin/')), 'admin endpoints');
});

test('C8: the tenant sees every operator access on its audit page', async () => {
  const events = await operatorAccessSeenByOwnerB();
  const op = world.callers['operator+grant'].accountId;
  const reads = cells.filter((c) => c.caller === 'operator+grant' && ROUTE_TABLE[c.key]?.access === 'tenant' && c.status >= 200 && c.status < 300);
  const mine = events.filter((e) => e.actor.id === op);
  assert.equal(mine.length, reads.length, 'one event per read, no more, no fewer');
  const routes = mine.map((e) => e.target?.id).sort();
  assert.deepEqual(routes, reads.map((c) => c.key.replace(/\{([^}]+)\}/g, ':$1')).sort());
  // The grant itself is on the tenant's operator-access page too.
  const page = await h.app.inject({ method: 'GET', url: '/v1/tenants/ws-b/operator-access', headers: { cookie: world.ownerB.cookie! } });
  assert.equal(page.statusCode, 200);
  assert.ok((page.json() as { grants: Array<{ id: string }> }).grants.some((g) => g.id === world.grantB));
});

test('B9: removing another member needs members.manage (member and viewer 403, owner and admin 204)', async () => {
  for (const role of ROLES) {
    const victim = await newCaller('viewer');
    const res = await h.app.inject({ method: 'DELETE', url: `/v1/tenants/ws-a/members/${victim.accountId}`, headers: { cookie: world.callers[role].cookie! } });
    const want = role === 'owner' || role === 'admin' ? 204 : 403;
    assert.equal(res.statusCode, want, `${role}: ${res.body}`);
  }
});
