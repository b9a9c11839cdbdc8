import { createAuditAppender, type AuditEventInput } from '../audit/index.js';
import type { Queryable } from '../db/types.js';
import { PLATFORM_TENANT } from '../dsar/requests/types.js';

/** One appender for every sign-in, membership and operator event. */
const appender = createAuditAppender();

/**
 * Appends inside the caller's transaction, so the event and the change it
 * records commit together. Events about an account alone (sign-in, deletion)
 * go to the platform chain; membership and operator events to the tenant's (C8).
 */
export function auditAuth(tx: Queryable, event: Omit<AuditEventInput, 'tenant'> & { tenant?: string }) {
  return appender.append(tx, { ...event, tenant: event.tenant ?? PLATFORM_TENANT });
}
