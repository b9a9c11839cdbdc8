import { verifyIdentity } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON, operatorActor, requestIdAndFlags, summaryLine } from './status.js';

export const usage = `custodian dsar verify <request id> --method <how> [--json]

verify records that the person's identity was verified and how (email-link,
       document, signed-in); a restriction or objection takes effect now`;

export async function run(rest: string[]): Promise<number> {
  const [id, flags] = requestIdAndFlags('verify', rest);
  const { values } = parse('dsar verify', flags, { ...DATABASE_FLAGS, ...COMMON, method: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help || id === undefined) return info(usage), values.help ? 0 : 2;
  if (!values.method?.trim()) throw new ConfigError('custodian dsar verify: --method is required', 'say how the identity was verified, e.g. --method email-link');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const request = await verifyIdentity(db, id, { method: values.method }, { actor: operatorActor() });
    if (values.json) json(request);
    else process.stdout.write(`${summaryLine('verified', request)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
