import { checkDatabase, formatCheckReport } from '@custodian/core/check';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../args.js';
import { loadPolicy, openFromFlags } from '../context.js';
import { info, json } from '../output.js';

export const summary = 'check the policy against the live database';

export const usage = `custodian check [--policy custodian.config.ts] [--json] [--database-url <url> | --data-dir <dir>]

Reads the database's schema and checks the policy against it: every table and
column it names exists, each erase action fits its column, every personal
column is reachable from a subject, and the foreign keys give an erasure order.
Exits 1 when there is any error; warnings alone exit 0.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('check', argv, { ...DATABASE_FLAGS, ...POLICY_FLAGS, json: { type: 'boolean' } });
  if (values.help) return info(usage), 0;
  const { policy } = await loadPolicy(values);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const report = await checkDatabase(db, policy);
    if (values.json) json(report);
    else process.stdout.write(`${formatCheckReport(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
