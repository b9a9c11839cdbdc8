import { introspect } from '@custodian/core/check';
import { planErasure, type ErasurePlan } from '@custodian/core/dsar';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { dim, info, json } from '../../output.js';
import { PERSON_FLAGS, PERSON_USAGE, describePerson, findPeople, personQuery } from './person.js';

export const usage = `custodian dsar plan ${PERSON_USAGE} [--json]

plan   finds the person by one of the identities the policy declares for the subject
       (its key, a normalised email, the blind index of an encrypted email, the
       SHA-256 of an invite token) and shows, for each, every table holding rows
       about them with the row count and what erasure does (columns nulled,
       replaced, pseudonymised, reassigned; rows deleted or retained), the
       statements in foreign-key order and a time estimate. It changes nothing.`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('dsar plan', rest, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    json: { type: 'boolean' },
    production: { type: 'boolean' },
    ...PERSON_FLAGS,
  });
  if (values.help) return info(usage), 0;
  const { policy } = await loadPolicy(values);
  const query = personQuery('dsar plan', values, policy);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const schema = await introspect(db);
    const people = await findPeople('dsar plan', values, db, policy, schema);
    const plans: ErasurePlan[] = [];
    for (const person of people) plans.push(await planErasure(db, policy, schema, person));
    if (values.json) json(plans);
    else if (plans.length === 0) info(`no ${query.subject} has that ${query.identity}`);
    else for (const plan of plans) print(plan);
    return 0;
  } finally {
    await db.close();
  }
}

function print(plan: ErasurePlan): void {
  const who = describePerson(plan.subject);
  process.stdout.write(`\nerasure plan for ${who} — ${plan.rows} rows, about ${plan.estimateMs} ms (nothing was changed)\n\n`);
  const width = Math.max(...plan.tables.map((t) => t.table.length), 5);
  for (const t of plan.tables) {
    const later = t.deferredTo ? `rule ${t.deferredTo.rule} ${t.deferredTo.action}s them ${t.deferredTo.after} later` : '';
    const what =
      t.fate === 'update' ? t.columns.map((c) => `${c.column}: ${c.action.action}`).join(', ')
      : t.fate === 'delete' ? 'rows deleted'
      : t.fate === 'soft-delete' ? `soft-deleted now; ${later}`
      : t.fate === 'deferred' ? `unchanged now; ${later}`
      : 'rows kept';
    process.stdout.write(`  ${t.table.padEnd(width)}  ${String(t.rows).padStart(7)} rows  ${t.fate.padEnd(11)}  ${what}${t.depth > 0 ? dim(`  (via ${t.depth} foreign keys)`) : ''}\n`);
  }
  process.stdout.write('\n  statements, in order:\n');
  for (const s of plan.steps) process.stdout.write(`  ${String(s.order).padStart(3)}. ${s.kind.padEnd(12)} ${s.table} (${s.rows} rows)\n       ${dim(s.sql)}\n`);
}
