import { createAuditAppender, type AuditAppender, type JsonObject } from '../../audit/index.js';
import type { Database, Transaction } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import { clockParam } from '../../jobs/clock.js';
import { REQUEST_COLUMNS, requestFromRow, type RequestRow } from './row.js';
import type { DsarRequest, DsarStatus, RequestOptions } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let sharedAudit: AuditAppender | undefined;

/** Runs `fn` in one transaction with the options' tenant and role: the change and its audit event commit together. */
export function inTransaction<T>(db: Database, options: RequestOptions, fn: (tx: Transaction) => Promise<T>, readOnly = false): Promise<T> {
  return db.transaction(fn, {
    ...(options.tenant === undefined ? {} : { tenantId: options.tenant }),
    ...(options.role === undefined ? {} : { role: options.role }),
    ...(readOnly ? { readOnly: true } : {}),
  });
}

export function notFound(): CustodianError {
  return new CustodianError('ERR_DSAR_NOT_FOUND', 'no data subject request has that id', { hint: 'list requests with `custodian dsar list`' });
}

export function invalid(message: string, hint?: string): never {
  throw new CustodianError('ERR_DSAR_REQUEST_INVALID', message, { hint: hint ?? 'see docs/dsar.md, "Requests and deadlines"' });
}

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw notFound();
  return id.toLowerCase();
}

/** The request, locked for this transaction (so two changes of one request run one after the other), and the time of the decision. */
export async function lockRequest(tx: Transaction, id: string, options: RequestOptions): Promise<{ row: RequestRow; now: Date }> {
  const { rows } = await tx.query<RequestRow & { db_now: Date }>(
    `SELECT ${REQUEST_COLUMNS}, coalesce($2::timestamptz, now()) AS db_now FROM custodian.dsar_requests WHERE id = $1::uuid FOR UPDATE`,
    [checkId(id), clockParam(options.clock)],
  );
  if (!rows[0]) throw notFound();
  return { row: rows[0], now: rows[0].db_now };
}

/** Refuses a change the request's status does not allow, naming both. */
export function requireStatus(row: RequestRow, allowed: readonly DsarStatus[], change: string): void {
  if (allowed.includes(row.status)) return;
  const hint = row.status === 'received' ? 'verify the person\'s identity first' : row.status === 'completed' || row.status === 'rejected' ? 'a finished request is final; create a new one' : `allowed from: ${allowed.join(', ')}`;
  throw new CustodianError('ERR_DSAR_TRANSITION', `cannot ${change} a request that is ${row.status}`, { hint });
}

/** Updates the locked request and returns it as it now is. In `set`, `$2` is the decision's time; `params` start at `$3`. */
export async function updateRequest(tx: Transaction, id: string, set: string, params: readonly unknown[], now: Date): Promise<DsarRequest> {
  const { rows } = await tx.query<RequestRow>(
    `UPDATE custodian.dsar_requests SET ${set}, updated_at = $2::timestamptz WHERE id = $1::uuid RETURNING ${REQUEST_COLUMNS}`,
    [id, now.toISOString(), ...params],
  );
  return requestFromRow(rows[0]!, now);
}

/**
 * Writes the change's audit event in the request's tenant chain, in the same
 * transaction. The person's key is the event's subject; free text (reasons)
 * passes the appender's redaction like all metadata.
 */
export async function audited(tx: Transaction, options: RequestOptions, request: { id: string; tenant: string; person: { key: string } }, action: string, metadata: JsonObject): Promise<void> {
  sharedAudit ??= createAuditAppender();
  await (options.audit ?? sharedAudit).append(tx, {
    tenant: request.tenant,
    actor: options.actor ?? { type: 'system', id: 'custodian' },
    action,
    target: { type: 'dsar_request', id: request.id },
    subject: request.person.key,
    metadata,
    ...(options.clock ? { at: options.clock() } : {}),
  });
}

/** A JSON object of plain values, at most `maxBytes` as JSON. */
export function jsonObject(value: unknown, field: string, maxBytes: number): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(`${field} must be a JSON object`);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    invalid(`${field} must be plain JSON`);
  }
  if (Buffer.byteLength(text) > maxBytes) invalid(`${field} is larger than ${maxBytes} bytes`);
  if (text.includes('\\u0000')) invalid(`${field} contains a NUL character`);
  return JSON.parse(text) as JsonObject;
}

/** Non-empty text of at most `max` characters. */
export function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) invalid(`${field} is required`);
  if (value.length > max) invalid(`${field} is longer than ${max} characters`);
  if (value.includes('\u0000')) invalid(`${field} contains a NUL character`);
  return value.trim();
}
