/** Date arithmetic for laying seed data out around a fixed "now". */

export const DAY = 86_400_000;
export const MINUTE = 60_000;

export const addMs = (date: Date, ms: number): Date => new Date(date.getTime() + ms);
export const addDays = (date: Date, days: number): Date => addMs(date, days * DAY);

export function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

export const earliest = (a: Date, b: Date): Date => (a.getTime() <= b.getTime() ? a : b);
export const latest = (a: Date, b: Date): Date => (a.getTime() >= b.getTime() ? a : b);
