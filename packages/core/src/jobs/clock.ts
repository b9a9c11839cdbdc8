/**
 * Where "now" comes from. By default the database's clock (`now()`), so every
 * instance agrees on deadlines and leases whatever its own clock says; tests
 * pass a clock to move time without waiting.
 *
 * @example
 * let t = new Date('2026-01-01T00:00:00Z');
 * const clock: Clock = () => t;
 * t = new Date(t.getTime() + 31 * 86_400_000); // a month later
 */
export type Clock = () => Date;

/** The clock's time as a query parameter, or null for the database clock: use as `coalesce($n::timestamptz, now())`. */
export function clockParam(clock: Clock | undefined): string | null {
  if (!clock) return null;
  const at = clock();
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('the clock returned an invalid Date');
  return at.toISOString();
}
