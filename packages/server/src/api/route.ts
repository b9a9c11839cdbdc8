import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import { can, resolveSession, type ActiveGrant, type PermissionMatrix, type ResolvedSession, type Role } from '@custodian/core/auth';
import { createAuditAppender } from '@custodian/core/audit';
import { APP_ROLE, type Database, type Transaction } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import { PLATFORM_TENANT } from '@custodian/core/dsar';
import { clearSessionCookie, readSessionCookie, type CookieSettings } from '../auth/cookies.js';
import { canonicalIp, type Limits } from '@custodian/core/limits';
import { addressCheck, DEFAULT_ROUTE_CLASS, withIdentityLimits, type RouteLimit } from './limits.js';
import { parsePart } from './validation.js';

/**
 * Who may call a route:
 * - `public`: anyone;
 * - `session`: any signed-in person;
 * - `tenant`: a member of the tenant named in the path (`:tenant`) or query
 *   (`?tenant=`) whose role carries `permission`; a platform operator under a
 *   live grant for that tenant may call it too when `permission` is a read
 *   (`*.read`) and the method is GET, and each such call is audited into the
 *   tenant's chain (C19);
 * - `operator`: a platform operator (an admin endpoint); every call is audited (C4).
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'session' }
  | { kind: 'tenant'; permission: string }
  | { kind: 'operator'; auditTenant?: (input: { params: any; query: any; body: any }) => string | undefined };

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A signed-in caller, as audit events name them. */
export interface Caller {
  session: ResolvedSession;
  actor: { type: 'user' | 'member' | 'operator'; id: string };
}

