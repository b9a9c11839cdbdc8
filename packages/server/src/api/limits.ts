import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '@custodian/core/db';
import { CustodianError, type ErrorCode } from '@custodian/core/errors';
import { auditBruteForceBlock, canonicalIp, clientKey, type ClassLimits, type Limits, type Verdict } from '@custodian/core/limits';

/**
 * How a route takes part in abuse protection.
 * - `class`: its route class in the policy's `rateLimits` (`api` when not given);
 * - `identity`: who the per-identity limit counts, when not the signed-in
 *   account (an invite lookup counts per invite);
 * - `target`: what a failed attempt was aimed at, for brute-force counting
 *   per target, and the tenants a block on it affects;
 * - `failures`: the error codes that count as a failed attempt (C23).
 */
export interface RouteLimit<I = { params: any; query: any; body: any }> {
  class?: string;
  identity?: (input: I) => string | undefined;
  target?: (input: I) => BruteForceTarget | undefined;
  failures?: readonly ErrorCode[];
}

export interface BruteForceTarget {
  /** A hashed key from `targetKey()`: counters never hold the value itself. */
  key: string;
  /** The tenants a block on this target affects, for their audit pages. */
  tenants?: () => Promise<string[]>;
}

/** The class API routes fall in when they name none. */
export const DEFAULT_ROUTE_CLASS = 'api';

/** How often each server reloads the blocklist, so an entry added elsewhere holds everywhere within this. */
export const BLOCKLIST_REFRESH_MS = 5000;

/** How long start-up waits for the first load of the blocklist before serving anyway (the reloads go on). */
const BLOCKLIST_FIRST_LOAD_MS = 2000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The tightest limit this request was counted against, for the RateLimit-* headers. */
    rateLimit: Extract<Verdict, { limit: number }> & { policy: string } | null;
  }
}

const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Sets the standard headers (IETF draft `RateLimit-*`, and `Retry-After` on a
 * refusal) from the tightest limit counted so far: a request counted per
 * address and per identity reports whichever has less room.
 */
function note(request: FastifyRequest, reply: FastifyReply, verdict: Extract<Verdict, { limit: number }>, shape: { points: number; durationSeconds: number }): void {
  const current = request.rateLimit;
  if (current && current.remaining <= verdict.remaining && current.ok) return;
  request.rateLimit = { ...verdict, policy: `${shape.points};w=${shape.durationSeconds}` };
  reply.header('ratelimit-limit', String(verdict.limit));
  reply.header('ratelimit-remaining', String(verdict.remaining));
  reply.header('ratelimit-reset', String(secondsOf(verdict.resetMs)));
  reply.header('ratelimit-policy', request.rateLimit.policy);
}

/** Counts one request against `limiter`; refuses it when the limit is reached or the store is down in `deny` mode. */
async function count(request: FastifyRequest, reply: FastifyReply, cls: ClassLimits, limiter: NonNullable<ClassLimits['perIp']>, key: string, scope: 'address' | 'identity'): Promise<void> {
  const verdict = await limiter.consume(key);
  if (!verdict.ok && verdict.reason === 'unavailable') {
    reply.header('retry-after', '1');
    throw new CustodianError('ERR_RATE_LIMIT_UNAVAILABLE', `requests of this kind (${cls.name}) are refused while the rate-limit store is unreachable`);
  }
  note(request, reply, verdict as Extract<Verdict, { limit: number }>, limiter.shape);
  if (!verdict.ok) {
    reply.header('retry-after', String(secondsOf(verdict.resetMs)));
    throw new CustodianError('ERR_RATE_LIMITED', `too many requests of this kind (${cls.name}) from this ${scope}; retry later`);
  }
}

function tooManyFailures(reply: FastifyReply, ms: number): CustodianError {
  reply.header('retry-after', String(secondsOf(ms)));
  return new CustodianError('ERR_TOO_MANY_FAILURES', 'too many failed attempts; try again later');
}

/**
 * The incident-response blocklist (C22), checked first on every request:
 * a listed address gets 403 before routing's work, any parsing, or a database
 * query. Entries are reloaded every {@link BLOCKLIST_REFRESH_MS}.
 */
