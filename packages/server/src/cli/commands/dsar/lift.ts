import { liftRestriction } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON, operatorActor, requestIdAndFlags, summaryLine } from './status.js';

export const usage = `custodian dsar lift <request id> --reason <text> [--json]

lift   lifts the restriction a verified restriction or objection request put in place
       (C12), with the reason, audited; processing of the person may resume`;

export async function run(rest: string[]): Promise<number> {
  const [id, flags] = requestIdAndFlags('lift', rest);
  const { values } = parse('dsar lift', flags, { ...DATABASE_FLAGS, ...COMMON, reason: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help || id === undefined) return info(usage), values.help ? 0 : 2;
  if (!values.reason?.trim()) throw new ConfigError('custodian dsar lift: --reason is required', 'e.g. --reason "the accuracy of the data was verified"');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const request = await liftRestriction(db, id, { reason: values.reason }, { actor: operatorActor() });
    if (values.json) json(request);
    else process.stdout.write(`${summaryLine('lifted the restriction of', request)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
