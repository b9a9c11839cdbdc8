import { introspect } from '@custodian/core/check';
import { ConfigError, CustodianError } from '@custodian/core/errors';
import { placeHold, type LegalHold, type PlaceHoldInput } from '@custodian/core/retention';
import { DATABASE_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { PERSON_FLAGS, PERSON_USAGE, describePerson, findPeople, personQuery } from '../dsar/person.js';
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
  if (person) personQuery('retention hold', values, policy);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const schema = await introspect(db);
    const input: PlaceHoldInput = { reason, actor: operatorActor(), ...(values.ticket === undefined ? {} : { reference: values.ticket.trim() }) };
    if (person) {
      const people = await findPeople('retention hold', values, db, policy, schema);
      if (people.length === 0) throw new CustodianError('ERR_DSAR_SUBJECT_NOT_FOUND', `no ${values.subject} has that ${values.email !== undefined ? 'email' : values.id !== undefined ? 'id' : 'identity'}`, { hint: 'check the value; `custodian dsar plan` with the same flags finds people the same way' });
      if (people.length > 1) throw new ConfigError(`custodian retention hold: that identity names ${people.length} people, one per tenant`, 'add --tenant <id> to choose one');
      const found = people[0]!;
      input.subject = { subject: found.subject, key: found.key, ...(found.tenant ? { tenant: found.tenant } : {}) };
    } else {
      input.tenant = values.tenant!; // placeHold checks the tenant exists
    }
    const hold = await placeHold(db, policy, schema, input);
    if (values.json) json(hold);
    else process.stdout.write(`${holdLine('placed', hold)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

/** `placed legal hold 3 on tenant acme (LEGAL-114): litigation hold` — what `hold`, `lift` and `holds` print. */
export function holdLine(verb: string, hold: LegalHold): string {
  const what = hold.subject ? describePerson({ ...hold.subject, tenant: hold.tenant ?? undefined }) : `tenant ${hold.tenant}`;
  const lifted = hold.liftedAt ? ` — lifted ${when(hold.liftedAt)} by ${hold.liftedBy?.id ?? '?'}: ${hold.liftReason ?? ''}` : '';
  return `${verb} legal hold ${hold.id} on ${what}${hold.reference ? ` (${hold.reference})` : ''}, since ${when(hold.setAt)} by ${hold.setBy.id}: ${hold.reason}${lifted}`;
}
