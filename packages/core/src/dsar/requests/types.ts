import type { ActorType, AuditAppender, JsonObject } from '../../audit/index.js';
import type { Clock } from '../../jobs/clock.js';
import type { SubjectRef } from '../subject-rows.js';

export const DSAR_KINDS = ['access', 'erasure', 'rectification', 'restriction', 'objection'] as const;
export type DsarKind = (typeof DSAR_KINDS)[number];

export const DSAR_STATUSES = ['received', 'verified', 'in_progress', 'completed', 'rejected'] as const;
/** received → verified → in_progress → completed, or → rejected from any open status. */
export type DsarStatus = (typeof DSAR_STATUSES)[number];
export const OPEN_STATUSES: readonly DsarStatus[] = ['received', 'verified', 'in_progress'];

/**
 * The tenant recorded for a person whose subject belongs to no tenant: the
 * audit chain their requests' events join. `person.tenant` is undefined for them.
 */
export const PLATFORM_TENANT = '_platform';

/** One request, as the library returns it. Times are the database's. */
export interface DsarRequest {
  id: string;
  /** The tenant it is filed under (its audit chain); `PLATFORM_TENANT` for a person of no tenant. */
  tenant: string;
  /** Who it is about, ready for `planErasure` and the export. */
  person: SubjectRef;
  /** The name of the identity the person was found by (`email`, `id` …), never its value. */
  identity: string;
  kind: DsarKind;
  jurisdiction: string;
  status: DsarStatus;
  receivedAt: Date;
  /** The first deadline: received + the jurisdiction's days. */
  dueAt: Date;
  extendedDueAt: Date | null;
  extendedDays: number;
  maxExtensionDays: number;
  extensionReason: string | null;
  /** The deadline that holds: the extended one if any, else the first. */
  deadline: Date;
  /** Open and past its deadline, by the clock of the query that read it. */
  overdue: boolean;
  /** Completed after its deadline. */
  late: boolean;
  verifiedAt: Date | null;
  /** How the identity was verified (`signed-in`, `email-link` …). */
  verification: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  rejectedAt: Date | null;
  rejectionReason: string | null;
  result: JsonObject | null;
  /** Rectification: what to correct. Restriction and objection: `processing`, the processing concerned. */
  details: JsonObject;
  updatedAt: Date;
}

/** How a jurisdiction times requests. */
export interface Jurisdiction {
  /** Days from receipt to the deadline. */
  days: number;
  /** The most the deadline may be extended by, in days, all extensions together. */
  maxExtensionDays: number;
}

/** GDPR Art. 12(3): one month (counted as 30 days), extendable by two more (60 days). CCPA §1798.130: 45 days, once more 45. */
export const DEFAULT_JURISDICTIONS: Readonly<Record<string, Jurisdiction>> = Object.freeze({
  gdpr: { days: 30, maxExtensionDays: 60 },
  ccpa: { days: 45, maxExtensionDays: 45 },
});

/** Options every operation takes. */
export interface RequestOptions {
  /** Who makes the change; default `{ type: 'system', id: 'custodian' }`. */
  actor?: { type: ActorType; id: string };
  /** Default: the database clock. */
  clock?: Clock;
  /** Default: `createAuditAppender()` with the built-in redaction. */
  audit?: AuditAppender;
  /** Run as this role, e.g. `custodian_app`; row-level security then needs `tenant`. */
  role?: string;
  /** The tenant of the transaction (row-level security): as the application role, the request's tenant. */
  tenant?: string;
}
