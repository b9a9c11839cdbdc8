import { ConfigError } from '@custodian/core/errors';
import { listHolds } from '@custodian/core/retention';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON } from './flags.js';
import { holdLine } from './hold.js';

export const usage = `custodian retention holds [--all] [--tenant <id>] [--json]

holds  lists the legal holds standing now, oldest first, with who placed them, when and
       why; --all adds lifted ones (with who lifted them and why), --tenant those of one tenant`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('retention holds', rest, { ...DATABASE_FLAGS, ...COMMON, all: { type: 'boolean' }, tenant: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return info(usage), 0;
  if (values.tenant !== undefined && values.tenant.trim() === '') throw new ConfigError('custodian retention holds: --tenant is empty', 'give a tenant id');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const holds = await listHolds(db, { includeLifted: values.all === true, ...(values.tenant === undefined ? {} : { tenant: values.tenant }) });
    if (values.json) return json(holds), 0;
    if (holds.length === 0) return info(values.all ? 'no legal holds' : 'no legal hold stands'), 0;
    for (const h of holds) process.stdout.write(`${holdLine(h.liftedAt ? 'lifted' : 'standing', h)}\n`);
    info(`${holds.length} hold${holds.length === 1 ? '' : 's'}`);
    return 0;
  } finally {
    await db.close();
  }
}
