import { introspect } from '@custodian/core/check';
import { quoteIdent, quoteQualified, type Database } from '@custodian/core/db';
import { ConfigError, CustodianError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import { placeHold, type LegalHold, type PlaceHoldInput } from '@custodian/core/retention';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { PERSON_FLAGS, PERSON_USAGE, describePerson, findPeople, type PersonFlags } from '../dsar/person.js';
import { operatorActor } from '../dsar/status.js';
import { COMMON, textFlag, when } from './flags.js';

export const usage = `custodian retention hold (--tenant <id> | ${PERSON_USAGE}) --reason <text> [--ticket <ref>] [--json]

hold   places a legal hold: while it stands, no retention step and no erasure deletes
       or anonymizes the tenant's data (--tenant alone) or the person's (found as
       \`dsar plan\` finds them; --tenant then narrows the search). --reason is
       required and kept with the hold and in its audit event; --ticket names the
       case or ticket. Lift it with \`retention lift <hold id> --reason <text>\`.`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('retention hold', rest, {
    ...DATABASE_FLAGS,
    ...COMMON,
    ...PERSON_FLAGS,
    reason: { type: 'string' },
    ticket: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  const person = values.subject !== undefined || values.id !== undefined || values.email !== undefined || values.identity !== undefined || values.value !== undefined;
  if (!person && values.tenant === undefined) throw new ConfigError('custodian retention hold: give --tenant, or a person with --subject', 'e.g. --tenant acme, or --subject user --email ada@example.com');
  if (values.tenant !== undefined && values.tenant.trim() === '') throw new ConfigError('custodian retention hold: --tenant is empty', 'give a tenant id');
  const reason = textFlag('retention hold', 'reason', values.reason, 'say why, e.g. --reason "litigation hold, matter 2026-114"');
  if (values.ticket !== undefined && (values.ticket.trim() === '' || values.ticket.length > 200)) {
    throw new ConfigError('custodian retention hold: --ticket must be 1 to 200 characters', 'e.g. --ticket LEGAL-114');
  }
  const { policy } = await loadPolicy(values);
  if (person) checkPerson(values, policy);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const schema = await introspect(db);
    const input: PlaceHoldInput = { reason, actor: operatorActor(), ...(values.ticket === undefined ? {} : { reference: values.ticket.trim() }) };
    if (person) {
      const people = await findPeople('hold', values, db, policy, schema);
      if (people.length === 0) throw new CustodianError('ERR_DSAR_SUBJECT_NOT_FOUND', `no ${values.subject} has that ${values.email !== undefined ? 'email' : values.id !== undefined ? 'id' : 'identity'}`, { hint: 'check the value; `custodian dsar plan` with the same flags finds people the same way' });
      if (people.length > 1) throw new ConfigError(`custodian retention hold: that identity names ${people.length} people, one per tenant`, 'add --tenant <id> to choose one');
      const found = people[0]!;
      input.subject = { subject: found.subject, key: found.key, ...(found.tenant ? { tenant: found.tenant } : {}) };
    } else {
      await mustBeTenant(db, policy, values.tenant!);
      input.tenant = values.tenant!;
    }
    const hold = await placeHold(db, policy, schema, input);
    if (values.json) json(hold);
    else process.stdout.write(`${holdLine('placed', hold)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

/**
 * The person flags checked here rather than by `personQuery`, whose messages
 * name `custodian dsar`: the same rules, in this command's words.
 */
function checkPerson(values: PersonFlags, policy: Policy): void {
  const say = (message: string, hint: string) => new ConfigError(`custodian retention hold: ${message}`, hint);
  if (!values.subject) throw say('--subject is required with --id, --email or --identity', 'name a subject kind from the policy, e.g. --subject user');
  const given = [values.id !== undefined, values.email !== undefined, values.identity !== undefined].filter(Boolean).length;
  if (given !== 1 || (values.identity !== undefined) !== (values.value !== undefined)) throw say('give exactly one of --id, --email, or --identity with --value', 'e.g. --email ada@example.com');
  const subject = policy.subjects[values.subject];
  if (!subject) throw say(`the policy declares no subject "${values.subject.slice(0, 40)}"`, `one of: ${Object.keys(policy.subjects).join(', ')}`);
  const kinds = Object.values(subject.identities).map((i) => i.kind);
  if (values.identity !== undefined && !Object.hasOwn(subject.identities, values.identity)) throw say('the subject has no such identity', `one of: ${Object.keys(subject.identities).join(', ')}`);
  if (values.id !== undefined && !kinds.includes('id')) throw say('the subject has no id identity', `use --identity with one of: ${Object.keys(subject.identities).join(', ')}`);
  if (values.email !== undefined && !kinds.includes('email')) throw say('the subject has no email identity', `use --identity with one of: ${Object.keys(subject.identities).join(', ')}`);
}

/** A hold on a tenant id that names no tenant would hold nothing and look as if it held everything. */
async function mustBeTenant(db: Database, policy: Policy, tenant: string): Promise<void> {
  if (!policy.tenants) throw new ConfigError('custodian retention hold: the policy declares no tenants', 'hold a person with --subject instead');
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${quoteQualified(policy.tenants.table)} WHERE ${quoteIdent(policy.tenants.key)}::text = $1) AS found`,
    [tenant],
  );
  if (!rows[0]!.found) throw new CustodianError('ERR_RETENTION_INVALID', `no tenant in ${policy.tenants.table} has that id`, { hint: 'check the id; list tenants in your application' });
}

/** `placed legal hold 3 on tenant acme (LEGAL-114): litigation hold` — what `hold`, `lift` and `holds` print. */
export function holdLine(verb: string, hold: LegalHold): string {
  const what = hold.subject ? describePerson({ ...hold.subject, tenant: hold.tenant ?? undefined }) : `tenant ${hold.tenant}`;
  const lifted = hold.liftedAt ? ` — lifted ${when(hold.liftedAt)} by ${hold.liftedBy?.id ?? '?'}: ${hold.liftReason ?? ''}` : '';
  return `${verb} legal hold ${hold.id} on ${what}${hold.reference ? ` (${hold.reference})` : ''}, since ${when(hold.setAt)} by ${hold.setBy.id}: ${hold.reason}${lifted}`;
}
