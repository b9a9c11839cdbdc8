import type { JsonObject } from '../../audit/types.js';
import type { DsarKind, DsarRequest, DsarStatus } from './types.js';
import { PLATFORM_TENANT } from './types.js';

/** The columns every query of requests returns. */
export const REQUEST_COLUMNS = `id::text AS id, tenant_id, subject, subject_key, identity, kind, jurisdiction, status, received_at, due_at,
  extended_due_at, extended_days, max_extension_days, extension_reason, verified_at, verification, started_at, completed_at,
  rejected_at, rejection_reason, result, details, updated_at`;

export interface RequestRow {
  id: string;
  tenant_id: string;
  subject: string;
  subject_key: string;
  identity: string;
  kind: DsarKind;
  jurisdiction: string;
  status: DsarStatus;
  received_at: Date;
  due_at: Date;
  extended_due_at: Date | null;
  extended_days: number;
  max_extension_days: number;
  extension_reason: string | null;
  verified_at: Date | null;
  verification: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  rejected_at: Date | null;
  rejection_reason: string | null;
  result: JsonObject | null;
  details: JsonObject;
  updated_at: Date;
}

/** `now` decides `overdue`: the time of the query that read the row. */
export function requestFromRow(r: RequestRow, now: Date): DsarRequest {
  const deadline = r.extended_due_at ?? r.due_at;
  const open = r.status !== 'completed' && r.status !== 'rejected';
  return {
    id: r.id,
    tenant: r.tenant_id,
    person: { subject: r.subject, key: r.subject_key, tenant: r.tenant_id === PLATFORM_TENANT ? undefined : r.tenant_id },
    identity: r.identity,
    kind: r.kind,
    jurisdiction: r.jurisdiction,
    status: r.status,
    receivedAt: r.received_at,
    dueAt: r.due_at,
    extendedDueAt: r.extended_due_at,
    extendedDays: r.extended_days,
    maxExtensionDays: r.max_extension_days,
    extensionReason: r.extension_reason,
    deadline,
    overdue: open && deadline.getTime() < now.getTime(),
    late: r.completed_at !== null && r.completed_at.getTime() > deadline.getTime(),
    verifiedAt: r.verified_at,
    verification: r.verification,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    rejectedAt: r.rejected_at,
    rejectionReason: r.rejection_reason,
    result: r.result,
    details: r.details,
    updatedAt: r.updated_at,
  };
}
