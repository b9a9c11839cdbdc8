import type { Queryable } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { clockParam, type Clock } from './clock.js';
import { JOB_COLUMNS, jobFromRow, type JobRow } from './row.js';
import type { Job, JobSpec } from './types.js';

const TASK = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const MAX_PAYLOAD_BYTES = 16 * 1024;

const INSERT_OR_FIND = `
  WITH inserted AS (
    INSERT INTO custodian.jobs (task, payload, job_key, run_at, max_attempts, created_at)
    VALUES ($1, $2::jsonb, $3, coalesce($4::timestamptz, $5::timestamptz, now()), $6, coalesce($5::timestamptz, now()))
    ON CONFLICT (job_key) WHERE state IN ('queued', 'running') DO NOTHING
    RETURNING ${JOB_COLUMNS}, true AS created
  )
  SELECT * FROM inserted
  UNION ALL
  SELECT ${JOB_COLUMNS}, false AS created FROM custodian.jobs
   WHERE $3::text IS NOT NULL AND job_key = $3 AND state IN ('queued', 'running') AND NOT EXISTS (SELECT 1 FROM inserted)`;

/**
 * Adds a job, or finds the unfinished one with the same key (`created: false`).
 * Takes a transaction as well as the database: enqueued in the transaction of
 * the change that needs it, the job exists exactly when that change commits.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await tx.query('UPDATE …');
 *   await addJob(tx, { task: 'dsar.run', payload: { requestId }, key: `dsar.run:${requestId}` });
 * });
 */
export async function addJob(q: Queryable, spec: JobSpec, options: { clock?: Clock } = {}): Promise<{ job: Job; created: boolean }> {
  const params = validate(spec);
  const now = clockParam(options.clock);
  // A concurrent insert of the same key that commits while ours waits on it is
  // not in our statement's snapshot: the next statement sees it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await q.query<JobRow & { created: boolean }>(INSERT_OR_FIND, [params.task, params.payload, params.key, params.runAt, now, params.maxAttempts]);
    if (rows[0]) return { job: jobFromRow(rows[0]), created: rows[0].created };
  }
  throw new CustodianError('ERR_JOB_INVALID', 'the job could not be added: its key kept changing hands', { hint: 'retry; another process is adding and finishing jobs with the same key' });
}

function validate(spec: JobSpec) {
  if (!spec || typeof spec.task !== 'string' || spec.task.length > 100 || !TASK.test(spec.task)) invalid('task must be a lower-case name such as dsar.run');
  const payload = spec.payload ?? {};
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) invalid('payload must be a JSON object');
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch {
    invalid('payload must be plain JSON');
  }
  if (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES) invalid(`payload is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  if (spec.key !== undefined && (typeof spec.key !== 'string' || spec.key.length === 0 || spec.key.length > 200)) invalid('key must be text of 1 to 200 characters');
  if (spec.runAt !== undefined && (!(spec.runAt instanceof Date) || Number.isNaN(spec.runAt.getTime()))) invalid('runAt must be a valid Date');
  const maxAttempts = spec.maxAttempts ?? 10;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1000) invalid('maxAttempts must be a whole number from 1 to 1000');
  return { task: spec.task, payload: json, key: spec.key ?? null, runAt: spec.runAt?.toISOString() ?? null, maxAttempts };
}

function invalid(message: string): never {
  throw new CustodianError('ERR_JOB_INVALID', `invalid job: ${message}`, { hint: 'see docs/dsar.md, "The job queue"' });
}
