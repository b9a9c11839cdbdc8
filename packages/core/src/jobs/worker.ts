import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { JsonObject } from '../audit/types.js';
import type { Database, Queryable } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { createRedactor } from '../redact/redactor.js';
import { claimJob, failExpiredLeases } from './claim.js';
import type { Clock } from './clock.js';
import { completeJob, failJob, renewLease, reportProgress } from './finish.js';
import { runAs } from './run-as.js';
import { isPermanent, storedError } from './stored-error.js';
import { DEFAULT_BACKOFF, type Backoff, type Job } from './types.js';

/** What a handler gets besides the payload. */
export interface JobContext {
  job: Job;
  workerId: string;
  /** Aborted when the lease is lost to another worker or the worker stops past its grace period: stop soon. */
  signal: AbortSignal;
  /** Stores progress on the job (at most about once a second, and always the last one); never throws. */
  progress(done: number, total: number): Promise<void>;
}

/** Does one task's work. Resolving marks the job succeeded; throwing schedules a retry (see `doNotRetry`). Must be idempotent. */
export type JobHandler = (payload: JsonObject, ctx: JobContext) => Promise<void>;

export type WorkerEvent =
  | { type: 'succeeded'; job: Job }
  | { type: 'retry' | 'failed'; job: Job; error: { code: string; message: string } }
  | { type: 'lease-lost'; job: Job }
  | { type: 'error'; error: { code: string; message: string }; job?: Job };

export interface WorkerOptions {
  /** One handler per task name; the worker claims only these tasks. */
  tasks: Record<string, JobHandler>;
  /** Shown in `locked_by`; default host:pid:random. */
  id?: string;
  /** Jobs run at once by this worker. Default 1. */
  concurrency?: number;
  /** How often an idle worker looks for due jobs. Default 1000 ms. */
  pollIntervalMs?: number;
  /** How long a claim holds before another worker may take the job; renewed every third of it while the handler runs. Default 60 s. */
  leaseMs?: number;
  backoff?: Backoff;
  clock?: Clock;
  /** Run the queue's statements as this role (e.g. `custodian_app`). */
  role?: string;
  /** Cleans messages of errors that are not Custodian's before they are stored. Default: the built-in redactor. */
  redact?: (text: string) => string;
  /** Reports what happened, for logs and metrics. Errors carry a code and a redacted message only. */
  onEvent?: (event: WorkerEvent) => void;
}

export interface Worker {
  readonly id: string;
  /** Starts polling in the background. */
  start(): void;
  /**
   * Stops claiming, then waits for running jobs to finish. After `graceMs`
   * (default: no limit) their handlers' signals are aborted; the worker still
   * waits for them to return, and a job they abandon is retried elsewhere
   * once its lease expires.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Runs due jobs until none is left, then resolves with how many ran: for tests and one-shot commands. */
  runUntilIdle(): Promise<number>;
}

/**
 * A worker for the Postgres job queue (`custodian.jobs`): claims due jobs of
 * its tasks, runs their handlers under a renewed lease, retries failures with
 * exponential backoff and fails a job for good after its last attempt.
 *
 * Why not pg-boss or graphile-worker: both need a `pg` pool and LISTEN/NOTIFY,
 * which the embedded PGlite database (one in-process connection) cannot give.
 * This follows graphile-worker's design — one table, a one-statement claim
 * with FOR UPDATE SKIP LOCKED, backoff, job keys — and polls instead of
 * listening, so it runs the same on PGlite and on many PostgreSQL instances.
 *
 * @example
 * const worker = createWorker(db, { tasks: { 'mail.send': async (payload) => send(payload) }, concurrency: 2 });
 * worker.start();
 * process.on('SIGTERM', () => worker.stop({ graceMs: 30_000 }));
 */
