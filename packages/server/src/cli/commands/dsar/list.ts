import { DSAR_KINDS, DSAR_STATUSES, listRequests, type DsarKind, type DsarStatus, type RequestFilter } from '@custodian/core/dsar';
import { ConfigError } from '@custodian/core/errors';
import { DATABASE_FLAGS, intFlag, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { info, json } from '../../output.js';
import { COMMON, deadlineNote, when } from './status.js';

export const usage = `custodian dsar list [--tenant <id>] [--status <status>] [--kind <kind>] [--due-within <days>] [--overdue] [--limit <n>] [--json]

list   requests by deadline, soonest first: --due-within open requests due in that
       many days, --overdue open requests past their deadline`;

export async function run(rest: string[]): Promise<number> {
  const { values } = parse('dsar list', rest, {
    ...DATABASE_FLAGS,
    ...COMMON,
    tenant: { type: 'string' },
    status: { type: 'string' },
    kind: { type: 'string' },
    'due-within': { type: 'string' },
    overdue: { type: 'boolean' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  if (values.status !== undefined && !(DSAR_STATUSES as readonly string[]).includes(values.status)) {
    throw new ConfigError('custodian dsar list: unknown --status', `one of: ${DSAR_STATUSES.join(', ')}`);
  }
  if (values.kind !== undefined && !(DSAR_KINDS as readonly string[]).includes(values.kind)) {
    throw new ConfigError('custodian dsar list: unknown --kind', `one of: ${DSAR_KINDS.join(', ')}`);
  }
  if (values.overdue && values['due-within'] !== undefined) {
    throw new ConfigError('custodian dsar list: --overdue and --due-within exclude each other', 'overdue requests are past their deadline; --due-within lists those not yet due');
  }
  const filter: RequestFilter = {
    limit: intFlag('dsar list', 'limit', values.limit, 100, [1, 1000]),
    ...(values.tenant === undefined ? {} : { tenant: values.tenant }),
    ...(values.status === undefined ? {} : { status: values.status as DsarStatus }),
    ...(values.kind === undefined ? {} : { kind: values.kind as DsarKind }),
    ...(values['due-within'] === undefined ? {} : { dueWithinDays: intFlag('dsar list', 'due-within', values['due-within'], 7, [0, 366]) }),
    ...(values.overdue ? { overdue: true } : {}),
  };
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const requests = await listRequests(db, filter);
    if (values.json) return json(requests), 0;
    if (requests.length === 0) return info('no requests match'), 0;
    for (const r of requests) {
      const who = `${r.person.subject} ${r.person.key}${r.person.tenant ? ` @${r.person.tenant}` : ''}`;
      process.stdout.write(`${r.id}  ${r.kind.padEnd(13)} ${r.status.padEnd(11)} ${when(r.deadline)}  ${deadlineNote(r).padEnd(18)} ${who}\n`);
    }
    info(`${requests.length} request${requests.length === 1 ? '' : 's'}`);
    return 0;
  } finally {
    await db.close();
  }
}
