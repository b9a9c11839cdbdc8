import type { Queryable } from '../db/types.js';
import { clockParam, type Clock } from './clock.js';
import { JOB_COLUMNS, jobFromRow, type JobRow } from './row.js';
import type { Backoff, Job } from './types.js';

// Every statement here acts only while the job is still leased to the worker
// that asks: a worker whose lease was taken over can no longer touch the job.
const OWNED = `id = $1 AND locked_by = $2 AND state = 'running'`;

/** Marks the job succeeded. False when the lease was lost to another worker. */
export async function completeJob(q: Queryable, job: Pick<Job, 'id'>, workerId: string, options: { clock?: Clock | undefined } = {}): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE custodian.jobs SET state = 'succeeded', finished_at = coalesce($3::timestamptz, now()), locked_by = NULL, locked_until = NULL
      WHERE ${OWNED}`,
    [job.id, workerId, clockParam(options.clock)],
  );
  return rowCount === 1;
}

/**
 * Records a failed attempt: back to the queue after an exponential backoff
 * (`baseMs · 2^(attempts−1)`, at most `maxMs`), or failed for good when the
 * attempts are used up or the error is permanent. Returns the job as it now
 * is, or null when the lease was lost.
 */
export async function failJob(
  q: Queryable,
  job: Pick<Job, 'id'>,
  workerId: string,
  error: { code: string; message: string },
  options: { backoff: Backoff; permanent?: boolean; clock?: Clock | undefined },
): Promise<Job | null> {
  const { rows } = await q.query<JobRow>(
    `UPDATE custodian.jobs
        SET state = CASE WHEN ($5::boolean OR attempts >= max_attempts) THEN 'failed' ELSE 'queued' END,
            run_at = CASE WHEN ($5::boolean OR attempts >= max_attempts) THEN run_at
                          ELSE coalesce($8::timestamptz, now())
                               + least($7::float8, $6::float8 * power(2::float8, attempts - 1)) * interval '1 millisecond' END,
            finished_at = CASE WHEN ($5::boolean OR attempts >= max_attempts) THEN coalesce($8::timestamptz, now()) END,
            last_error_code = $3, last_error = $4, locked_by = NULL, locked_until = NULL
      WHERE ${OWNED}
      RETURNING ${JOB_COLUMNS}`,
    [job.id, workerId, error.code, error.message, options.permanent ?? false, options.backoff.baseMs, options.backoff.maxMs, clockParam(options.clock)],
  );
  return rows[0] ? jobFromRow(rows[0]) : null;
}

/** Extends the lease of a running job. False when it was lost: the worker must stop working on it. */
export async function renewLease(q: Queryable, job: Pick<Job, 'id'>, workerId: string, leaseMs: number, options: { clock?: Clock | undefined } = {}): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE custodian.jobs SET locked_until = coalesce($4::timestamptz, now()) + $3::float8 * interval '1 millisecond' WHERE ${OWNED}`,
    [job.id, workerId, leaseMs, clockParam(options.clock)],
  );
  return rowCount === 1;
}

/** Stores the handler's progress on the job, for `status` to show. */
export async function reportProgress(q: Queryable, job: Pick<Job, 'id'>, workerId: string, done: number, total: number): Promise<boolean> {
  const { rowCount } = await q.query(`UPDATE custodian.jobs SET progress = jsonb_build_object('done', $3::bigint, 'total', $4::bigint) WHERE ${OWNED}`, [
    job.id,
    workerId,
    done,
    total,
  ]);
  return rowCount === 1;
}
