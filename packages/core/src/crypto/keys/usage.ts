/**
 * Encryptions handed out in memory from blocks reserved in the database, so
 * that counting costs one UPDATE per block rather than per encryption. A block
 * is only used while it is younger than `maxAgeMs`: each refill re-checks in
 * the database that the key is still active, which bounds how long this
 * process can go on encrypting under a key another instance rotated.
 */
export class UsageReservations {
  readonly #blocks = new Map<string, { remaining: number; reservedAt: number }>();
  readonly #refills = new Map<string, Promise<boolean>>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(maxAgeMs: number, now: () => number) {
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  /**
   * Takes `n` encryptions for `keyId`, calling `reserve` (one database UPDATE)
   * when the block is empty or stale. `reserve` resolves to the size of the new
   * block, or 0 when the key is no longer active or has reached its limit; then
   * `take` resolves to false.
   */
  async take(keyId: string, n: number, reserve: () => Promise<number>): Promise<boolean> {
    for (;;) {
      const block = this.#blocks.get(keyId);
      if (block && this.#now() - block.reservedAt >= this.#maxAgeMs) this.#blocks.delete(keyId);
      else if (block && block.remaining >= n) {
        block.remaining -= n;
        return true;
      }
      // One refill at a time per key: concurrent callers wait for it instead of each reserving a block.
      let refill = this.#refills.get(keyId);
      if (!refill) {
        refill = (async () => {
          try {
            const granted = await reserve();
            if (granted <= 0) return false;
            const current = this.#blocks.get(keyId);
            const remaining = (current?.remaining ?? 0) + granted;
            this.#blocks.set(keyId, { remaining, reservedAt: this.#now() });
            return remaining >= n;
          } finally {
            this.#refills.delete(keyId);
          }
        })();
        this.#refills.set(keyId, refill);
      }
      if (!(await refill)) {
        const b = this.#blocks.get(keyId);
        if (!b || b.remaining < n) return false;
      }
    }
  }

  forget(keyId: string): void {
    this.#blocks.delete(keyId);
  }
}
