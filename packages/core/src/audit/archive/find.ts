import { createHash } from 'node:crypto';
import { APP_ROLE } from '../../db/roles.js';
import type { Database } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import { SELECT_EVENTS, toEvent, type AuditEvent, type EventRow } from '../query.js';
import type { ArchiveStore } from './store.js';

export type FoundAuditEvent = AuditEvent & { archived?: { location: string; from: number; to: number } };

/**
 * One event by its id (tenant and sequence number), wherever it lives now
 * (C6): in the primary table, or in the archive segment whose record covers
 * it — read back from the store, checked against the SHA-256 recorded when it
 * was archived. Undefined when no such event was ever written.
 *
 * @example
 * const event = await findAuditEvent(db, { tenant, seq: 1234 }, store);
 */
export async function findAuditEvent(db: Database, id: { tenant: string; seq: number }, store: ArchiveStore): Promise<FoundAuditEvent | undefined> {
  if (typeof id.tenant !== 'string' || id.tenant === '' || !Number.isSafeInteger(id.seq) || id.seq < 1) {
    throw new CustodianError('ERR_AUDIT_QUERY_INVALID', 'audit query: an event id is a tenant and a positive sequence number');
  }
  const { live, segment } = await db.transaction(
    async (tx) => ({
      live: (await tx.query<EventRow>(`${SELECT_EVENTS} WHERE tenant_id = $1 AND seq = $2`, [id.tenant, id.seq])).rows[0],
      segment: (
        await tx.query<{ location: string; from_seq: number; to_seq: number; sha256: string }>(
          `SELECT location, from_seq, to_seq, encode(sha256, 'hex') AS sha256 FROM custodian.audit_archives WHERE tenant_id = $1 AND $2 BETWEEN from_seq AND to_seq`,
          [id.tenant, id.seq],
        )
      ).rows[0],
    }),
    { tenantId: id.tenant, role: APP_ROLE, readOnly: true },
  );
  if (live) return toEvent(live);
  if (!segment) return undefined;
  const text = await store.read(segment.location);
  if (createHash('sha256').update(text).digest('hex') !== segment.sha256) {
    throw new CustodianError('ERR_AUDIT_VERIFY_FAILED', 'an archive segment does not match the SHA-256 recorded when it was archived', {
      hint: 'restore the segment from a copy, then run `custodian audit verify-archive`',
    });
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line) as AuditEvent;
    if (event.seq === id.seq) return { ...event, archived: { location: segment.location, from: Number(segment.from_seq), to: Number(segment.to_seq) } };
  }
  return undefined;
}
