/** One measured figure. */
export interface Result {
  name: string;
  value: number;
  unit: string;
  /** Shown in the table, not in the JSON line. */
  note?: string;
}

/**
 * Prints a table for people and then, as the very last line, the JSON object
 * scripts read: `{"area":…,"results":[…],"ratios":{…}}`.
 */
export function report(area: string, results: Result[], ratios: Record<string, number>, context: Record<string, string | number> = {}): void {
  const rows = results.map((r) => [r.name, formatNumber(r.value), r.unit, r.note ?? '']);
  const ratioRows = Object.entries(ratios).map(([k, v]) => [k, v.toFixed(3), 'ratio', '']);
  const all = [['measure', 'value', 'unit', 'note'], ...rows, ...ratioRows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(`\n${area} benchmark — ${new Date().toISOString()}${Object.keys(context).length ? ` — ${Object.entries(context).map(([k, v]) => `${k}: ${v}`).join(', ')}` : ''}`);
  console.log(line(all[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of all.slice(1)) console.log(line(r));
  console.log(JSON.stringify({ area, results: results.map(({ name, value, unit }) => ({ name, value, unit })), ratios }));
}

function formatNumber(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** Milliseconds taken by `fn`. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}
