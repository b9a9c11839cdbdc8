import { isIP } from 'node:net';
import { CustodianError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import type { RedactionHook } from './redaction.js';
import type { ActorType, AuditEventInput } from './types.js';

/** `key.decrypt`, `dsar.export`, `operator.read`: at least two dot-separated lower-case parts. The migration checks the same. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;
const ACTOR_TYPES: readonly ActorType[] = ['user', 'member', 'operator', 'service', 'system'];
const MAX_ID = 512;
const MAX_USER_AGENT = 512;
/** Metadata is for context, not payloads; 64 KiB of canonical JSON at most. */
export const MAX_METADATA_BYTES = 64 * 1024;

/** The columns an append writes, in `custodian.audit_append`'s parameter order. */
export type AppendParams = [
  tenant: string,
  actorType: string,
  actorId: string,
  action: string,
  targetType: string | null,
  targetId: string | null,
  subject: string | null,
  session: string | null,
  purpose: string | null,
  ip: string | null,
  userAgent: string | null,
  metadata: string,
  references: Record<string, string> | null,
  at: Date | null,
];

/**
 * Checks an event and turns it into the append's parameters: metadata through
 * the redaction hook and then RFC 8785. Errors name the field, never its value.
 */
export function toAppendParams(
  event: AuditEventInput,
  redact: RedactionHook,
  referenceColumns: { subject?: string | undefined; session?: string | undefined },
): AppendParams {
  const text = (field: string, value: unknown, required: boolean, max = MAX_ID): string | null => {
    if (value === undefined || value === null) {
      if (required) invalid(`${field} is required`);
      return null;
    }
    if (typeof value !== 'string' || value.length === 0) invalid(`${field} must be a non-empty string`);
    if (value.length > max) invalid(`${field} is longer than ${max} characters`);
    if (value.includes('\u0000')) invalid(`${field} contains a NUL character`);
    return value;
  };
  if (event === null || typeof event !== 'object') invalid('the event must be an object');
  const tenant = text('tenant', event.tenant, true)!;
  if (!event.actor || !ACTOR_TYPES.includes(event.actor.type)) invalid(`actor.type must be one of ${ACTOR_TYPES.join(', ')}`);
  const actorId = text('actor.id', event.actor.id, true)!;
  if (typeof event.action !== 'string' || !ACTION_PATTERN.test(event.action) || event.action.length > 100) {
    invalid('action must be namespaced, lower case, e.g. key.decrypt');
  }
  let targetType: string | null = null;
  let targetId: string | null = null;
  if (event.target !== undefined) {
    targetType = text('target.type', event.target.type, true);
    const id = event.target.id;
    targetId = text('target.id', typeof id === 'number' || typeof id === 'bigint' ? String(id) : id, true);
  }
  const subject = text('subject', event.subject, false);
  const session = text('session', event.session, false);
  const purpose = text('purpose', event.purpose, false);
  const ip = text('ip', event.ip, false, 64);
  if (ip !== null && isIP(ip) === 0) invalid('ip is not an IPv4 or IPv6 address');
  const userAgent = event.userAgent === undefined || event.userAgent === '' ? null : text('userAgent', [...String(event.userAgent)].slice(0, MAX_USER_AGENT).join(''), false, MAX_USER_AGENT * 2);
  const redacted = redact(event.metadata ?? {}, { tenant, action: event.action });
  if (redacted === null || typeof redacted !== 'object' || Array.isArray(redacted)) invalid('metadata must be a JSON object');
  const metadata = canonicalJson(redacted);
  if (Buffer.byteLength(metadata) > MAX_METADATA_BYTES) invalid(`metadata is larger than ${MAX_METADATA_BYTES} bytes`);
  if (metadata.includes('\\u0000')) invalid('metadata contains a NUL character');
  const references: Record<string, string> = {};
  if (referenceColumns.subject && subject !== null) references[referenceColumns.subject] = subject;
  if (referenceColumns.session && session !== null) references[referenceColumns.session] = session;
  if (event.at !== undefined && (!(event.at instanceof Date) || Number.isNaN(event.at.getTime()))) invalid('at must be a valid Date');
  return [
    tenant,
    event.actor.type,
    actorId,
    event.action,
    targetType,
    targetId,
    subject,
    session,
    purpose,
    ip,
    userAgent,
    metadata,
    Object.keys(references).length > 0 ? references : null,
    event.at ?? null,
  ];
}

function invalid(what: string): never {
  throw new CustodianError('ERR_AUDIT_INVALID_EVENT', `audit event: ${what}`, { hint: 'see docs/audit.md for the event fields' });
}
