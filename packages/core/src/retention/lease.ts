import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/types.js';
import { CustodianError } from '../errors.js';

/**
 * A runner's claim on one rule (custodian.retention_leases), so two server
 * instances never sweep the same rule at once. Leases use the database's real
 * clock, never a test clock: they are about which process is alive now.
 */

export function defaultHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Takes the rule's lease if it is free, expired or already ours; false when another runner holds it. */
export async function acquireLease(db: Queryable, rule: string, holder: string, leaseMs: number): Promise<boolean> {
  const { rows } = await db.query<{ holder: string }>(
    `INSERT INTO custodian.retention_leases (rule_id, holder, acquired_at, expires_at)
     VALUES ($1, $2, now(), now() + $3 * interval '1 millisecond')
     ON CONFLICT (rule_id) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
      WHERE custodian.retention_leases.expires_at < now() OR custodian.retention_leases.holder = EXCLUDED.holder
     RETURNING holder`,
    [rule, holder, leaseMs],
  );
  return rows.length === 1;
}

/**
 * Renews the lease inside a batch's transaction (and turns JIT off for it). If another runner took the
 * rule over (our lease expired), the batch fails and rolls back: fencing, so a
 * runner that stalled past its lease never writes beside the new one.
 */
export async function renewLease(tx: Queryable, rule: string, holder: string, leaseMs: number, runId?: number): Promise<void> {
  // Batch statements are short and many: JIT-compiling each (about 10 ms on PostgreSQL) costs more than it
  // saves. SET LOCAL ends with the transaction; the setting exists, unused, on the embedded database too.
  await tx.query('SET LOCAL jit = off');
  const { rowCount } = await tx.query(
    `UPDATE custodian.retention_leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE rule_id = $1 AND holder = $2`,
    [rule, holder, leaseMs],
  );
  if (rowCount !== 1) {
    throw new CustodianError('ERR_RETENTION_LEASE_LOST', `another runner took over retention rule ${rule}: this runner stalled past its lease`, {
      hint: 'nothing is lost: the other runner carries on; give slow runs a longer lease (leaseMs)',
    });
  }
  // The run's heartbeat: a run whose heartbeat stops long enough is marked interrupted by the next one.
  if (runId !== undefined) await tx.query('UPDATE custodian.retention_runs SET heartbeat_at = now() WHERE id = $1', [runId]);
}

export async function releaseLease(db: Queryable, rule: string, holder: string): Promise<void> {
  await db.query('DELETE FROM custodian.retention_leases WHERE rule_id = $1 AND holder = $2', [rule, holder]);
}
