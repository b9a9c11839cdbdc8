/**
 * Durations in a policy are short strings a person can read on a privacy page:
 * `30d`, `180d`, `2y`, `7y`, `12h`, `6mo`. Months and years are calendar units,
 * applied by the database (`interval '7 years'`), so leap years and month
 * lengths are the database's, not ours.
 */
export type DurationUnit = 's' | 'min' | 'h' | 'd' | 'w' | 'mo' | 'y';

export interface Duration {
  amount: number;
  unit: DurationUnit;
}

export const DURATION_PATTERN = /^([1-9][0-9]{0,5})(s|min|h|d|w|mo|y)$/;

const UNIT_NAMES: Record<DurationUnit, [string, string]> = {
  s: ['second', 'seconds'],
  min: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  w: ['week', 'weeks'],
  mo: ['month', 'months'],
  y: ['year', 'years'],
};

/** Parses `180d`; returns undefined for anything else (the schema reports it). */
export function parseDuration(text: string): Duration | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return { amount: Number(match[1]), unit: match[2] as DurationUnit };
}

function mustParse(text: string): Duration {
  const d = parseDuration(text);
  if (!d) throw new TypeError('invalid duration');
  return d;
}

/** `180 days`, `2 years`, `1 month`: for pages people read. */
export function describeDuration(text: string): string {
  const { amount, unit } = mustParse(text);
  const [one, many] = UNIT_NAMES[unit];
  return `${amount} ${amount === 1 ? one : many}`;
}

/** A PostgreSQL interval literal body, e.g. `180 days`; safe to inline (digits and a fixed word). */
export function toInterval(text: string): string {
  return describeDuration(text);
}

const APPROX_SECONDS: Record<DurationUnit, number> = {
  s: 1,
  min: 60,
  h: 3600,
  d: 86_400,
  w: 7 * 86_400,
  mo: 30 * 86_400,
  y: 365 * 86_400,
};

/** Approximate seconds (30-day months, 365-day years), for ordering and comparisons only. */
export function approxSeconds(text: string): number {
  const { amount, unit } = mustParse(text);
  return amount * APPROX_SECONDS[unit];
}

/** Adds a duration to a date in UTC, calendar-aware for months and years. */
export function addDuration(date: Date, text: string, sign: 1 | -1 = 1): Date {
  const parsed = mustParse(text);
  const amount = parsed.amount * sign;
  const unit = parsed.unit;
  const d = new Date(date.getTime());
  switch (unit) {
    case 'y':
      d.setUTCFullYear(d.getUTCFullYear() + amount);
      return d;
    case 'mo':
      d.setUTCMonth(d.getUTCMonth() + amount);
      return d;
    default:
      return new Date(d.getTime() + amount * APPROX_SECONDS[unit] * 1000);
  }
}

/** Subtracts a duration from a date in UTC, calendar-aware like `addDuration` (and like PostgreSQL's `timestamptz - interval`). */
export function subtractDuration(date: Date, text: string): Date {
  return addDuration(date, text, -1);
}
