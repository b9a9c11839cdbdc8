// @custodian/core/jobs — a small job queue in Postgres (custodian.jobs) that runs on PGlite and PostgreSQL alike (docs/dsar.md, "The job queue").
export type { Clock } from './clock.js';
export { DEFAULT_BACKOFF, type Backoff, type Job, type JobSpec, type JobState } from './types.js';
export { addJob } from './add-job.js';
export { claimJob, failExpiredLeases } from './claim.js';
export { completeJob, failJob, renewLease, reportProgress } from './finish.js';
export { getJob, latestJobByKey } from './query.js';
export { doNotRetry, isPermanent, storedError } from './stored-error.js';
export { createWorker, type JobContext, type JobHandler, type Worker, type WorkerEvent, type WorkerOptions } from './worker.js';