/** The tenant a request acts in, and how to touch its data: always as the application role, with the tenant set for that transaction only. */
export interface TenantScope {
  id: string;
  /** The member's role, or `operator` for an operator under a grant. */
  role: Role | 'operator';
  grant: ActiveGrant | null;
  tx<T>(fn: (tx: Transaction) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
}

export interface RouteContext<P, Q, B> {
  request: FastifyRequest;
  reply: FastifyReply;
  params: P;
  query: Q;
  body: B;
  caller: Caller | null;
  tenant: TenantScope | null;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  access: Access;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  /** Status → description (and schema) for the OpenAPI document. */
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
  /** Rate limits and brute-force counting (C21, C23); the `api` class of the policy's `rateLimits` when not given. */
  limit?: RouteLimit<{ params: P; query: Q; body: B }>;
  handler(ctx: RouteContext<P, Q, B>): Promise<unknown>;
}

export interface ApiDeps {
  db: Database;
  matrix: PermissionMatrix;
  cookie: CookieSettings;
  limits: Limits;
}

const READ = /\.read$/;

/** The largest JSON body the API accepts. */
export const API_BODY_LIMIT = 64 * 1024;

/** Registered routes, in order, for the OpenAPI document. */
export type RouteRegistry = RouteSpec<any, any, any>[];

const appender = createAuditAppender();

function denied(code: 'ERR_AUTH_REQUIRED' | 'ERR_AUTH_FORBIDDEN' | 'ERR_TENANT_NOT_FOUND', message: string): CustodianError {
  return new CustodianError(code, message);
}

/**
 * Registers a route whose input is parsed by Zod (the handler sees typed,
 * validated values only) and whose caller is authenticated and authorised
 * before the handler runs — the API half of tenant isolation; the database's
 * row-level security, through `tenant.tx`, is the other half.
 */
export function defineRoute<P, Q, B>(app: FastifyInstance, deps: ApiDeps, registry: RouteRegistry, spec: RouteSpec<P, Q, B>): void {
  registry.push(spec as RouteSpec<any, any, any>);
  const className = spec.limit?.class ?? DEFAULT_ROUTE_CLASS;
  const checkAddress = addressCheck(deps.limits, className);
  app.route({
    method: spec.method,
    url: spec.url,
    // Every API body is a handful of short fields; anything larger is refused before it is parsed.
    bodyLimit: API_BODY_LIMIT,
    // The address's limit is counted before the body is read, so a flood costs no parsing.
    ...(checkAddress ? { onRequest: checkAddress } : {}),
    handler: async (request, reply) => {
      if (spec.method !== 'GET') refuseCrossSite(request);
      const params = parsePart(spec.params, request.params, 'params');
      const query = parsePart(spec.query, request.query, 'query');
      const body = parsePart(spec.body, request.body, 'body');
      const input = { params, query, body };
      const { caller, tenant } = await authorize(deps, spec, request, reply, input);
      const limitContext = { limits: deps.limits, db: deps.db, request, reply, className, spec: spec.limit as RouteLimit | undefined, input, accountId: caller?.session.account.id };
      const result = await withIdentityLimits(limitContext, () => spec.handler({ request, reply, params, query, body, caller, tenant }));
      if (reply.sent) return reply;
      return result;
    },
  });
}

async function authorize(
  deps: ApiDeps,
  spec: RouteSpec<any, any, any>,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { params: any; query: any; body: any },
): Promise<{ caller: Caller | null; tenant: TenantScope | null }> {
  const access = spec.access;
  if (access.kind === 'public') return { caller: null, tenant: null };
  const tenantId: string | undefined = access.kind === 'tenant' ? (input.params?.tenant ?? input.query?.tenant) : undefined;
  const token = readSessionCookie(request);
  const session = token === null ? null : await resolveSession(deps.db, token, tenantId === undefined ? {} : { tenant: tenantId });
  if (!session) {
    // A cookie that names no live session is cleared, so the browser stops sending it.
    if (token !== null) clearSessionCookie(reply, deps.cookie);
    throw denied('ERR_AUTH_REQUIRED', 'sign in to use this endpoint');
  }
  request.userId = session.account.id;
  if (access.kind === 'session') return { caller: { session, actor: { type: 'user', id: session.account.id } }, tenant: null };

  if (access.kind === 'operator') {
    if (!session.operator) throw denied('ERR_AUTH_FORBIDDEN', 'this endpoint is for platform operators');
    const caller: Caller = { session, actor: { type: 'operator', id: session.account.id } };
    const target = access.auditTenant?.(input) ?? PLATFORM_TENANT;
    // C4: the access is on record before anything is done.
    await appender.appendCommitted(deps.db, {
      tenant: target,
      actor: caller.actor,
      action: 'admin.access',
      target: { type: 'route', id: `${spec.method} ${spec.url}` },
      session: session.sessionId,
      ...requestOrigin(request),
    });
    return { caller, tenant: null };
  }

  const id = tenantId!;
  request.tenantId = id;
  if (session.role) {
    if (!can(deps.matrix, session.role, access.permission)) {
      throw denied('ERR_AUTH_FORBIDDEN', `your role (${session.role}) does not have the ${access.permission} permission`);
    }
    const role = session.role;
    return {
      caller: { session, actor: { type: 'member', id: session.account.id } },
      tenant: scope(deps.db, id, role, null),
    };
  }
  if (session.operator && session.grant && spec.method === 'GET' && READ.test(access.permission)) {
    const grant = session.grant;
    const caller: Caller = { session, actor: { type: 'operator', id: session.account.id } };
    // C19, C8: every read under a grant is in the tenant's own chain before the data is read.
    await appender.appendCommitted(deps.db, {
      tenant: id,
      actor: caller.actor,
      action: 'operator.access',
      target: { type: 'route', id: `${spec.method} ${spec.url}` },
      session: session.sessionId,
      purpose: 'operator-access',
      ...requestOrigin(request),
      metadata: { grant: grant.id, ticket: grant.ticket, permission: access.permission },
    });
    return { caller, tenant: scope(deps.db, id, 'operator', grant) };
  }
  // Not a member (or an operator without a grant): the same answer as a tenant that does not exist.
  throw denied('ERR_TENANT_NOT_FOUND', 'no such tenant');
}

/**
 * A state-changing request a browser sent from another site (or a sibling
 * subdomain, which SameSite=Lax does not stop) is refused before anything
 * else: browsers say where a request comes from in Sec-Fetch-Site and Origin.
 * Clients that are not browsers send neither and are unaffected.
 */
function refuseCrossSite(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') throw denied('ERR_AUTH_FORBIDDEN', 'a request from another site is refused');
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== '') {
    let same = false;
    try {
      // Both sides normalised the same way, so `https://example.com` matches Host `example.com:443`.
      const from = new URL(origin);
      same = origin !== 'null' && from.host === new URL(`${from.protocol}//${request.host}`).host;
    } catch {
      same = false;
    }
    if (!same) throw denied('ERR_AUTH_FORBIDDEN', 'a request from another origin is refused');
  }
}

function scope(db: Database, id: string, role: Role | 'operator', grant: ActiveGrant | null): TenantScope {
  return {
    id,
    role,
    grant,
    // An operator under a grant only ever reads, whatever the handler asks for.
    tx: (fn, options = {}) => db.transaction(fn, { tenantId: id, role: APP_ROLE, memberRole: role, readOnly: role === 'operator' || (options.readOnly ?? false) }),
  };
}

export function requestOrigin(request: FastifyRequest): { ip?: string; userAgent?: string } {
  const ua = request.headers['user-agent'];
  // Recorded unmapped (`::ffff:203.0.113.7` → `203.0.113.7`), so a blocklist range on the IPv4 address finds it.
  return { ...(request.ip ? { ip: canonicalIp(request.ip) } : {}), ...(typeof ua === 'string' && ua !== '' ? { userAgent: ua } : {}) };
}
