import type { JsonObject } from '../../audit/types.js';
import type { Database } from '../../db/types.js';
import { clockParam } from '../../jobs/clock.js';
import type { SubjectRef } from '../subject-rows.js';
import { audited, inTransaction, invalid, jsonObject, text } from './context.js';
import { isProcessingName } from './restrictions.js';
import { REQUEST_COLUMNS, requestFromRow, type RequestRow } from './row.js';
import { markVerified } from './transitions.js';
import { DEFAULT_JURISDICTIONS, DSAR_KINDS, PLATFORM_TENANT, type DsarKind, type DsarRequest, type Jurisdiction, type RequestOptions } from './types.js';

export interface NewRequest {
  /** Who it is about, e.g. from `findSubjects`. */
  person: SubjectRef;
  /** The name of the identity they were found by (`email`, `id` …). */
  identity: string;
  kind: DsarKind;
  /** Default `gdpr`. */
  jurisdiction?: string;
  /** Rectification: what to correct (required). Objection: `{ processing }` (required). Restriction: `{ processing }` (optional; all processing without). */
  details?: JsonObject;
  /** The identity is verified already (a signed-in person asking for themselves): the request starts verified. */
  verified?: { method: string };
}

const MAX_DETAILS_BYTES = 16 * 1024;

/**
 * Records a request and its deadline (B7): received now, due after the
 * jurisdiction's days (GDPR 30, CCPA 45), with `dsar.received` in the
 * tenant's audit chain in the same transaction.
 *
 * @example
 * const [person] = await findSubjects(db, policy, schema, { subject: 'user', identity: 'email', value: 'ada@example.com' });
 * const request = await createRequest(db, { person, identity: 'email', kind: 'erasure', verified: { method: 'signed-in' } });
 * request.deadline; // 30 days from now
 */
export async function createRequest(
  db: Database,
  input: NewRequest,
  options: RequestOptions & { jurisdictions?: Readonly<Record<string, Jurisdiction>> } = {},
): Promise<DsarRequest> {
  const person = input?.person;
  if (!person || typeof person !== 'object') invalid('person is required');
  const subject = text(person.subject, 'person.subject', 100);
  const key = text(person.key, 'person.key', 512);
  const tenant = person.tenant === undefined ? PLATFORM_TENANT : text(person.tenant, 'person.tenant', 512);
  const identity = text(input.identity, 'identity', 100);
  if (!DSAR_KINDS.includes(input.kind)) invalid(`kind must be one of ${DSAR_KINDS.join(', ')}`);
  const jurisdictions = options.jurisdictions ?? DEFAULT_JURISDICTIONS;
  const jurisdictionName = input.jurisdiction ?? 'gdpr';
  const jurisdiction = typeof jurisdictionName === 'string' && Object.hasOwn(jurisdictions, jurisdictionName) ? jurisdictions[jurisdictionName]! : undefined;
  if (!jurisdiction) invalid(`jurisdiction must be one of ${Object.keys(jurisdictions).join(', ')}`);
  if (!/^[a-z][a-z0-9_-]*$/.test(jurisdictionName)) invalid('a jurisdiction name must be lower case, e.g. gdpr');
  if (!Number.isInteger(jurisdiction.days) || jurisdiction.days < 1 || jurisdiction.days > 366) invalid('a jurisdiction\'s days must be a whole number from 1 to 366');
  if (!Number.isInteger(jurisdiction.maxExtensionDays) || jurisdiction.maxExtensionDays < 0 || jurisdiction.maxExtensionDays > 366) invalid('a jurisdiction\'s maxExtensionDays must be a whole number from 0 to 366');
  const details = jsonObject(input.details ?? {}, 'details', MAX_DETAILS_BYTES);
  if (input.kind === 'objection' && !isProcessingName(details.processing)) {
    invalid('an objection names the processing objected to in details.processing', 'e.g. { "processing": "marketing" }');
  }
  if (input.kind === 'restriction' && details.processing !== undefined && !isProcessingName(details.processing)) {
    invalid('details.processing must be a lower-case processing name, or left out to restrict all processing');
  }
  if (input.kind === 'rectification' && Object.keys(details).length === 0) {
    invalid('a rectification request says what to correct in details', 'e.g. { "field": "name", "correction": "…" }');
  }
  const verification = input.verified === undefined ? undefined : text(input.verified?.method, 'verified.method', 100);

  return inTransaction(db, options, async (tx) => {
    const { rows } = await tx.query<RequestRow & { db_now: Date }>(
      `WITH t AS (SELECT coalesce($7::timestamptz, now()) AS at)
       INSERT INTO custodian.dsar_requests (tenant_id, subject, subject_key, identity, kind, jurisdiction, received_at, due_at, max_extension_days, details, updated_at)
       SELECT $1, $2, $3, $4, $5, $6, t.at, t.at + $8::int * interval '1 day', $9, $10::jsonb, t.at FROM t
       RETURNING ${REQUEST_COLUMNS}, received_at AS db_now`,
      [tenant, subject, key, identity, input.kind, jurisdictionName, clockParam(options.clock), jurisdiction.days, jurisdiction.maxExtensionDays, JSON.stringify(details)],
    );
    const row = rows[0]!;
    let request = requestFromRow(row, row.db_now);
    await audited(tx, options, request, 'dsar.received', {
      kind: request.kind,
      jurisdiction: request.jurisdiction,
      subject: request.person.subject,
      identity: request.identity,
      due_at: request.dueAt.toISOString(),
    });
    if (verification !== undefined) request = await markVerified(tx, request, verification, row.db_now, options);
    return request;
  });
}