export function abuseProtection(app: FastifyInstance, limits: Limits, db: Database | undefined): void {
  app.decorateRequest('rateLimit', null);
  app.addHook('onRequest', async (request) => {
    if (limits.blocklist.check(request.ip) !== undefined) {
      throw new CustodianError('ERR_IP_BLOCKED', 'requests from this address are blocked');
    }
  });
  if (!db) return;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;
  // One reload at a time: a slow database must not pile reloads up behind each other.
  const refresh = () =>
    (inFlight ??= limits.blocklist
      .refresh(db)
      .catch((error: unknown) => {
        // A failed reload keeps the entries already loaded: a blip in the database does not lift every block.
        app.log.warn({ error: { code: (error as CustodianError).code ?? 'unknown' } }, 'blocklist reload failed; keeping the entries loaded before');
      })
      .finally(() => (inFlight = null)));
  app.addHook('onReady', async () => {
    // Start-up waits a moment for the first load, not for ever: a database that is down must not keep the server (and /healthz) from answering.
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([refresh(), new Promise<void>((resolve) => (waited = setTimeout(resolve, BLOCKLIST_FIRST_LOAD_MS)))]);
    clearTimeout(waited);
    timer = setInterval(refresh, BLOCKLIST_REFRESH_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

/**
 * Before the body is read: the address's brute-force block, then its rate
 * limit for the route's class. Runs as the route's own `onRequest`.
 */
export function addressCheck(limits: Limits, className: string) {
  const cls = limits.classes.get(className);
  const guard = cls?.bruteForce ? limits.bruteForce : null;
  if (!cls || (!cls.perIp && !guard)) return undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const key = clientKey(request.ip);
    if (guard) {
      const ms = await guard.blockedFor('ip', key);
      if (ms > 0) throw tooManyFailures(reply, ms);
    }
    if (cls.perIp) await count(request, reply, cls, cls.perIp, key, 'address');
  };
}

/**
 * After authentication and input parsing: the identity's rate limit and the
 * target's brute-force block; then runs `work`, counting a failure it throws
 * (one of `spec.failures`) or resetting the counters on success (C23).
 */
export async function withIdentityLimits<T>(
  ctx: { limits: Limits; db: Database; request: FastifyRequest; reply: FastifyReply; className: string; spec: RouteLimit | undefined; input: { params: any; query: any; body: any }; accountId: string | undefined },
  work: () => Promise<T>,
): Promise<T> {
  const { limits, request, reply, spec, input } = ctx;
  const cls = limits.classes.get(ctx.className);
  if (!cls) return work();
  const identity = spec?.identity?.(input) ?? (ctx.accountId === undefined ? undefined : `account:${ctx.accountId}`);
  if (cls.perIdentity && identity !== undefined) await count(request, reply, cls, cls.perIdentity, identity, 'identity');
  // Only a route that can fail an attempt (an invite lookup, a sign-in callback) counts failures and successes:
  // a success elsewhere (starting a sign-in) must not reset the counters.
  const guard = cls.bruteForce && spec?.failures?.length ? limits.bruteForce : null;
  if (!guard) return work();
  const target = spec?.target?.(input);
  if (target) {
    const ms = await guard.blockedFor('target', target.key);
    if (ms > 0) throw tooManyFailures(reply, ms);
  }
  const ipKey = clientKey(request.ip);
  try {
    const result = await work();
    // A success resets the target's count (its owner got in), not the address's: a guesser who holds one valid
    // token (their own invite) could otherwise clear their count between guesses, for ever.
    if (target) await guard.succeed([{ scope: 'target', key: target.key }]);
    return result;
  } catch (error) {
    const code = (error as CustodianError | undefined)?.code;
    if (code !== undefined && spec?.failures?.includes(code)) {
      await recordFailure(ctx, cls.name, guard, ipKey, target);
    }
    throw error;
  }
}

async function recordFailure(
  ctx: { db: Database; request: FastifyRequest },
  routeClass: string,
  guard: NonNullable<Limits['bruteForce']>,
  ipKey: string,
  target: BruteForceTarget | undefined,
): Promise<void> {
  const ua = ctx.request.headers['user-agent'];
  const origin = { ip: canonicalIp(ctx.request.ip), userAgent: typeof ua === 'string' ? ua : undefined };
  // A target is counted only when it exists (an invite a token really names): random guesses each name a new
  // target and would only fill the counter store.
  const tenants = target?.tenants ? await target.tenants().catch(() => null) : [];
  const countTarget = target !== undefined && (target.tenants === undefined || (tenants !== null && tenants.length > 0));
  const placed = [await guard.fail('ip', ipKey), countTarget ? await guard.fail('target', target.key) : null];
  for (const block of placed) {
    if (!block) continue;
    ctx.request.log.warn({ routeClass, scope: block.scope, level: block.level, blockedForSeconds: block.seconds }, 'brute-force block placed');
    // Each block is on record before the attempt that tripped it is answered (C23). If the record cannot be
    // written the block still holds and the attempt gets its own answer; the failure is logged for operators.
    try {
      await auditBruteForceBlock(ctx.db, { block, routeClass, ...origin, tenants: block.scope === 'target' ? (tenants ?? []) : [] });
    } catch (error) {
      ctx.request.log.error({ routeClass, scope: block.scope, code: (error as CustodianError).code ?? 'unknown' }, 'brute-force block could not be audited');
    }
  }
}
