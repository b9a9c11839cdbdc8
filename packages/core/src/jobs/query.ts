import type { Queryable } from '../db/types.js';
import { JOB_COLUMNS, jobFromRow, type JobRow } from './row.js';
import type { Job } from './types.js';

export async function getJob(q: Queryable, id: number): Promise<Job | null> {
  const { rows } = await q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM custodian.jobs WHERE id = $1`, [id]);
  return rows[0] ? jobFromRow(rows[0]) : null;
}

/** The newest job with this key, finished or not: what a request's status shows. */
export async function latestJobByKey(q: Queryable, key: string): Promise<Job | null> {
  const { rows } = await q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM custodian.jobs WHERE job_key = $1 ORDER BY id DESC LIMIT 1`, [key]);
  return rows[0] ? jobFromRow(rows[0]) : null;
}
