import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ConfigError } from '../errors.js';

/**
 * Where counters live: this process's memory (one instance, the embedded
 * default), or Redis, shared by every instance (`REDIS_URL`).
 */
export interface LimitStore {
  readonly kind: 'memory' | 'redis';
  /** How long a Redis call may take before the request goes on without it. */
  readonly timeoutMs: number;
  /** The Redis client, when there is one. */
  readonly redis: Redis | null;
  /** Limiters report what they see, so a hung Redis (connected, never answering) is reported like a lost one. */
  noteFailure(reason: string): void;
  noteSuccess(): void;
  close(): Promise<void>;
}

export interface LimitStoreOptions {
  /** `redis://` or `rediss://` URL; without it counters are kept in memory. */
  redisUrl?: string | undefined;
  /** Per-call timeout for Redis, 100 ms by default. */
  timeoutMs?: number | undefined;
  /** Told when the connection to Redis drops or comes back, for the server log. */
  onStoreEvent?: ((event: StoreEvent) => void) | undefined;
}

export type StoreEvent = { kind: 'store-down'; reason: string } | { kind: 'store-up' };

/** The Redis client's options: every command bounded by `timeoutMs`, none queued while disconnected. */
export function redisClientOptions(timeoutMs: number): RedisOptions {
  return {
    // A command issued while disconnected fails at once instead of waiting in a queue for a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs * 10, 1000),
    // Keep trying to reconnect, at most every 2 s, for as long as the process runs.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    lazyConnect: false,
  };
}

/** Opens the counter store. With a Redis URL, nothing waits for the connection: a request made before it is up follows the failure mode. */
export function openLimitStore(options: LimitStoreOptions = {}): LimitStore {
  const timeoutMs = options.timeoutMs ?? 100;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 10_000) {
    throw new ConfigError('the rate-limit store timeout must be a whole number of milliseconds between 1 and 10000');
  }
  if (!options.redisUrl) return { kind: 'memory', timeoutMs, redis: null, noteFailure: () => {}, noteSuccess: () => {}, close: async () => {} };
  let url: URL;
  try {
    url = new URL(options.redisUrl);
  } catch {
    throw new ConfigError('REDIS_URL is not a URL', 'e.g. redis://127.0.0.1:6379/0');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('REDIS_URL must start with redis:// or rediss://', 'e.g. redis://127.0.0.1:6379/0');
  const redis = new Redis(options.redisUrl, redisClientOptions(timeoutMs));
  // Each change of state is reported once: the first failure (a Redis that was never reachable included), and the recovery.
  let state: 'unknown' | 'up' | 'down' = 'unknown';
  const noteFailure = (reason: string) => {
    if (state !== 'down') options.onStoreEvent?.({ kind: 'store-down', reason });
    state = 'down';
  };
  const noteSuccess = () => {
    if (state !== 'up') options.onStoreEvent?.({ kind: 'store-up' });
    state = 'up';
  };
  redis.on('ready', noteSuccess);
  // Without an 'error' listener ioredis prints every failed reconnect. Its messages name host and port, never the password.
  redis.on('error', (error: Error) => noteFailure(error.message));
  redis.on('close', () => noteFailure('connection closed'));
  return {
    kind: 'redis',
    timeoutMs,
    redis,
    noteFailure,
    noteSuccess,
    close: async () => {
        redis.removeAllListeners('error');
      redis.removeAllListeners('close');
      redis.on('error', () => {});
      redis.disconnect();
    },
  };
}

/** One limit: `points` per `durationSeconds`, then blocked for `blockSeconds` (0: until the window ends). */
export interface LimitShape {
  points: number;
  durationSeconds: number;
  blockSeconds: number;
}

/** When the store fails: a bounded in-process limiter, let the request through, or refuse it. */
export type StoreFailureMode = 'local-fallback' | 'allow' | 'deny';

/** A limit's verdict on one request. */
export type Verdict =
  | { ok: true; limit: number; remaining: number; resetMs: number; degraded: boolean }
  | { ok: false; reason: 'limited'; limit: number; remaining: 0; resetMs: number; degraded: boolean }
  | { ok: false; reason: 'unavailable' };

/** A verdict the limiter reached by counting (not the store's absence). */
type Counted = Extract<Verdict, { limit: number }>;

/** After a store failure, skip the store this long before trying it again, so a hung Redis costs one timeout, not one per request. */
const RETRY_STORE_AFTER_MS = 1000;

const TIMEOUT = Symbol('timeout');

/**
 * A rate-limiter-flexible limiter with an explicit answer for a failing
 * store: `local-fallback` counts in this process (bounded, never unlimited),
 * `allow` lets the request through, `deny` refuses it. No call waits longer
 * than the store's timeout.
 */
export class GuardedLimiter {
  readonly shape: LimitShape;
  readonly #store: LimitStore;
  readonly #primary: RateLimiterAbstract;
  readonly #fallback: RateLimiterMemory | null;
  readonly #mode: StoreFailureMode;
  readonly #remote: boolean;
  #skipStoreUntil = 0;
  /** After a failure, one decision at a time asks Redis whether it is back; the rest stay in the fallback meanwhile. */
  #recovering = false;
  #probing = false;

