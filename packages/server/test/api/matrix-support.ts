import type { FastifyInstance } from 'fastify';

/**
 * The expectation side of the API permission matrix, written by hand from
 * DEFAULT_PERMISSIONS (packages/core/src/auth/permissions.ts), the chat
 * policy's `messages.read` and each route's declared access kind — never
 * from what the server answers, so the matrix can disagree with the server.
 */

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];
export type CallerKind = Role | 'none' | 'operator' | 'operator+grant';
/** own = ws-a (where the roles are seated), other = ws-b, '-' = the route names no tenant. */
export type Where = 'own' | 'other' | '-';

/** Who holds each permission in the chat app. */
export const PERMISSIONS: Readonly<Record<string, readonly Role[]>> = {
  'tenant.read': ['owner', 'admin', 'member', 'viewer'],
  'members.read': ['owner', 'admin', 'member', 'viewer'],
  'members.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'admin'],
  'requests.read': ['owner', 'admin'],
  'requests.manage': ['owner', 'admin'],
  'operator-access.read': ['owner', 'admin'],
  'messages.read': ['owner', 'admin', 'member'],
};

export type AccessKind = 'public' | 'session' | 'tenant' | 'operator';

export interface Expect {
  status: number;
  code?: string;
}

export interface RouteRow {
  access: AccessKind;
  permission?: string;
  /** What a caller who may call it gets. */
  ok: Expect;
}

/** One row per endpoint; `/openapi.json` must list exactly these (a test checks). */
export const ROUTE_TABLE: Readonly<Record<string, RouteRow>> = {
  // No OIDC client is configured in the harness, so the provider is unknown to the server.
  'GET /v1/auth/signin/{provider}': { access: 'public', ok: { status: 404, code: 'ERR_AUTH_PROVIDER_UNKNOWN' } },
  'GET /v1/auth/callback/{provider}': { access: 'public', ok: { status: 404, code: 'ERR_AUTH_PROVIDER_UNKNOWN' } },
  'POST /v1/auth/dev/signin': { access: 'public', ok: { status: 200 } },
  'POST /v1/auth/signout': { access: 'public', ok: { status: 303 } },
  'GET /v1/auth/me': { access: 'session', ok: { status: 200 } },
  'GET /v1/auth/me/export': { access: 'session', ok: { status: 200 } },
  'POST /v1/auth/me/delete-request': { access: 'session', ok: { status: 202 } },
  'POST /v1/invites/accept': { access: 'session', ok: { status: 200 } },
  'GET /v1/tenants/{tenant}/members': { access: 'tenant', permission: 'members.read', ok: { status: 200 } },
  'PATCH /v1/tenants/{tenant}/members/{account}': { access: 'tenant', permission: 'members.manage', ok: { status: 200 } },
  // Leaving (the caller's own id) needs membership only.
  'DELETE /v1/tenants/{tenant}/members/{account}': { access: 'tenant', permission: 'members.read', ok: { status: 204 } },
  'GET /v1/tenants/{tenant}/invites': { access: 'tenant', permission: 'members.manage', ok: { status: 200 } },
  'POST /v1/tenants/{tenant}/invites': { access: 'tenant', permission: 'members.manage', ok: { status: 201 } },
  'DELETE /v1/tenants/{tenant}/invites/{invite}': { access: 'tenant', permission: 'members.manage', ok: { status: 204 } },
  'GET /v1/tenants/{tenant}/operator-access': { access: 'tenant', permission: 'operator-access.read', ok: { status: 200 } },
  'POST /v1/tenants/{tenant}/requests': { access: 'tenant', permission: 'requests.manage', ok: { status: 201 } },
  'GET /v1/tenants/{tenant}/requests': { access: 'tenant', permission: 'requests.read', ok: { status: 200 } },
  'GET /v1/tenants/{tenant}/requests/{request}': { access: 'tenant', permission: 'requests.read', ok: { status: 200 } },
  'GET /v1/audit': { access: 'tenant', permission: 'audit.read', ok: { status: 200 } },
  'GET /v1/audit.csv': { access: 'tenant', permission: 'audit.read', ok: { status: 200 } },
  'POST /v1/admin/grants': { access: 'operator', ok: { status: 201 } },
  'GET /v1/admin/grants': { access: 'operator', ok: { status: 200 } },
  'DELETE /v1/admin/grants/{grant}': { access: 'operator', ok: { status: 200 } },
  'GET /v1/admin/blocklist': { access: 'operator', ok: { status: 200 } },
  'POST /v1/admin/blocklist': { access: 'operator', ok: { status: 201 } },
  'DELETE /v1/admin/blocklist/{entry}': { access: 'operator', ok: { status: 200 } },
  'GET /v1/tenants/{tenant}/messages': { access: 'tenant', permission: 'messages.read', ok: { status: 200 } },
};

const E401: Expect = { status: 401, code: 'ERR_AUTH_REQUIRED' };
const E403: Expect = { status: 403, code: 'ERR_AUTH_FORBIDDEN' };
const E404T: Expect = { status: 404, code: 'ERR_TENANT_NOT_FOUND' };

