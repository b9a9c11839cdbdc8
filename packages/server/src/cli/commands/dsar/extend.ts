import { extendDeadline } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, intFlag, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON, operatorActor, requestIdAndFlags, summaryLine } from './status.js';

export const usage = `custodian dsar extend <request id> --days <n> --reason <text> [--json]

extend moves an open request's deadline by --days, within the jurisdiction's limit
       (GDPR 60 days in all, CCPA 45) and only before the first deadline passes`;

export async function run(rest: string[]): Promise<number> {
  const [id, flags] = requestIdAndFlags('extend', rest);
  const { values } = parse('dsar extend', flags, { ...DATABASE_FLAGS, ...COMMON, days: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help || id === undefined) return info(usage), values.help ? 0 : 2;
  if (values.days === undefined) throw new ConfigError('custodian dsar extend: --days is required', 'e.g. --days 30');
  const days = intFlag('dsar extend', 'days', values.days, 30, [1, 366]);
  if (!values.reason?.trim()) throw new ConfigError('custodian dsar extend: --reason is required', 'the person is told why, e.g. --reason "archives must be restored"');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const request = await extendDeadline(db, id, { days, reason: values.reason }, { actor: operatorActor() });
    if (values.json) json(request);
    else process.stdout.write(`${summaryLine('extended', request)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
