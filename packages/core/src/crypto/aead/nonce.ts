import { sodium } from './sodium.js';

/**
 * Random nonces from libsodium's CSPRNG (the OS generator), drawn in 4 KiB
 * batches: one native call costs about as much as a whole 100-byte seal, so
 * refilling per nonce would halve throughput. Each pooled byte is handed out
 * once and then overwritten with zeros, so no nonce can be issued twice.
 */
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let used = POOL_SIZE;

export function fillNonce(dest: Uint8Array): void {
  const n = dest.length;
  if (n > POOL_SIZE) {
    sodium.randombytes_buf(dest);
    return;
  }
  if (used + n > POOL_SIZE) {
    sodium.randombytes_buf(pool);
    used = 0;
  }
  // By hand: a subarray, set and fill cost more than copying 24 bytes.
  for (let i = 0; i < n; i++) {
    dest[i] = pool[used + i]!;
    pool[used + i] = 0;
  }
  used += n;
}
