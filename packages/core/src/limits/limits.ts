import { approxSeconds } from '../policy/duration.js';
import type { Policy } from '../policy/index.js';
import { Blocklist } from './blocklist.js';
import { BruteForceGuard } from './brute-force.js';
import { GuardedLimiter, type LimitStore, type StoreFailureMode } from './store.js';

/** The limits of one route class (`rateLimits.<class>` in the policy). */
export interface ClassLimits {
  name: string;
  perIp: GuardedLimiter | null;
  perIdentity: GuardedLimiter | null;
  onStoreFailure: StoreFailureMode;
  /** Whether failures in this class count toward brute-force blocks (`bruteForce.routeClasses`). */
  bruteForce: boolean;
}

/** Everything abuse protection needs at run time, built once from the policy. */
export interface Limits {
  store: LimitStore;
  classes: ReadonlyMap<string, ClassLimits>;
  bruteForce: BruteForceGuard | null;
  blocklist: Blocklist;
  /** Bounds for new blocklist entries, from `blocklist` in the policy (30 days by default, a year at most). */
  blocklistExpiry: { defaultSeconds: number; maxSeconds: number };
}

const shape = (limit: { points: number; per: string; blockFor?: string | undefined }) => ({
  points: limit.points,
  // rate-limiter-flexible counts whole seconds.
  durationSeconds: Math.max(1, Math.round(approxSeconds(limit.per))),
  blockSeconds: limit.blockFor ? Math.max(1, Math.round(approxSeconds(limit.blockFor))) : 0,
});

/**
 * Builds the limiters the policy declares (C21), the brute-force guard (C23)
 * and an empty blocklist (C22, filled by `blocklist.refresh(db)`), on `store`.
 */
export function createLimits(policy: Policy, store: LimitStore): Limits {
  const bruteClasses = new Set(policy.bruteForce?.routeClasses ?? []);
  const classes = new Map<string, ClassLimits>();
  for (const [name, declared] of Object.entries(policy.rateLimits)) {
    classes.set(name, {
      name,
      perIp: declared.perIp ? new GuardedLimiter(store, `rl:${name}:ip`, shape(declared.perIp), declared.onStoreFailure) : null,
      perIdentity: declared.perIdentity ? new GuardedLimiter(store, `rl:${name}:id`, shape(declared.perIdentity), declared.onStoreFailure) : null,
      onStoreFailure: declared.onStoreFailure,
      bruteForce: bruteClasses.has(name),
    });
  }
  const bf = policy.bruteForce;
  return {
    store,
    classes,
    bruteForce: bf
      ? new BruteForceGuard(store, {
          maxFailures: bf.maxFailures,
          perSeconds: Math.max(1, Math.round(approxSeconds(bf.per))),
          blockSeconds: Math.max(1, Math.round(approxSeconds(bf.blockFor))),
          escalation: bf.escalation,
        })
      : null,
    blocklist: new Blocklist(),
    blocklistExpiry: blocklistExpiry(policy),
  };
}

/** Bounds for new blocklist entries: the policy's `blocklist`, or 30 days by default and a year at most. */
export function blocklistExpiry(policy: Policy): { defaultSeconds: number; maxSeconds: number } {
  return {
    defaultSeconds: approxSeconds(policy.blocklist?.defaultExpiry ?? '30d'),
    maxSeconds: approxSeconds(policy.blocklist?.maxExpiry ?? '1y'),
  };
}
