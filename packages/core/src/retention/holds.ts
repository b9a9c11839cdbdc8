import { createAuditAppender, type AuditAppender } from '../audit/index.js';
import type { ActorType } from '../audit/types.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import type { Database, Queryable } from '../db/types.js';
import { subjectTables } from '../dsar/subject-rows.js';
import { PLATFORM_TENANT } from '../dsar/requests/types.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import { sqlState } from '../db/errors.js';
import { findColumn, findTable } from '../check/lookup.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/define.js';
import type { LegalHold } from './types.js';

/**
 * Legal holds (custodian.legal_holds): while one stands on a tenant or a
 * person, no retention step deletes or anonymizes what it covers, and no
 * erasure runs for the person. Placing and lifting are audited in the
 * tenant's chain, so the customer sees who held their data and why.
 */

export interface PlaceHoldInput {
  tenant?: string;
  subject?: { subject: string; key: string; tenant?: string | undefined };
  reason: string;
  /** A ticket or case number. */
  reference?: string;
  actor: { type: ActorType; id: string };
}

interface HoldRow {
  id: string | number;
  tenant_id: string | null;
  subject_type: string | null;
  subject_key: string | null;
  reason: string;
  reference: string | null;
  set_by_type: ActorType;
  set_by_id: string;
  set_at: Date;
  lifted_at: Date | null;
  lifted_by_type: ActorType | null;
  lifted_by_id: string | null;
  lift_reason: string | null;
}

const COLUMNS = 'id, tenant_id, subject_type, subject_key, reason, reference, set_by_type, set_by_id, set_at, lifted_at, lifted_by_type, lifted_by_id, lift_reason';

function toHold(r: HoldRow): LegalHold {
  return {
    id: Number(r.id),
    tenant: r.tenant_id,
    subject: r.subject_type !== null && r.subject_key !== null ? { subject: r.subject_type, key: r.subject_key } : null,
    reason: r.reason,
    reference: r.reference,
    setBy: { type: r.set_by_type, id: r.set_by_id },
    setAt: r.set_at,
    liftedAt: r.lifted_at,
    liftedBy: r.lifted_by_id !== null ? { type: r.lifted_by_type!, id: r.lifted_by_id } : null,
    liftReason: r.lift_reason,
  };
}

function invalid(message: string, hint?: string): never {
  throw new CustodianError('ERR_RETENTION_INVALID', message, hint === undefined ? {} : { hint });
}

