import type { JsonObject } from '../audit/types.js';
import type { Job, JobState } from './types.js';

/** The columns every query of jobs returns, in one place. */
export const JOB_COLUMNS = `id, task, payload, state, run_at, attempts, max_attempts, last_error_code, last_error,
  locked_by, locked_until, job_key, progress, created_at, started_at, finished_at`;

export interface JobRow {
  id: number | bigint;
  task: string;
  payload: JsonObject;
  state: JobState;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  last_error_code: string | null;
  last_error: string | null;
  locked_by: string | null;
  locked_until: Date | null;
  job_key: string | null;
  progress: { done: number; total: number } | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export function jobFromRow(r: JobRow): Job {
  return {
    id: Number(r.id),
    task: r.task,
    payload: r.payload,
    state: r.state,
    runAt: r.run_at,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastErrorCode: r.last_error_code,
    lastError: r.last_error,
    lockedBy: r.locked_by,
    lockedUntil: r.locked_until,
    key: r.job_key,
    progress: r.progress,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
