import type { Queryable } from '../db/types.js';
import { clockParam, type Clock } from './clock.js';
import { JOB_COLUMNS, jobFromRow, type JobRow } from './row.js';
import type { Job } from './types.js';

const RETURNING = JOB_COLUMNS.split(',').map((c) => `j.${c.trim()}`).join(', ');
export const LEASE_EXPIRED_MESSAGE = "the worker's lease expired before the job finished";

/**
 * One statement: the next due job of the given tasks — queued and due, or
 * running under a lease that has expired (its worker died) with attempts left
 * — locked with FOR UPDATE SKIP LOCKED so concurrent workers each take a
 * different row without waiting, and leased to this worker. A worker never
 * takes back its own expired lease: if it is alive it is still running the
 * job (its renewal was held up, e.g. behind a long transaction on PGlite's
 * single connection); a restarted process has a new worker id.
 */
const CLAIM = `
  UPDATE custodian.jobs j
     SET state = 'running',
         attempts = j.attempts + 1,
         locked_by = $1,
         locked_until = coalesce($3::timestamptz, now()) + $2::float8 * interval '1 millisecond',
         started_at = coalesce($3::timestamptz, now()),
         last_error_code = CASE WHEN j.state = 'running' THEN 'ERR_JOB_LEASE_EXPIRED' ELSE j.last_error_code END,
         last_error = CASE WHEN j.state = 'running' THEN $5 ELSE j.last_error END
    FROM (
      SELECT c.id FROM custodian.jobs c
       WHERE c.task = ANY($4::text[])
         AND ((c.state = 'queued' AND c.run_at <= coalesce($3::timestamptz, now()))
           OR (c.state = 'running' AND c.locked_until <= coalesce($3::timestamptz, now()) AND c.attempts < c.max_attempts
               AND c.locked_by <> $1))
       ORDER BY c.run_at, c.id
       LIMIT 1
       FOR UPDATE SKIP LOCKED
    ) next
   WHERE j.id = next.id
  RETURNING ${RETURNING}`;

/** Claims the next due job of `tasks` for `workerId` under a lease of `leaseMs`, or returns null. */
export async function claimJob(
  q: Queryable,
  options: { workerId: string; tasks: readonly string[]; leaseMs: number; clock?: Clock | undefined },
): Promise<Job | null> {
  const { rows } = await q.query<JobRow>(CLAIM, [options.workerId, options.leaseMs, clockParam(options.clock), options.tasks, LEASE_EXPIRED_MESSAGE]);
  return rows[0] ? jobFromRow(rows[0]) : null;
}

/**
 * Jobs whose worker died on their last attempt: the lease expired and no
 * attempt is left, so nobody will claim them again. They fail, with the
 * lease's expiry as the reason, instead of staying "running" for ever.
 */
export async function failExpiredLeases(q: Queryable, options: { tasks?: readonly string[]; clock?: Clock | undefined } = {}): Promise<Job[]> {
  const { rows } = await q.query<JobRow>(
    `UPDATE custodian.jobs
        SET state = 'failed', finished_at = coalesce($1::timestamptz, now()), locked_by = NULL, locked_until = NULL,
            last_error_code = 'ERR_JOB_LEASE_EXPIRED', last_error = $3
      WHERE state = 'running' AND locked_until <= coalesce($1::timestamptz, now()) AND attempts >= max_attempts
        AND ($2::text[] IS NULL OR task = ANY($2::text[]))
      RETURNING ${JOB_COLUMNS}`,
    [clockParam(options.clock), options.tasks ?? null, LEASE_EXPIRED_MESSAGE],
  );
  return rows.map(jobFromRow);
}
