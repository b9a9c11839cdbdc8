import type { SeededRandom } from '@custodian/core/testing';

/**
 * Random ids and hex from the seeded stream, built from whole 32-bit words.
 * `SeededRandom.uuid()` draws one hex digit per call; at the hundreds of
 * thousands of ids a large seed needs, that alone took over a second.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function word(rng: SeededRandom): string {
  const n = (rng.next() * 4294967296) >>> 0;
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

/** A version-4-shaped UUID. */
export function seededUuid(rng: SeededRandom): string {
  const a = word(rng);
  const b = word(rng);
  const c = word(rng);
  const d = word(rng);
  const variant = ((parseInt(c[0]!, 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

/** `bytes` random bytes as lower-case hex. */
export function seededHex(rng: SeededRandom, bytes: number): string {
  let s = '';
  while (s.length < bytes * 2) s += word(rng);
  return s.slice(0, bytes * 2);
}