/** The status a caller must get, from the table above and the access rules of packages/server/src/api/route.ts. */
export function expected(method: string, row: RouteRow, caller: CallerKind, where: Where): Expect {
  if (row.access === 'public') return row.ok;
  if (caller === 'none') return E401;
  if (row.access === 'session') return row.ok;
  const operator = caller === 'operator' || caller === 'operator+grant';
  if (row.access === 'operator') return operator ? row.ok : E403;
  const permission = row.permission!;
  if (caller === 'operator') return E404T;
  // A grant lets an operator call GET routes whose permission is a read, in the granted tenant (ws-b) only.
  if (caller === 'operator+grant') return method === 'GET' && permission.endsWith('.read') && where === 'other' ? row.ok : E404T;
  if (where === 'other') return E404T;
  return (PERMISSIONS[permission] ?? []).includes(caller) ? row.ok : E403;
}

export interface Operation {
  method: string;
  path: string;
  key: string;
  /** What `/openapi.json` declares, to check against the table. */
  declared: { public: boolean; permission: string | undefined; operator: boolean };
  params: string[];
  queryNames: string[];
  /** The JSON body's schema, when the route takes one. */
  body: { properties?: Record<string, unknown>; required?: string[] } | undefined;
}

/** Every operation in the running server's OpenAPI document. */
export async function listOperations(app: FastifyInstance): Promise<Operation[]> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
  const doc = res.json() as { paths: Record<string, Record<string, { security?: unknown[]; description?: string; 'x-permission'?: string; parameters?: Array<{ name: string; in: string }>; requestBody?: { content?: Record<string, { schema?: unknown }> } }>> };
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const method = m.toUpperCase();
      out.push({
        method,
        path,
        key: `${method} ${path}`,
        declared: { public: Array.isArray(op.security) && op.security.length === 0, permission: op['x-permission'], operator: /operators only/i.test(op.description ?? '') },
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: unwrap(op.requestBody?.content?.['application/json']?.schema),
      });
    }
  }
  return out;
}

/** The object schema of a body, through the `anyOf` an optional body is written as. */
function unwrap(schema: unknown): { properties?: Record<string, unknown>; required?: string[] } | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const s = schema as { properties?: Record<string, unknown>; required?: string[]; anyOf?: unknown[] };
  if (s.properties) return s;
  for (const alt of s.anyOf ?? []) {
    const found = unwrap(alt);
    if (found) return found;
  }
  return s;
}

/** For a route the table does not know yet: its access as `/openapi.json` declares it, so it is still covered. */
export function rowFromDeclaration(op: Operation): RouteRow {
  if (op.declared.public) return { access: 'public', ok: { status: -1 } };
  if (op.declared.operator) return { access: 'operator', ok: { status: -1 } };
  if (op.declared.permission) return { access: 'tenant', permission: op.declared.permission, ok: { status: -1 } };
  return { access: 'session', ok: { status: -1 } };
}

/** Does a response meet an expectation? `-1` (a route with no row yet) accepts any non-denial below 500. */
export function meets(exp: Expect, status: number, code: string | undefined): boolean {
  if (exp.status === -1) return status < 500 && status !== 401 && status !== 403 && code !== 'ERR_TENANT_NOT_FOUND';
  return status === exp.status && (exp.code === undefined || exp.code === code);
}

export interface CellResult {
  key: string;
  caller: CallerKind;
  where: Where;
  expect: Expect;
  status: number;
  code: string | undefined;
  body: string;
  ok: boolean;
  /** Extra failures found for this cell (audit events, leaked markers). */
  notes: string[];
}

const COLUMNS: Array<[CallerKind, Where]> = [
  ['owner', 'own'], ['admin', 'own'], ['member', 'own'], ['viewer', 'own'],
  ['owner', 'other'], ['admin', 'other'], ['member', 'other'], ['viewer', 'other'],
  ['none', 'own'], ['none', 'other'], ['operator', 'other'], ['operator+grant', 'other'],
];
const SHORT: Record<CallerKind, string> = { owner: 'own', admin: 'adm', member: 'mem', viewer: 'vie', none: 'no', operator: 'op', 'operator+grant': 'op+g' };

/** A compact grid: one line per route, one column per caller/tenant; `!` marks a cell that missed its expectation. */
export function renderMatrix(cells: CellResult[]): string {
  const head = COLUMNS.map(([c, w]) => `${SHORT[c]}/${w === 'own' ? 'A' : 'B'}`.padEnd(7)).join('');
  const keys = [...new Set(cells.map((c) => c.key))];
  const width = Math.max(...keys.map((k) => k.length));
  const lines = [`${''.padEnd(width)}  ${head}`];
  for (const key of keys) {
    const row = COLUMNS.map(([c, w]) => {
      // A route with no tenant is shown once: under A for members and no session, under B for operators.
      const cell = cells.find((x) => x.key === key && x.caller === c && (x.where === w || (x.where === '-' && (w === 'own' || c.startsWith('operator')))));
      if (!cell) return ''.padEnd(7);
      return `${cell.status}${cell.ok && cell.notes.length === 0 ? '' : '!'}`.padEnd(7);
    });
    lines.push(`${key.padEnd(width)}  ${row.join('')}`);
  }
  const bad = cells.filter((c) => !c.ok || c.notes.length > 0);
  for (const c of bad) {
    lines.push(`! ${c.key} as ${c.caller} (${c.where}): expected ${c.expect.status}${c.expect.code ? ` ${c.expect.code}` : ''}, got ${c.status} ${c.code ?? ''} ${c.notes.join('; ')}`);
  }
  return lines.join('\n');
}

export function codeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof parsed?.error?.code === 'string' ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}
