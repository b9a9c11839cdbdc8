import type { Database, Queryable, Transaction } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import type { SubjectRef } from '../subject-rows.js';
import { audited, inTransaction, lockRequest, text } from './context.js';
import { requestFromRow, type RequestRow } from './row.js';
import { PLATFORM_TENANT, type DsarRequest, type RequestOptions } from './types.js';

const PROCESSING = /^[a-z][a-z0-9_.-]*$/;

/** The processing a restriction or objection request concerns: `details.processing`, or null for all processing. */
export function processingOf(request: Pick<DsarRequest, 'kind' | 'details'>): string | null {
  const p = request.details.processing;
  return typeof p === 'string' && PROCESSING.test(p) ? p : null;
}

export function isProcessingName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 100 && PROCESSING.test(value);
}

/** Puts a verified restriction or objection request's restriction in place (inside its transaction) and audits it. */
export async function placeRestriction(tx: Transaction, request: DsarRequest, now: Date, options: RequestOptions): Promise<void> {
  const processing = processingOf(request);
  await tx.query(
    `INSERT INTO custodian.subject_restrictions (request_id, tenant_id, subject, subject_key, processing, restricted_at)
     VALUES ($1::uuid, $2, $3, $4, $5, $6::timestamptz)`,
    [request.id, request.tenant, request.person.subject, request.person.key, processing, now.toISOString()],
  );
  await audited(tx, options, request, 'dsar.restricted', { kind: request.kind, processing: processing ?? 'all' });
}

/** Lifts the request's restriction if one is in place; true when it did. */
export async function liftIfPlaced(tx: Transaction, request: DsarRequest, reason: string, now: Date, options: RequestOptions): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE custodian.subject_restrictions SET lifted_at = $2::timestamptz, lift_reason = $3 WHERE request_id = $1::uuid AND lifted_at IS NULL`,
    [request.id, now.toISOString(), reason],
  );
  if (rowCount === 0) return false;
  await audited(tx, options, request, 'dsar.restriction_lifted', { reason });
  return true;
}

/**
 * Lifts the restriction a restriction or objection request put in place
 * (GDPR Art. 18(3): the person is told before it is lifted). The request
 * itself keeps its status; the restriction's record stays, with when and why
 * it was lifted.
 *
 * @example
 * await liftRestriction(db, requestId, { reason: 'accuracy of the address confirmed' }, { actor: { type: 'operator', id: 'op-1' } });
 */
export async function liftRestriction(db: Database, requestId: string, input: { reason: string }, options: RequestOptions = {}): Promise<DsarRequest> {
  const reason = text(input?.reason, 'reason', 1000);
  return inTransaction(db, options, async (tx) => {
    const { row, now } = await lockRequest(tx, requestId, options);
    const request = requestFromRow(row as RequestRow, now);
    if (!(await liftIfPlaced(tx, request, reason, now, options))) {
      throw new CustodianError('ERR_DSAR_TRANSITION', 'this request has no restriction in place', { hint: 'only a verified restriction or objection request restricts processing, until it is lifted' });
    }
    return request;
  });
}

/**
 * Whether processing of this person is restricted: by a verified restriction
 * request (all processing, or the processing it names) or objection (the
 * processing objected to). Without `processing`, only restrictions of all
 * processing count. One indexed lookup.
 *
 * @example
 * if (await isRestricted(tx, { subject: 'candidate', key: id, tenant: company }, 'marketing')) return;
 */
export async function isRestricted(q: Queryable, person: SubjectRef, processing?: string): Promise<boolean> {
  const { rows } = await q.query<{ restricted: boolean }>('SELECT custodian.is_restricted($1, $2, $3, $4) AS restricted', [
    person.tenant ?? PLATFORM_TENANT,
    person.subject,
    person.key,
    processing ?? null,
  ]);
  return rows[0]?.restricted === true;
}

/**
 * Throws `ERR_DSAR_RESTRICTED` when processing of the person is restricted:
 * what processing code calls before it touches a person's data (C12).
 *
 * @example
 * await assertNotRestricted(tx, { subject: 'user', key: userId }, 'marketing');
 * await sendNewsletter(userId);
 */
export async function assertNotRestricted(q: Queryable, person: SubjectRef, processing?: string): Promise<void> {
  if (await isRestricted(q, person, processing)) {
    throw new CustodianError('ERR_DSAR_RESTRICTED', `processing of this ${person.subject} is restricted`, {
      hint: 'the person asked for restriction or objected to this processing; do not process their data until it is lifted',
    });
  }
}
