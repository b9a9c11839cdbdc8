import { completeRequest } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON, operatorActor, requestIdAndFlags, summaryLine } from './status.js';

export const usage = `custodian dsar complete <request id> --note <text> [--json]

complete closes a verified or in-progress request done by hand (a rectification made,
       an objection answered) with a note of what was done, kept as its result and
       in its dsar.completed audit event; access and erasure requests complete
       themselves when \`dsar run\` or the server carries them out`;

export async function run(rest: string[]): Promise<number> {
  const [id, flags] = requestIdAndFlags('complete', rest);
  const { values } = parse('dsar complete', flags, { ...DATABASE_FLAGS, ...COMMON, note: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help || id === undefined) return info(usage), values.help ? 0 : 2;
  if (!values.note?.trim()) throw new ConfigError('custodian dsar complete: --note is required', 'say what was done, e.g. --note "corrected the postal address"');
  if (values.note.length > 1000) throw new ConfigError('custodian dsar complete: --note is longer than 1000 characters', 'keep it to what was done; no personal data');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const request = await completeRequest(db, id, { result: { note: values.note } }, { actor: operatorActor() });
    if (values.json) json(request);
    else process.stdout.write(`${summaryLine('completed', request)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
