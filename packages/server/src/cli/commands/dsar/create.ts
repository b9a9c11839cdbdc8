import { introspect } from '@custodian/core/check';
import { DSAR_KINDS, createRequest, jurisdictionsOf, type DsarKind } from '@custodian/core/dsar';
import { ConfigError, CustodianError } from '@custodian/core/errors';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../../args.js';
import { loadPolicy, openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { PERSON_FLAGS, PERSON_USAGE, findPeople, personQuery } from './person.js';
import { operatorActor, summaryLine } from './status.js';

export const usage = `custodian dsar create ${PERSON_USAGE} --kind access|erasure|rectification|restriction|objection [--jurisdiction gdpr|ccpa] [--details <json>] [--verified <method>] [--json]

create records a request for the person and its deadline (GDPR 30 days, CCPA 45),
       with an audit event. --details says what to correct (rectification) or
       which processing ({"processing":"marketing"}: objection, restriction).
       --verified <method> records the identity as verified already (e.g. signed-in).`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('dsar create', rest, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    ...PERSON_FLAGS,
    kind: { type: 'string' },
    jurisdiction: { type: 'string' },
    details: { type: 'string' },
    verified: { type: 'string' },
    json: { type: 'boolean' },
    production: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  if (!values.kind || !(DSAR_KINDS as readonly string[]).includes(values.kind)) {
    throw new ConfigError('custodian dsar create: --kind is required', `one of: ${DSAR_KINDS.join(', ')}`);
  }
  const details = parseDetails(values.details);
  const { policy } = await loadPolicy(values);
  // Deadlines and extensions as the policy states them (requests.jurisdictions; GDPR 30 + 60 days, CCPA 45 + 45 by default).
  const jurisdictions = jurisdictionsOf(policy);
  const jurisdiction = values.jurisdiction ?? policy.requests.defaultJurisdiction;
  if (!Object.hasOwn(jurisdictions, jurisdiction)) {
    throw new ConfigError('custodian dsar create: unknown --jurisdiction', `the policy declares: ${Object.keys(jurisdictions).join(', ')}`);
  }
  const query = personQuery('dsar create', values, policy);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const people = await findPeople('dsar create', values, db, policy, await introspect(db));
    if (people.length !== 1) {
      throw new CustodianError(
        'ERR_DSAR_SUBJECT_NOT_FOUND',
        people.length === 0 ? `no ${query.subject} has that ${query.identity}` : `that ${query.identity} names ${people.length} people in different tenants`,
        { hint: people.length === 0 ? 'check the value, or find the person with `custodian dsar plan`' : 'add --tenant <id>' },
      );
    }
    const request = await createRequest(
      db,
      {
        person: people[0]!,
        identity: query.identity,
        kind: values.kind as DsarKind,
        jurisdiction,
        ...(details === undefined ? {} : { details }),
        ...(values.verified === undefined ? {} : { verified: { method: values.verified } }),
      },
      { actor: operatorActor(), jurisdictions },
    );
    if (values.json) json(request);
    else process.stdout.write(`${summaryLine('recorded', request)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

function parseDetails(text: string | undefined): Record<string, never> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, never>;
  } catch {
    // reported below
  }
  throw new ConfigError('custodian dsar create: --details must be a JSON object', `e.g. --details '{"processing":"marketing"}'`);
}