  constructor(store: LimitStore, name: string, shape: LimitShape, mode: StoreFailureMode) {
    this.shape = shape;
    this.#store = store;
    this.#mode = mode;
    const common = { keyPrefix: `custodian:${name}`, points: shape.points, duration: shape.durationSeconds, blockDuration: shape.blockSeconds };
    this.#remote = store.redis !== null;
    this.#primary = store.redis ? new RateLimiterRedis({ ...common, storeClient: store.redis, rejectIfRedisNotReady: true }) : new RateLimiterMemory(common);
    // Brute-force state (blocks) is also kept here in every mode, so a block placed while Redis was down outlives its return.
    this.#fallback = this.#remote ? new RateLimiterMemory(common) : null;
  }

  /** Whether to ask Redis now: not within a second of its last failure. */
  #storeUsable(): boolean {
    return this.#remote && Date.now() >= this.#skipStoreUntil;
  }

  /** Redis failed or timed out: leave it alone for a second, and say so once. */
  #storeFailed = (error: unknown): void => {
    this.#skipStoreUntil = Date.now() + RETRY_STORE_AFTER_MS;
    this.#recovering = true;
    this.#store.noteFailure(error === TIMEOUT ? 'timed out' : error instanceof Error ? error.message : 'failed');
  };

  /**
   * Counts `points` against `key` and says whether the request may go on.
   * Not `async`: on the memory store this is one promise from
   * rate-limiter-flexible and one `then`, which keeps the decision within a
   * few percent of calling the library directly.
   */
  consume(key: string, points = 1): Promise<Verdict> {
    if (!this.#remote) return this.#primary.consume(key, points).then(this.#admit, this.#refuse);
    if (!this.#storeUsable()) return this.#degraded(key, points);
    if (this.#recovering) {
      if (this.#probing) return this.#degraded(key, points);
      this.#probing = true;
    }
    // The one Redis command a decision sends is bounded by the client's commandTimeout (the store's timeout), and
    // with no offline queue it fails at once while disconnected: no timer of our own is needed here.
    return this.#primary.consume(key, points).then(
      (res) => {
        this.#answered();
        return this.#admit(res);
      },
      (error: unknown) => {
        if (error instanceof RateLimiterRes) {
          this.#answered();
          return this.#refuse(error);
        }
        this.#probing = false;
        this.#storeFailed(error);
        return this.#degraded(key, points);
      },
    );
  }

  #answered(): void {
    this.#recovering = false;
    this.#probing = false;
    this.#store.noteSuccess();
  }

  readonly #admit = (res: RateLimiterRes): Counted => ({ ok: true, limit: this.shape.points, remaining: res.remainingPoints, resetMs: res.msBeforeNext, degraded: false });

  // rate-limiter-flexible rejects with its result object when the limit is reached, and with an Error when the store fails.
  readonly #refuse = (error: unknown): Counted => {
    if (error instanceof RateLimiterRes) return { ok: false, reason: 'limited', limit: this.shape.points, remaining: 0, resetMs: error.msBeforeNext, degraded: false };
    throw error;
  };

  /**
   * The state of `key` without counting: points consumed and time to reset;
   * null when nothing is counted. With Redis, the larger of Redis and this
   * process's own record, so a block placed during an outage still holds.
   */
  async peek(key: string): Promise<{ consumed: number; resetMs: number } | null> {
    const read = async (limiter: RateLimiterAbstract) => {
      const res = await limiter.get(key);
      return res ? { consumed: res.consumedPoints, resetMs: res.msBeforeNext } : null;
    };
    if (!this.#remote) return read(this.#primary);
    const local = await read(this.#fallback!);
    if (!this.#storeUsable()) return local;
    const shared = await withTimeout(read(this.#primary), this.#store.timeoutMs).catch((error: unknown) => {
      this.#storeFailed(error);
      return null;
    });
    if (!shared || !local) return shared ?? local;
    return shared.consumed >= local.consumed ? shared : local;
  }

  /** Blocks `key` for `seconds`, in the store and (with Redis) in this process too. */
  async block(key: string, seconds: number): Promise<void> {
    if (!this.#remote) return void (await this.#primary.block(key, seconds));
    await this.#fallback!.block(key, seconds);
    if (this.#storeUsable()) await withTimeout(this.#primary.block(key, seconds), this.#store.timeoutMs).catch(this.#storeFailed);
  }

  /** Forgets `key` (a success resets a brute-force counter). */
  async reset(key: string): Promise<void> {
    if (!this.#remote) return void (await this.#primary.delete(key));
    await this.#fallback!.delete(key);
    if (this.#storeUsable()) await withTimeout(this.#primary.delete(key), this.#store.timeoutMs).catch(this.#storeFailed);
  }

  async #degraded(key: string, points: number): Promise<Verdict> {
    if (this.#mode === 'deny') return { ok: false, reason: 'unavailable' };
    if (this.#mode === 'allow') return { ok: true, limit: this.shape.points, remaining: this.shape.points, resetMs: this.shape.durationSeconds * 1000, degraded: true };
    const verdict = await this.#fallback!.consume(key, points).then(this.#admit, this.#refuse);
    return { ...verdict, degraded: true };
  }
}

function withTimeout<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMEOUT), ms);
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}
