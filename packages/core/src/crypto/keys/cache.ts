import { Secret } from '../secret.js';

export interface DataKeyCacheOptions {
  /** How long an unwrapped key stays in memory after it was unwrapped. Default 5 minutes. */
  maxAgeMs?: number;
  /** How many times an entry is handed out before it is dropped and unwrapped again. Default 100,000. */
  maxUses?: number;
  /** How many keys at most; the oldest goes first. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds since the epoch; tests inject their own. */
  now?: () => number;
  /** Told of each eviction, with the cache's own buffer after zeroing (for metrics and tests). */
  onEvict?: (id: string, zeroed: Uint8Array) => void;
}

interface Entry {
  key: Uint8Array;
  born: number;
  uses: number;
}

/**
 * Unwrapped data keys, kept briefly so that each decrypt need not call the KMS.
 * Bounded by age and by use count (as the AWS Encryption SDK's caching does),
 * so a process image holds few keys for long and each key is re-unwrapped by
 * the KMS now and then (which the KMS logs). Evicted keys are zeroed. The
 * cache saves unwrapping only: `KeyStore.keyById` still reads the key's state
 * on every call, so a destroyed key stops working everywhere at once.
 *
 * `get` returns a copy: a caller still holding a key when it is evicted must
 * not find it silently turned into 32 zero bytes.
 */
export class DataKeyCache {
  readonly maxAgeMs: number;
  readonly maxUses: number;
  readonly maxEntries: number;
  readonly #now: () => number;
  readonly #onEvict: ((id: string, zeroed: Uint8Array) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  #lastSweep = 0;

  constructor(options: DataKeyCacheOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.maxUses = options.maxUses ?? 100_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#onEvict = options.onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A copy of the key, counting one use; undefined when absent, too old or used up. */
  get(id: string): Secret<Uint8Array> | undefined {
    this.#sweepNow();
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (this.#now() - entry.born >= this.maxAgeMs || entry.uses >= this.maxUses) {
      this.delete(id);
      return undefined;
    }
    entry.uses += 1;
    const copy = new Secret(Uint8Array.from(entry.key));
    if (entry.uses >= this.maxUses) this.delete(id);
    return copy;
  }

  /** Keeps its own copy of `key`; the caller's stays the caller's. */
  set(id: string, key: Secret<Uint8Array>): void {
    this.delete(id);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.#entries.set(id, { key: Uint8Array.from(key.reveal()), born: this.#now(), uses: 0 });
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.key.fill(0);
    this.#entries.delete(id);
    this.#onEvict?.(id, entry.key);
  }

  /** Zeroes and drops every entry past its age. Runs by itself at most every quarter of `maxAgeMs`. */
  sweep(): void {
    const now = this.#now();
    this.#lastSweep = now;
    for (const [id, entry] of this.#entries) if (now - entry.born >= this.maxAgeMs) this.delete(id);
  }

  /** Zeroes and drops everything, e.g. at shutdown. */
  clear(): void {
    for (const id of [...this.#entries.keys()]) this.delete(id);
  }

  #sweepNow(): void {
    if (this.#now() - this.#lastSweep >= this.maxAgeMs / 4) this.sweep();
  }

}
