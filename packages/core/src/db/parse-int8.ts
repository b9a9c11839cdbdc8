/**
 * int8 as a JS number while it is exact, as a BigInt beyond 2^53, so counts
 * and ids read naturally and a huge value is never silently rounded. Both
 * drivers use this, so results agree on both backends.
 */
export function parseInt8(value: string): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}
