import { introspect } from '@custodian/core/check';
import { eraseSubject, type ErasureResult } from '@custodian/core/dsar';
import { ConfigError, CustodianError } from '@custodian/core/errors';
import { DATABASE_FLAGS, POLICY_FLAGS, intFlag, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { green, info, json, progress } from '../../output.js';
import { PERSON_FLAGS, PERSON_USAGE, describePerson, findPeople, personQuery } from './person.js';

export const usage = `custodian dsar erase ${PERSON_USAGE} --yes [--batch-size <rows>] [--one-transaction-rows <rows>] [--request <id>] [--json]

erase  erases the person as \`dsar plan\` shows: columns nulled, replaced, pseudonymised
       or reassigned, soft deletes where a retention rule finishes later, rows
       deleted children first, per-subject data keys destroyed; an audit event for
       every statement. Up to --one-transaction-rows rows (default 250000) it is one
       transaction, all or nothing; above, batches of --batch-size rows (default
       5000) commit one by one, with progress. Interrupted, run it again: it picks
       up what is left, and a finished erasure run again changes nothing.
       --yes is required: erasure cannot be undone.`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('dsar erase', rest, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    ...PERSON_FLAGS,
    json: { type: 'boolean' },
    production: { type: 'boolean' },
    yes: { type: 'boolean' },
    'batch-size': { type: 'string' },
    'one-transaction-rows': { type: 'string' },
    request: { type: 'string' },
  });
  if (values.help) return info(usage), 0;
  const batchSize = intFlag('dsar erase', 'batch-size', values['batch-size'], 5_000, [1, 1_000_000]);
  const singleTransactionRows = intFlag('dsar erase', 'one-transaction-rows', values['one-transaction-rows'], 250_000, [0, 100_000_000]);
  const { policy } = await loadPolicy(values);
  const query = personQuery('dsar erase', values, policy);
  if (!values.yes) throw new ConfigError('custodian dsar erase: erasure cannot be undone; add --yes', 'run `custodian dsar plan` with the same flags to see what it does');
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const schema = await introspect(db);
    const people = await findPeople('dsar erase', values, db, policy, schema);
    if (people.length === 0) {
      info(`no ${query.subject} has that ${query.identity}`);
      return 1;
    }
    if (people.length > 1) {
      throw new CustodianError('ERR_DSAR_REFUSED', `that ${query.identity} names ${people.length} people in different tenants; erase one at a time`, { hint: 'add --tenant <id>' });
    }
    const person = people[0]!;
    const bar = values.json ? undefined : progress(`erasing ${describePerson(person)}`);
    const result = await eraseSubject(db, policy, schema, person, {
      batchSize,
      singleTransactionRows,
      ...(values.request === undefined ? {} : { requestId: values.request }),
      ...(bar ? { progress: (p) => bar.update(p.done, p.total) } : {}),
    });
    bar?.done(`${result.rows} rows, ${result.mode}`);
    if (values.json) json(result);
    else print(result);
    return 0;
  } finally {
    await db.close();
  }
}

function print(result: ErasureResult): void {
  if (result.steps.length === 0) {
    info('nothing left to erase: the person was already erased');
    return;
  }
  for (const s of result.steps) process.stdout.write(`  ${s.kind.padEnd(12)} ${s.table} (${s.rows} ${s.kind === 'destroy-keys' ? 'keys' : 'rows'})\n`);
  process.stdout.write(`${green('erased')} ${describePerson(result.subject)}: ${result.rows} rows${result.keysDestroyed ? `, ${result.keysDestroyed} data keys destroyed` : ''}\n`);
}