export function createWorker(db: Database, options: WorkerOptions): Worker {
  const tasks = Object.keys(options.tasks);
  const id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const concurrency = options.concurrency ?? 1;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? 60_000;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  if (tasks.length === 0) throw new CustodianError('ERR_JOB_INVALID', 'a worker needs at least one task handler');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) throw new CustodianError('ERR_JOB_INVALID', 'concurrency must be a whole number from 1 to 100');
  if (!Number.isInteger(leaseMs) || leaseMs < 50) throw new CustodianError('ERR_JOB_INVALID', 'leaseMs must be a whole number of at least 50');
  let redactor: ReturnType<typeof createRedactor> | undefined;
  const redact = options.redact ?? ((text: string) => (redactor ??= createRedactor()).string(text));
  const emit = (event: WorkerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a listener's failure must not stop the queue
    }
  };
  const clock = options.clock;
  const on = <T>(fn: (q: Queryable) => Promise<T>) => runAs(db, options.role, fn);

  const active = new Set<Promise<void>>();
  const controllers = new Set<AbortController>();
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function run(job: Job): Promise<void> {
    const controller = new AbortController();
    controllers.add(controller);
    let renewing = false;
    const heartbeat = setInterval(() => {
      if (renewing) return;
      renewing = true;
      on((q) => renewLease(q, job, id, leaseMs, { clock }))
        .then((held) => {
          if (!held) controller.abort(new CustodianError('ERR_JOB_LEASE_EXPIRED', 'the lease on this job was lost'));
        })
        .catch((error) => emit({ type: 'error', error: storedError(error, redact), job }))
        .finally(() => (renewing = false));
    }, Math.max(10, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    let lastWrite = 0;
    const context: JobContext = {
      job,
      workerId: id,
      signal: controller.signal,
      async progress(done, total) {
        const now = Date.now();
        if (now - lastWrite < 1000 && done < total) return;
        lastWrite = now;
        // Best effort: a progress report that cannot be written does not fail the job.
        await on((q) => reportProgress(q, job, id, done, total)).catch((error: unknown) => emit({ type: 'error', error: storedError(error, redact), job }));
      },
    };
    try {
      let failure: unknown;
      let failed = false;
      try {
        await options.tasks[job.task]!(job.payload, context);
      } catch (error) {
        failed = true;
        failure = error;
      } finally {
        clearInterval(heartbeat);
      }
      if (!failed) {
        if (await on((q) => completeJob(q, job, id, { clock }))) emit({ type: 'succeeded', job });
        else emit({ type: 'lease-lost', job });
        return;
      }
      const error = storedError(failure, redact);
      const after = await on((q) => failJob(q, job, id, error, { backoff, permanent: isPermanent(failure), clock }));
      if (!after) emit({ type: 'lease-lost', job });
      else emit({ type: after.state === 'failed' ? 'failed' : 'retry', job: after, error });
    } catch (error) {
      // The outcome could not be written (the database is gone): the lease expires and the job runs again.
      emit({ type: 'error', error: storedError(error, redact), job });
    } finally {
      controllers.delete(controller);
    }
  }

  /** Claims and starts jobs while slots are free; returns how many it started. */
  async function fill(): Promise<number> {
    let claimed = 0;
    while (active.size < concurrency && !stopping) {
      const job = await on((q) => claimJob(q, { workerId: id, tasks, leaseMs, clock }));
      if (!job) break;
      claimed++;
      const running: Promise<void> = run(job).finally(() => {
        active.delete(running);
        wake?.();
      });
      active.add(running);
    }
    return claimed;
  }

  async function reap(): Promise<void> {
    for (const job of await on((q) => failExpiredLeases(q, { tasks, clock }))) {
      emit({ type: 'failed', job, error: { code: job.lastErrorCode ?? 'ERR_JOB_LEASE_EXPIRED', message: job.lastError ?? '' } });
    }
  }

  async function poll(): Promise<void> {
    while (!stopping) {
      try {
        if ((await fill()) === 0) await reap();
      } catch (error) {
        emit({ type: 'error', error: storedError(error, redact) });
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    id,
    start() {
      if (loop || stopping) return;
      loop = poll();
    },
    async stop(stopOptions = {}) {
      stopping = true;
      wake?.();
      const grace = stopOptions.graceMs === undefined ? undefined : setTimeout(() => {
        for (const c of controllers) c.abort();
      }, stopOptions.graceMs);
      try {
        await loop;
        while (active.size > 0) await Promise.allSettled([...active]);
      } finally {
        if (grace) clearTimeout(grace);
      }
    },
    async runUntilIdle() {
      let ran = 0;
      await reap();
      for (;;) {
        ran += await fill();
        if (active.size === 0) return ran;
        await Promise.race(active);
      }
    },
  };
}
