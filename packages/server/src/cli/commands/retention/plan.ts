import { introspect } from '@custodian/core/check';
import { ConfigError } from '@custodian/core/errors';
import { parseDuration } from '@custodian/core/policy';
import { planRetention, type RetentionPlan } from '@custodian/core/retention';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { dim, info, json } from '../../output.js';
import { COMMON, atFlag, ruleFlags, when } from './flags.js';

export const usage = `custodian retention plan [--horizon 30d] [--rule <id>]... [--at <ISO time>] [--json]

plan   shows, for every step of the policy's retention schedule (each stage of each
       rule, inactivity notices and erasures, audit archival), the rows due now, the
       rows falling due within --horizon (default 30d) and the rows a legal hold
       keeps. --rule limits it to some rules; --at decides as of another time
       (2027-06-01, or 2027-06-01T09:00:00Z) to preview a future date. It changes nothing.`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('retention plan', rest, {
    ...DATABASE_FLAGS,
    ...COMMON,
    horizon: { type: 'string' },
    rule: { type: 'string', multiple: true },
    at: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  const horizon = values.horizon ?? '30d';
  if (!parseDuration(horizon)) throw new ConfigError('custodian retention plan: --horizon must be a duration such as 30d, 12w or 1y', 'e.g. --horizon 90d');
  const at = values.at === undefined ? undefined : atFlag('retention plan', values.at);
  const { policy } = await loadPolicy(values);
  const rules = ruleFlags('retention plan', policy, values.rule);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const plan = await planRetention(db, policy, await introspect(db), {
      horizon,
      ...(rules ? { rules } : {}),
      ...(at ? { clock: () => at } : {}),
    });
    if (values.json) json(plan);
    else print(plan);
    return 0;
  } finally {
    await db.close();
  }
}

function print(plan: RetentionPlan): void {
  process.stdout.write(`retention plan as of ${when(plan.asOf)}, looking ${plan.horizon} ahead (nothing was changed)\n\n`);
  const header = ['rule', 'stage', 'action', 'table', 'due now', `within ${plan.horizon}`, 'held'];
  const rows = plan.steps.map((s) => [s.rule, String(s.stage), s.action, s.table ?? '-', String(s.dueNow), String(s.dueWithinHorizon), String(s.held)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Words left-aligned, counts right-aligned, as in `dsar plan`.
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 1 || i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  process.stdout.write(`${dim(line(header))}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  const due = plan.steps.reduce((n, s) => n + s.dueNow, 0);
  const held = plan.steps.reduce((n, s) => n + s.held, 0);
  process.stdout.write(`\n${due} due now${held ? `, ${held} kept by legal holds` : ''}; run \`custodian retention run\` to act on them\n`);
}
