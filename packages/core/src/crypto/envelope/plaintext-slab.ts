/**
 * Output buffers for opened plaintexts. A fresh ArrayBuffer costs about as
 * much as the whole XChaCha20 open of a 100-byte value (V8 keeps only typed
 * arrays up to 64 bytes on its heap), so small plaintexts are carved from a
 * 16 KiB slab that holds nothing but plaintexts this module opened — unlike
 * Node's shared Buffer pool, whose slabs also back unrelated Buffers. The
 * price: a revealed view's `.buffer` spans other plaintexts of the same slab,
 * so never pass `.buffer` on; copy the view instead. Larger plaintexts get
 * their own buffer.
 */
const SLAB_SIZE = 16 * 1024;
const SMALL = 512;
let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

export function plaintextBuffer(length: number): Uint8Array {
  if (length > SMALL) return new Uint8Array(length);
  if (used + length > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const view = new Uint8Array(slab, used, length);
  // Keep views 8-aligned, as Node's own pool does.
  used += (length + 7) & ~7;
  return view;
}
