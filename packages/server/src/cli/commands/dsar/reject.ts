import { rejectRequest } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON, operatorActor, requestIdAndFlags, summaryLine } from './status.js';

export const usage = `custodian dsar reject <request id> --reason <text> [--json]

reject closes an open request with the reason given to the person; a restriction
       it put in place is lifted`;

export async function run(rest: string[]): Promise<number> {
  const [id, flags] = requestIdAndFlags('reject', rest);
  const { values } = parse('dsar reject', flags, { ...DATABASE_FLAGS, ...COMMON, reason: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help || id === undefined) return info(usage), values.help ? 0 : 2;
  if (!values.reason?.trim()) throw new ConfigError('custodian dsar reject: --reason is required', 'the person is told why, e.g. --reason "identity could not be verified"');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const request = await rejectRequest(db, id, { reason: values.reason }, { actor: operatorActor() });
    if (values.json) json(request);
    else process.stdout.write(`${summaryLine('rejected', request)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
