import { APP_ROLE } from '../db/roles.js';
import type { Database } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import type { ChainFields } from './chain-encoding.js';
import type { ActorType, JsonObject } from './types.js';

/** One stored event, as a tenant reads it back. */
export interface AuditEvent {
  tenant: string;
  seq: number;
  /** ISO 8601, millisecond precision; `occurredAtMicros` is the exact value the hash covers. */
  at: string;
  occurredAtMicros: string;
  actor: { type: ActorType; id: string };
  action: string;
  target: { type: string | null; id: string | null } | null;
  subject: string | null;
  session: string | null;
  purpose: string | null;
  /** As PostgreSQL prints an inet, with its prefix length (`192.0.2.1/32`). */
  ip: string | null;
  userAgent: string | null;
  metadata: JsonObject;
  prevHash: string;
  hash: string;
}

/**
 * A page of one tenant's events. Filters combine with AND. `action` is exact
 * (`key.decrypt`) or a namespace (`key.*`, `operator.*`).
 */
export interface AuditQuery {
  tenant: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
  actor?: { type?: ActorType; id?: string };
  action?: string;
  target?: { type?: string; id?: string };
  subject?: string;
  /** Newest first by default. */
  order?: 'asc' | 'desc';
  /** Page size, 1 to 1000; 100 by default. */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

const ACTION = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*(?:\.\*)?$/;
/** The columns every reader of whole events selects (query, export, archive). */
export const SELECT_EVENTS = `SELECT tenant_id, seq, occurred_at, (extract(epoch FROM occurred_at) * 1000000)::int8::text AS us,
    actor_type, actor_id, action, target_type, target_id, subject_id, session_id, purpose, ip::text AS ip, user_agent,
    metadata::text AS metadata, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
  FROM custodian.audit_events`;

export interface EventRow {
  tenant_id: string;
  seq: number | string;
  occurred_at: Date;
  us: string;
  actor_type: ActorType;
  actor_id: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  subject_id: string | null;
  session_id: string | null;
  purpose: string | null;
  ip: string | null;
  user_agent: string | null;
  metadata: string;
  prev_hash: string;
  hash: string;
}

/**
 * One tenant's events, filtered and paged by sequence number (a keyset: each
 * page costs the same however deep). It reads as the application role with
 * the tenant's context set, so row-level security holds it to that tenant
 * even if a filter here were wrong — isolation enforced twice.
 *
 * @example
 * const page = await queryAuditEvents(db, { tenant: 'company-1', action: 'operator.*', from: new Date('2026-11-01') });
 * for (const e of page.events) console.log(e.seq, e.actor.id, e.action);
 */
export async function queryAuditEvents(db: Database, query: AuditQuery): Promise<AuditPage> {
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be a whole number from 1 to 1000');
  const { sql, params } = compile(query);
  const rows = await db.transaction(
    async (tx) => (await tx.query<EventRow>(`${sql} LIMIT $${params.length + 1}`, [...params, limit + 1])).rows,
    { tenantId: query.tenant, role: APP_ROLE, readOnly: true },
  );
  const events = rows.slice(0, limit).map(toEvent);
  return rows.length > limit ? { events, next: String(events[events.length - 1]!.seq) } : { events };
}

/**
 * Every event matching the query, oldest first, in pages: for exports that
 * must not hold a tenant's whole log in memory.
 */
export async function* allAuditEvents(db: Database, query: Omit<AuditQuery, 'order' | 'limit' | 'after'>, pageSize = 1000): AsyncGenerator<AuditEvent[]> {
  let after: string | undefined;
  do {
    const page = await queryAuditEvents(db, { ...query, order: 'asc', limit: pageSize, ...(after ? { after } : {}) });
    if (page.events.length > 0) yield page.events;
    after = page.next;
  } while (after);
}

function compile(q: AuditQuery): { sql: string; params: unknown[] } {
  if (typeof q.tenant !== 'string' || q.tenant === '') throw invalid('tenant is required');
  const where = ['tenant_id = $1'];
  const params: unknown[] = [q.tenant];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (q.from !== undefined) add((p) => `occurred_at >= ${p}`, validDate(q.from, 'from'));
  if (q.to !== undefined) add((p) => `occurred_at < ${p}`, validDate(q.to, 'to'));
  if (q.actor?.type !== undefined) add((p) => `actor_type = ${p}`, q.actor.type);
  if (q.actor?.id !== undefined) add((p) => `actor_id = ${p}`, q.actor.id);
  if (q.action !== undefined) {
    if (!ACTION.test(q.action)) throw invalid('action must be a namespaced action such as key.decrypt, or a namespace such as key.*');
    if (q.action.endsWith('.*')) add((p) => `starts_with(action, ${p})`, q.action.slice(0, -1));
    else add((p) => `action = ${p}`, q.action);
  }
  if (q.target?.type !== undefined) add((p) => `target_type = ${p}`, q.target.type);
  if (q.target?.id !== undefined) add((p) => `target_id = ${p}`, q.target.id);
  if (q.subject !== undefined) add((p) => `subject_id = ${p}`, q.subject);
  const order = q.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalid('order must be asc or desc');
  if (q.after !== undefined) {
    if (!/^[1-9][0-9]{0,18}$/.test(q.after)) throw invalid('after must be the next cursor of a previous page');
    add((p) => `seq ${order === 'asc' ? '>' : '<'} ${p}::bigint`, q.after);
  }
  return { sql: `${SELECT_EVENTS} WHERE ${where.join(' AND ')} ORDER BY seq ${order}`, params };
}

function validDate(d: Date, name: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw invalid(`${name} must be a valid date`);
  return d;
}

function invalid(message: string): CustodianError {
  return new CustodianError('ERR_AUDIT_QUERY_INVALID', `audit query: ${message}`);
}

export function toEvent(r: EventRow): AuditEvent {
  return {
    tenant: r.tenant_id,
    seq: Number(r.seq),
    at: new Date(r.occurred_at).toISOString(),
    occurredAtMicros: r.us,
    actor: { type: r.actor_type, id: r.actor_id },
    action: r.action,
    target: r.target_type === null && r.target_id === null ? null : { type: r.target_type, id: r.target_id },
    subject: r.subject_id,
    session: r.session_id,
    purpose: r.purpose,
    ip: r.ip,
    userAgent: r.user_agent,
    metadata: JSON.parse(r.metadata) as JsonObject,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** The fields an exported event's hash covers, to recompute it offline (segments, exports). */
export function chainFieldsOf(e: AuditEvent): ChainFields {
  return {
    tenant: e.tenant,
    seq: e.seq,
    occurredAtMicros: BigInt(e.occurredAtMicros),
    actorType: e.actor.type,
    actorId: e.actor.id,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    subjectId: e.subject,
    sessionId: e.session,
    purpose: e.purpose,
    ip: e.ip,
    userAgent: e.userAgent,
    // Stored as RFC 8785 JSON, so encoding the parsed object again gives the same text.
    metadata: canonicalJson(e.metadata),
  };
}
