import type { JsonObject } from '../../audit/types.js';
import type { Database } from '../../db/types.js';
import { clockParam } from '../../jobs/clock.js';
import { checkId, inTransaction, invalid } from './context.js';
import { REQUEST_COLUMNS, requestFromRow, type RequestRow } from './row.js';
import { DSAR_KINDS, DSAR_STATUSES, type DsarKind, type DsarRequest, type DsarStatus, type RequestOptions } from './types.js';

export interface RequestFilter {
  tenant?: string;
  status?: DsarStatus | readonly DsarStatus[];
  kind?: DsarKind;
  /** One person's requests. */
  person?: { subject: string; key: string };
  /** Open requests whose deadline is within this many days and not yet passed. */
  dueWithinDays?: number;
  /** Open requests past their deadline. */
  overdue?: boolean;
  /** Default 100, at most 1000. */
  limit?: number;
}

type Row = RequestRow & { db_now: Date };

/** One request, or null. As the application role, only in `options.tenant`. */
export async function getRequest(db: Database, id: string, options: RequestOptions = {}): Promise<DsarRequest | null> {
  let checked: string;
  try {
    checked = checkId(id);
  } catch {
    return null;
  }
  const { rows } = await inTransaction(db, options, (tx) =>
    tx.query<Row>(`SELECT ${REQUEST_COLUMNS}, coalesce($2::timestamptz, now()) AS db_now FROM custodian.dsar_requests WHERE id = $1::uuid`, [checked, clockParam(options.clock)]),
    true,
  );
  return rows[0] ? requestFromRow(rows[0], rows[0].db_now) : null;
}

/**
 * Requests by deadline, soonest first (the order an operator works them in),
 * filtered by tenant, status, kind, person, due soon or overdue.
 */
export async function listRequests(db: Database, filter: RequestFilter = {}, options: RequestOptions = {}): Promise<DsarRequest[]> {
  const params: unknown[] = [clockParam(options.clock)];
  const where: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.tenant !== undefined) add((p) => `tenant_id = ${p}`, filter.tenant);
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
    if (statuses.some((s) => !DSAR_STATUSES.includes(s))) invalid(`status must be one of ${DSAR_STATUSES.join(', ')}`);
    add((p) => `status = ANY(${p}::text[])`, statuses);
  }
  if (filter.kind !== undefined) {
    if (!DSAR_KINDS.includes(filter.kind)) invalid(`kind must be one of ${DSAR_KINDS.join(', ')}`);
    add((p) => `kind = ${p}`, filter.kind);
  }
  if (filter.person !== undefined) {
    add((p) => `subject = ${p}`, filter.person.subject);
    add((p) => `subject_key = ${p}`, filter.person.key);
  }
  const open = `status NOT IN ('completed', 'rejected')`;
  const deadline = 'coalesce(extended_due_at, due_at)';
  if (filter.dueWithinDays !== undefined) {
    if (!Number.isInteger(filter.dueWithinDays) || filter.dueWithinDays < 0 || filter.dueWithinDays > 366) invalid('dueWithinDays must be a whole number from 0 to 366');
    where.push(open, `${deadline} >= coalesce($1::timestamptz, now())`);
    add((p) => `${deadline} <= coalesce($1::timestamptz, now()) + ${p}::int * interval '1 day'`, filter.dueWithinDays);
  }
  if (filter.overdue) where.push(open, `${deadline} < coalesce($1::timestamptz, now())`);
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) invalid('limit must be a whole number from 1 to 1000');
  params.push(limit);
  const sql = `SELECT ${REQUEST_COLUMNS}, coalesce($1::timestamptz, now()) AS db_now FROM custodian.dsar_requests
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${deadline}, received_at, id LIMIT $${params.length}`;
  const { rows } = await inTransaction(db, options, (tx) => tx.query<Row>(sql, params), true);
  return rows.map((r) => requestFromRow(r, r.db_now));
}

/** Open requests due within `days` and not yet overdue, soonest first. */
export function dueSoon(db: Database, days: number, options: RequestOptions & { tenant?: string } = {}): Promise<DsarRequest[]> {
  return listRequests(db, { dueWithinDays: days, ...(options.tenant === undefined ? {} : { tenant: options.tenant }), limit: 1000 }, options);
}

/** Open requests past their deadline, most overdue first (B7, C11: never silently late). */
export function overdue(db: Database, options: RequestOptions & { tenant?: string } = {}): Promise<DsarRequest[]> {
  return listRequests(db, { overdue: true, ...(options.tenant === undefined ? {} : { tenant: options.tenant }), limit: 1000 }, options);
}

/** One audit event in a request's history. */
export interface RequestEvent {
  seq: number;
  at: Date;
  action: string;
  actor: { type: string; id: string };
  metadata: JsonObject;
}

/** The request's audit events, in order: its tracked history (B7). */
export async function requestHistory(db: Database, request: Pick<DsarRequest, 'id' | 'tenant' | 'person'>, options: RequestOptions = {}): Promise<RequestEvent[]> {
  const { rows } = await inTransaction(
    db,
    options,
    (tx) =>
      tx.query<{ seq: number; occurred_at: Date; action: string; actor_type: string; actor_id: string; metadata: JsonObject }>(
        `SELECT seq, occurred_at, action, actor_type, actor_id, metadata::jsonb AS metadata FROM custodian.audit_events
          WHERE subject_id = $3 AND tenant_id = $1 AND target_type = 'dsar_request' AND target_id = $2 ORDER BY seq`,
        [request.tenant, request.id, request.person.key],
      ),
    true,
  );
  return rows.map((r) => ({ seq: Number(r.seq), at: r.occurred_at, action: r.action, actor: { type: r.actor_type, id: r.actor_id }, metadata: r.metadata }));
}
