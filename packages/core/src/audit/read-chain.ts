import type { Queryable } from '../db/types.js';
import type { ChainFields } from './chain-encoding.js';
import { SELECT_EVENTS, type EventRow } from './query.js';

/** One stored event as the verifier reads it: the hashed fields in their hashed form, and the two hashes. */
export interface StoredLink extends ChainFields {
  seq: number;
  /** Hex, as read: the verifier compares and encodes hex without making buffers. */
  prevHash: string;
  hash: string;
}

// SELECT_EVENTS has each column in exactly the form the encoding hashes: time
// as integer microseconds, ip with its prefix length, metadata as its stored
// text. A cursor, not pages by key: one scan of the chain whatever the planner
// estimates (right after a bulk load, before statistics, a "seq > $n LIMIT"
// page can become a scan and sort of the whole rest of the chain, per page).
const CURSOR = 'custodian_audit_chain';
const DECLARE_SQL = `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${SELECT_EVENTS} WHERE tenant_id = $1 ORDER BY seq`;

/**
 * A tenant's events in sequence order, in pages from one cursor, so memory
 * stays flat however long the chain is. Call it inside a transaction (a
 * repeatable-read one sees one snapshot throughout), and drain it or end the
 * transaction: the cursor lives until then.
 */
export async function* readChain(tx: Queryable, tenant: string, pageSize = 5000): AsyncGenerator<StoredLink[]> {
  for await (const rows of cursorPages<EventRow>(tx, CURSOR, DECLARE_SQL, [tenant], pageSize)) {
    yield rows.map((r) => ({
      tenant,
      seq: Number(r.seq),
      occurredAtMicros: BigInt(r.us),
      actorType: r.actor_type,
      actorId: r.actor_id,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      subjectId: r.subject_id,
      sessionId: r.session_id,
      purpose: r.purpose,
      ip: r.ip,
      userAgent: r.user_agent,
      metadata: r.metadata,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }
}

/**
 * The rows of a query in pages from one cursor, so memory stays flat however
 * many there are; the next page is asked for before this one is handed over,
 * so the database works while the caller does (on PostgreSQL). `declare` is
 * the DECLARE statement for `name`. Call it inside a transaction, and drain it
 * or end the transaction: the cursor lives until then.
 */
export async function* cursorPages<R>(tx: Queryable, name: string, declare: string, params: readonly unknown[], pageSize: number): AsyncGenerator<R[]> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  await tx.query(declare, params);
  const fetch = () => tx.query<R>(`FETCH ${pageSize} FROM ${name}`);
  let pending = fetch();
  try {
    for (;;) {
      const { rows } = await pending;
      if (rows.length === 0) return;
      const full = rows.length === pageSize;
      if (full) {
        pending = fetch();
        pending.catch(() => {}); // an abandoned prefetch must not be an unhandled rejection
      }
      yield rows;
      if (!full) return;
    }
  } finally {
    await pending.catch(() => undefined);
    await tx.query(`CLOSE ${name}`).catch(() => undefined);
  }
}

/** Every tenant with events, a head or a checkpoint, by a skip scan over the primary key. */
export async function listAuditTenants(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH RECURSIVE t AS (
       SELECT min(tenant_id) AS id FROM custodian.audit_events
       UNION ALL
       SELECT (SELECT min(e.tenant_id) FROM custodian.audit_events e WHERE e.tenant_id > t.id) FROM t WHERE t.id IS NOT NULL
     )
     SELECT id FROM t WHERE id IS NOT NULL
     UNION SELECT tenant_id FROM custodian.audit_heads
     UNION SELECT tenant_id FROM custodian.audit_checkpoints
     ORDER BY 1`,
  );
  return rows.map((r) => r.id);
}
