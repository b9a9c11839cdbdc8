import { createHash } from 'node:crypto';
import { MAX_LIMIT_SECONDS } from '../policy/schema/operations.js';
import { GuardedLimiter, type LimitStore } from './store.js';

/** How brute force is detected: `maxFailures` within `perSeconds` blocks for `blockSeconds`, `escalation` times longer at each repeat. */
export interface BruteForceSettings {
  maxFailures: number;
  perSeconds: number;
  blockSeconds: number;
  escalation: number;
}

/** What a failure is counted against: the client's address (its /64 for IPv6) or the thing guessed at (an invite, an account). */
export type BruteForceScope = 'ip' | 'target';

/** A block placed by a failure. */
export interface PlacedBlock {
  scope: BruteForceScope;
  key: string;
  /** 1 for the first block within the memory window, 2 for the next … */
  level: number;
  seconds: number;
}

/** How long a past block counts toward the next one's length. */
export const ESCALATION_MEMORY_SECONDS = 7 * 24 * 3600;
/** No single block lasts longer than this, however often it repeats (the policy's cap on any window or block). */
export const MAX_BLOCK_SECONDS = MAX_LIMIT_SECONDS;

/**
 * Targets are counted under a hash, so the counter store (Redis) never holds
 * an email address or an invite token.
 */
export function targetKey(kind: string, value: string): string {
  return `${kind}:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * Counts failed attempts per address and per target (C23). A failure that
 * reaches `maxFailures` blocks that key; each repeated block within
 * {@link ESCALATION_MEMORY_SECONDS} lasts `escalation` times longer than the
 * last. A success resets the counters (a block in force stays until it ends).
 * When Redis fails, counting goes on in this process: never unlimited.
 */
export class BruteForceGuard {
  readonly settings: BruteForceSettings;
  readonly #failures: Record<BruteForceScope, GuardedLimiter>;
  readonly #blocks: Record<BruteForceScope, GuardedLimiter>;

  constructor(store: LimitStore, settings: BruteForceSettings) {
    this.settings = settings;
    const failures = (scope: BruteForceScope) =>
      new GuardedLimiter(store, `bf:${scope}`, { points: settings.maxFailures, durationSeconds: settings.perSeconds, blockSeconds: 0 }, 'local-fallback');
    const blocks = (scope: BruteForceScope) =>
      new GuardedLimiter(store, `bf-blocks:${scope}`, { points: 1_000_000, durationSeconds: ESCALATION_MEMORY_SECONDS, blockSeconds: 0 }, 'local-fallback');
    this.#failures = { ip: failures('ip'), target: failures('target') };
    this.#blocks = { ip: blocks('ip'), target: blocks('target') };
  }

  /** Milliseconds left on a block of `key`, or 0 when it is not blocked. */
  async blockedFor(scope: BruteForceScope, key: string): Promise<number> {
    const state = await this.#failures[scope].peek(key);
    if (state === null) return 0;
    return state.consumed > this.settings.maxFailures ? Math.max(state.resetMs, 1) : 0;
  }

  /** Records a failure; returns the block it placed, if it reached the threshold. */
  async fail(scope: BruteForceScope, key: string): Promise<PlacedBlock | null> {
    const verdict = await this.#failures[scope].consume(key);
    // Blocked once the count reaches maxFailures exactly: `maxFailures` tries, then no more. Past it, a
    // block is already in force (or being placed by the concurrent failure that reached it).
    if (!verdict.ok || verdict.remaining > 0) return null;
    const history = await this.#blocks[scope].consume(key);
    const level = history.ok ? history.limit - history.remaining : 1;
    const seconds = Math.min(Math.round(this.settings.blockSeconds * this.settings.escalation ** (level - 1)), MAX_BLOCK_SECONDS);
    await this.#failures[scope].block(key, seconds);
    return { scope, key, level, seconds };
  }

  /** A success: the counters of these keys start again from zero. */
  async succeed(keys: { scope: BruteForceScope; key: string }[]): Promise<void> {
    for (const { scope, key } of keys) {
      if ((await this.blockedFor(scope, key)) === 0) await this.#failures[scope].reset(key);
    }
  }
}
