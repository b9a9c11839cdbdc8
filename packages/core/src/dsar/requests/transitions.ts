import type { Database, Transaction } from '../../db/types.js';
import { audited, inTransaction, jsonObject, lockRequest, requireStatus, text, updateRequest } from './context.js';
import { liftIfPlaced, placeRestriction } from './restrictions.js';
import { requestFromRow } from './row.js';
import type { DsarRequest, RequestOptions } from './types.js';

const MAX_RESULT_BYTES = 16 * 1024;

/** received → verified, inside a transaction that holds the request; a restriction or objection takes effect here. */
export async function markVerified(tx: Transaction, request: DsarRequest, method: string, now: Date, options: RequestOptions): Promise<DsarRequest> {
  const verified = await updateRequest(tx, request.id, `status = 'verified', verified_at = $2::timestamptz, verification = $3`, [method], now);
  await audited(tx, options, verified, 'dsar.verified', { method });
  if (verified.kind === 'restriction' || verified.kind === 'objection') await placeRestriction(tx, verified, now, options);
  return verified;
}

/**
 * Records that the person's identity was verified (`method`: how — `signed-in`,
 * `email-link`, `document`). A restriction or objection request restricts
 * processing from this moment (C12).
 */
export async function verifyIdentity(db: Database, id: string, input: { method: string }, options: RequestOptions = {}): Promise<DsarRequest> {
  const method = text(input?.method, 'method', 100);
  return inTransaction(db, options, async (tx) => {
    const { row, now } = await lockRequest(tx, id, options);
    requireStatus(row, ['received'], 'verify');
    return markVerified(tx, requestFromRow(row, now), method, now, options);
  });
}

/** verified → in_progress: the work has begun (the queue's runner calls it). */
export async function startRequest(db: Database, id: string, options: RequestOptions = {}): Promise<DsarRequest> {
  return inTransaction(db, options, async (tx) => {
    const { row, now } = await lockRequest(tx, id, options);
    requireStatus(row, ['verified'], 'start');
    const started = await updateRequest(tx, row.id, `status = 'in_progress', started_at = $2::timestamptz`, [], now);
    await audited(tx, options, started, 'dsar.started', { kind: started.kind });
    return started;
  });
}

/**
 * verified or in_progress → completed, with what it produced (an export's
 * artifact id, erasure counts). The audit event says whether it was on time.
 */
export async function completeRequest(db: Database, id: string, input: { result?: Record<string, unknown> } = {}, options: RequestOptions = {}): Promise<DsarRequest> {
  const result = jsonObject(input.result ?? {}, 'result', MAX_RESULT_BYTES);
  return inTransaction(db, options, async (tx) => {
    const { row, now } = await lockRequest(tx, id, options);
    requireStatus(row, ['verified', 'in_progress'], 'complete');
    const done = await updateRequest(tx, row.id, `status = 'completed', completed_at = $2::timestamptz, result = $3::jsonb`, [JSON.stringify(result)], now);
    await audited(tx, options, done, 'dsar.completed', { kind: done.kind, on_time: !done.late, deadline: done.deadline.toISOString(), result });
    return done;
  });
}

/**
 * Any open request → rejected, with the reason given to the person (identity
 * not verified, manifestly unfounded, an exemption). A restriction the
 * request put in place is lifted with it.
 */
export async function rejectRequest(db: Database, id: string, input: { reason: string }, options: RequestOptions = {}): Promise<DsarRequest> {
  const reason = text(input?.reason, 'reason', 1000);
  return inTransaction(db, options, async (tx) => {
    const { row, now } = await lockRequest(tx, id, options);
    requireStatus(row, ['received', 'verified', 'in_progress'], 'reject');
    const rejected = await updateRequest(tx, row.id, `status = 'rejected', rejected_at = $2::timestamptz, rejection_reason = $3`, [reason], now);
    await audited(tx, options, rejected, 'dsar.rejected', { kind: rejected.kind, reason });
    await liftIfPlaced(tx, rejected, `request rejected: ${reason}`.slice(0, 1000), now, options);
    return rejected;
  });
}