function requireText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${what} is required`, `give a ${what} of at most ${max} characters`);
  if (value.length > max) invalid(`${what} is longer than ${max} characters`);
  return value.trim();
}

/** The person as the database prints their key and tenant, or undefined when nobody has that key. */
async function canonicalPerson(db: Queryable, policy: Policy, schema: DatabaseSchema, person: { subject: string; key: string; tenant?: string | undefined }): Promise<{ key: string; tenant: string | undefined } | undefined> {
  const spec = policy.subjects[person.subject]!;
  const self = subjectTables(policy, schema, person.subject).find((t) => t.via === 'subject')!;
  const params = /\$2\b/.test(self.where) ? [person.key, person.tenant] : [person.key];
  const tenant = spec.tenant ? `t.${quoteIdent(spec.tenant)}::text` : 'NULL::text';
  try {
    const { rows } = await db.query<{ key: string; tenant: string | null }>(`SELECT t.${quoteIdent(spec.key)}::text AS key, ${tenant} AS tenant FROM ${quoteQualified(self.table)} t WHERE ${self.where} LIMIT 2`, params);
    if (rows.length !== 1) return undefined;
    return { key: rows[0]!.key, tenant: rows[0]!.tenant ?? undefined };
  } catch (error) {
    // A key that does not fit the column's type (not a UUID, say) names nobody.
    if (sqlState(error) === '22P02') return undefined;
    throw error;
  }
}

/** The tenant as the database prints its key, or undefined when there is no such tenant. */
async function canonicalTenant(db: Queryable, policy: Policy, schema: DatabaseSchema, tenant: string): Promise<string | undefined> {
  const tenants = policy.tenants;
  if (!tenants) invalid('the policy declares no tenants, so a hold cannot name one', 'hold a person instead');
  const type = findColumn(findTable(schema, tenants.table), tenants.key)?.type ?? 'text';
  try {
    const { rows } = await db.query<{ key: string }>(`SELECT t.${quoteIdent(tenants.key)}::text AS key FROM ${quoteQualified(tenants.table)} t WHERE t.${quoteIdent(tenants.key)} = $1::${type}`, [tenant]);
    return rows[0]?.key;
  } catch (error) {
    if (sqlState(error) === '22P02') return undefined;
    throw error;
  }
}

/**
 * Places a hold on a tenant, or on one person (whose tenant is then recorded
 * with it). The tenant or person must exist — a hold on a mistyped key would
 * hold nothing — and is stored as the database prints its key, so every later
 * comparison matches however the key was written (`7` and `007`, a UUID in
 * upper case).
 *
 * @example
 * await placeHold(db, policy, schema, { subject: { subject: 'candidate', key: id, tenant: company }, reason: 'litigation hold', reference: 'LEGAL-42', actor: { type: 'operator', id: 'ops@example.com' } });
 */
export async function placeHold(db: Database, policy: Policy, schema: DatabaseSchema, input: PlaceHoldInput, audit: AuditAppender = createAuditAppender()): Promise<LegalHold> {
  const reason = requireText(input.reason, 'reason', 1000);
  const reference = input.reference === undefined ? null : requireText(input.reference, 'reference', 200);
  if (input.tenant === undefined && input.subject === undefined) invalid('a hold names a tenant, a person, or both', 'pass tenant or subject');
  let tenant = input.subject?.tenant ?? input.tenant;
  if (input.tenant !== undefined && input.subject?.tenant !== undefined && input.tenant !== input.subject.tenant) invalid('the person belongs to another tenant than the one named');
  let key: string | undefined;
  if (input.subject) {
    const spec = policy.subjects[input.subject.subject];
    if (!spec) invalid(`the policy declares no subject ${input.subject.subject}`, `one of: ${Object.keys(policy.subjects).join(', ')}`);
    if (spec.tenant !== undefined && tenant === undefined) invalid(`a ${input.subject.subject} belongs to a tenant: name it`);
    const found = await canonicalPerson(db, policy, schema, { ...input.subject, tenant });
    if (!found) throw new CustodianError('ERR_DSAR_SUBJECT_NOT_FOUND', `no ${input.subject.subject} with that key${tenant === undefined ? '' : ' in that tenant'}`, { hint: 'find the person with custodian dsar plan first' });
    key = found.key;
    tenant = found.tenant;
  } else {
    tenant = await canonicalTenant(db, policy, schema, tenant!);
    if (tenant === undefined) invalid(`no tenant in ${policy.tenants!.table} has that id`, 'check the id; list tenants in your application');
  }
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<HoldRow>(
      `INSERT INTO custodian.legal_holds (tenant_id, subject_type, subject_key, reason, reference, set_by_type, set_by_id, set_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING ${COLUMNS}`,
      [tenant ?? null, input.subject?.subject ?? null, key ?? null, reason, reference, input.actor.type, input.actor.id],
    );
    const hold = toHold(rows[0]!);
    await auditHold(tx, audit, hold, input.actor, 'retention.hold.placed', reference === null ? {} : { reference });
    return hold;
  });
}

/** A hold placed or lifted, in its tenant's chain (so the customer sees it), else the platform's. */
async function auditHold(tx: Queryable, audit: AuditAppender, hold: LegalHold, actor: { type: ActorType; id: string }, action: string, extra: Record<string, string> = {}): Promise<void> {
  await audit.append(tx, {
    tenant: hold.tenant ?? PLATFORM_TENANT,
    actor,
    action,
    target: { type: 'legal_hold', id: String(hold.id) },
    ...(hold.subject ? { subject: hold.subject.key } : {}),
    metadata: { hold: hold.id, on: hold.subject ? hold.subject.subject : 'tenant', ...extra },
  });
}

/** Lifts a standing hold; the next retention run takes what it kept. */
export async function liftHold(db: Database, id: number, input: { reason: string; actor: { type: ActorType; id: string } }, audit: AuditAppender = createAuditAppender()): Promise<LegalHold> {
  if (!Number.isSafeInteger(id) || id < 1) invalid('a hold id is a positive whole number');
  const reason = requireText(input.reason, 'reason', 1000);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<HoldRow>(`SELECT ${COLUMNS} FROM custodian.legal_holds WHERE id = $1 FOR UPDATE`, [id]);
    if (rows.length === 0) throw new CustodianError('ERR_RETENTION_HOLD_NOT_FOUND', `no legal hold ${id}`, { hint: 'list them with custodian retention holds --all' });
    if (rows[0]!.lifted_at !== null) throw new CustodianError('ERR_RETENTION_HOLD_LIFTED', `legal hold ${id} was already lifted`);
    const { rows: lifted } = await tx.query<HoldRow>(
      `UPDATE custodian.legal_holds SET lifted_at = now(), lifted_by_type = $2, lifted_by_id = $3, lift_reason = $4 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, input.actor.type, input.actor.id, reason],
    );
    const hold = toHold(lifted[0]!);
    await auditHold(tx, audit, hold, input.actor, 'retention.hold.lifted');
    return hold;
  });
}

export async function listHolds(db: Queryable, options: { includeLifted?: boolean; tenant?: string } = {}): Promise<LegalHold[]> {
  const { rows } = await db.query<HoldRow>(
    `SELECT ${COLUMNS} FROM custodian.legal_holds
      WHERE ($1::boolean OR lifted_at IS NULL) AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY id`,
    [options.includeLifted ?? false, options.tenant ?? null],
  );
  return rows.map(toHold);
}

/**
 * Whether a standing hold covers the person (on them, or on their tenant),
 * comparing keys as the database prints them, however the caller wrote them.
 */
export async function isHeld(db: Queryable, policy: Policy, schema: DatabaseSchema, subject: { subject: string; key: string; tenant?: string | undefined }): Promise<boolean> {
  const person = await canonicalPerson(db, policy, schema, subject);
  if (!person) return false;
  const { rows } = await db.query<{ held: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM custodian.legal_holds
        WHERE lifted_at IS NULL
          AND ((subject_type = $1 AND subject_key = $2 AND tenant_id IS NOT DISTINCT FROM $3::text) OR (subject_key IS NULL AND tenant_id = $3::text))
     ) AS held`,
    [subject.subject, person.key, person.tenant ?? null],
  );
  return rows[0]!.held;
}
