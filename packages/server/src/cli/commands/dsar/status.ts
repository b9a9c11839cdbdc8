import { userInfo } from 'node:os';
import { requestStatus, type DsarRequest, type RequestStatus } from '@custodian/core/dsar';
import { ConfigError, CustodianError } from '@custodian/core/errors';
import { DATABASE_FLAGS, POLICY_FLAGS, parse } from '../../args.js';
import { openFromFlags } from '../../context.js';
import { dim, info, json, red, yellow } from '../../output.js';
import { describePerson } from './person.js';

/** Accepted by every action, as `custodian dsar --help` says, though these actions need no policy. */
export const COMMON = { ...POLICY_FLAGS, production: { type: 'boolean' } } as const;

export const usage = `custodian dsar status <request id> [--json]

status the request, its deadline, its job on the queue (state, attempts, last error,
       progress) and its history from the audit log`;

export async function run(rest: string[]): Promise<number> {
  const [id, flags] = requestIdAndFlags('status', rest);
  const { values } = parse('dsar status', flags, { ...DATABASE_FLAGS, ...COMMON, json: { type: 'boolean' } });
  if (values.help || id === undefined) return info(usage), values.help ? 0 : 2;
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const status = await requestStatus(db, id);
    if (!status) throw new CustodianError('ERR_DSAR_NOT_FOUND', 'no data subject request has that id', { hint: 'list requests with `custodian dsar list`' });
    if (values.json) json(status);
    else print(status);
    return 0;
  } finally {
    await db.close();
  }
}

/** `<id> [flags]` or `[flags]`: the request id is the first argument when it is not a flag. */
export function requestIdAndFlags(action: string, rest: string[]): [string | undefined, string[]] {
  const [first, ...others] = rest;
  if (first === undefined || first.startsWith('-')) {
    if (rest.includes('--help') || rest.includes('-h')) return [undefined, rest];
    throw new ConfigError(`custodian dsar ${action}: the request id is required`, `custodian dsar ${action} <request id>; list them with \`custodian dsar list\``);
  }
  return [first, others];
}

/** Who an operator at this terminal is, for the audit log. */
export function operatorActor(): { type: 'operator'; id: string } {
  let name = 'unknown';
  try {
    name = userInfo().username || name;
  } catch {
    // no user database entry (a container): keep "unknown"
  }
  return { type: 'operator', id: `cli:${name}`.slice(0, 100) };
}

export function when(date: Date | null): string {
  return date ? date.toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z').replace('T', ' ') : '-';
}

/** "in 3 days", "overdue by 2 days": the deadline as an operator reads it. */
export function deadlineNote(request: DsarRequest, now = new Date()): string {
  if (request.status === 'completed') return request.late ? red('completed late') : 'completed on time';
  if (request.status === 'rejected') return 'rejected';
  const days = Math.round((request.deadline.getTime() - now.getTime()) / 86_400_000);
  if (request.overdue) return red(`OVERDUE by ${Math.max(1, -days)} day${-days === 1 ? '' : 's'}`);
  return days <= 7 ? yellow(`due in ${days} day${days === 1 ? '' : 's'}`) : `due in ${days} days`;
}

/** The one-line summary `create`, `verify`, `reject` and `extend` print. */
export function summaryLine(verb: string, r: DsarRequest): string {
  return `${verb} ${r.kind} request ${r.id} for ${describePerson(r.person)} — ${r.status}, deadline ${when(r.deadline)} (${deadlineNote(r)})`;
}

function print({ request: r, job, history }: RequestStatus): void {
  const out = (label: string, value: string) => process.stdout.write(`  ${label.padEnd(11)} ${value}\n`);
  process.stdout.write(`${r.kind} request ${r.id}\n`);
  out('person', `${describePerson(r.person)} (found by ${r.identity})`);
  out('status', `${r.status}${r.status === 'rejected' ? `: ${r.rejectionReason}` : ''}${r.verification ? dim(` — identity verified by ${r.verification}`) : ''}`);
  out('received', `${when(r.receivedAt)} under ${r.jurisdiction}`);
  out('deadline', `${when(r.deadline)} — ${deadlineNote(r)}${r.extendedDays ? dim(` (extended by ${r.extendedDays} of ${r.maxExtensionDays} days: ${r.extensionReason})`) : ''}`);
  if (r.completedAt) out('completed', when(r.completedAt));
  if (Object.keys(r.details).length) out('details', JSON.stringify(r.details));
  if (r.result) out('result', JSON.stringify(r.result));
  if (job) {
    const next = job.state === 'queued' ? `, next run ${when(job.runAt)}` : '';
    out('job', `${job.state} — attempt ${job.attempts} of ${job.maxAttempts}${next}${job.progress ? `, ${job.progress.done}/${job.progress.total} done` : ''}`);
    if (job.lastErrorCode) out('last error', `${job.state === 'succeeded' ? dim(`${job.lastErrorCode} (recovered)`) : red(job.lastErrorCode)}: ${job.lastError ?? ''}`);
  } else if (r.status === 'verified' || r.status === 'in_progress') {
    out('job', 'not queued');
  }
  process.stdout.write('  history\n');
  for (const e of history) process.stdout.write(`    ${when(e.at)}  ${e.action.padEnd(24)} ${dim(`${e.actor.type} ${e.actor.id}`)}\n`);
}
