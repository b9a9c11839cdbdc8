import { introspect } from '@custodian/core/check';
import type { Database, Queryable } from '@custodian/core/db';
import { ConfigError, isCustodianError } from '@custodian/core/errors';
import { addJob, doNotRetry, type Clock, type JobHandler } from '@custodian/core/jobs';
import { addDuration, approxSeconds, parseDuration, type Policy } from '@custodian/core/policy';
import { runRetention, type RetentionRunOptions, type RetentionRunResult } from '@custodian/core/retention';

/**
 * The server's retention schedule: a `retention.sweep` job on the Postgres
 * job queue runs every rule, then queues the next sweep one interval after
 * this one's start. With several instances, each sweep is claimed by one of
 * them, and the per-rule leases inside `runRetention` keep a CLI run off the
 * same rules.
 *
 * The queue allows one unfinished job per key, and a sweep's own job is
 * unfinished (running) while its handler queues the next one; so sweeps
 * alternate between two keys. At every moment from the first enqueue on, a
 * sweep is queued or running under one of them.
 */
export const RETENTION_TASK = 'retention.sweep';
export const RETENTION_KEYS = ['retention.sweep', 'retention.sweep.next'] as const;

export const INTERVAL_ENV = 'CUSTODIAN_RETENTION_INTERVAL';
const DEFAULT_INTERVAL = '1h';
/** Below this a sweep mostly re-reads what the last one found; the executor's leases last a minute. */
const MIN_INTERVAL_SECONDS = 60;

/**
 * CUSTODIAN_RETENTION_INTERVAL: a duration such as `1h` or `1d` (default
 * `1h`), or `off` to leave retention to `custodian retention run`. Anything
 * else stops the server at start-up.
 */
export function retentionInterval(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const text = env[INTERVAL_ENV]?.trim() || DEFAULT_INTERVAL;
  if (text === 'off') return undefined;
  if (!parseDuration(text)) throw new ConfigError(`${INTERVAL_ENV} must be a duration such as 1h or 1d, or off`, `e.g. ${INTERVAL_ENV}=6h`);
  if (approxSeconds(text) < MIN_INTERVAL_SECONDS) throw new ConfigError(`${INTERVAL_ENV} must be at least 1min`, `e.g. ${INTERVAL_ENV}=1h`);
  return text;
}

export interface SweepOptions {
  policy: Policy;
  /** A duration (`1h`): the next sweep runs this long after this one started. */
  interval: string;
  mailer?: RetentionRunOptions['mailer'];
  auditArchive?: RetentionRunOptions['auditArchive'];
  /** Tests move time; default the database clock. */
  clock?: Clock;
  /** Told about every finished sweep, for the server's log. */
  onResult?: (result: RetentionRunResult) => void;
}

/**
 * The `retention.sweep` task for `createWorker`. A failed sweep is retried by
 * the queue with backoff; one that cannot succeed (the policy no longer fits
 * the database) or has used its last attempt queues the next sweep anyway,
 * so the schedule never ends.
 *
 * @example
 * const worker = createWorker(db, { tasks: { ...dsarRunTask(db, { handlers }), ...retentionSweepTask(db, { policy, interval: '1h' }) } });
 * worker.start();
 * await scheduleRetentionSweep(db);
 */
export function retentionSweepTask(db: Database, options: SweepOptions): Record<string, JobHandler> {
  const handler: JobHandler = async (_payload, ctx) => {
    const key = ctx.job.key ?? RETENTION_KEYS[0];
    const next = key === RETENTION_KEYS[0] ? RETENTION_KEYS[1] : RETENTION_KEYS[0];
    const started = await nowOf(db, options.clock);
    let result: RetentionRunResult;
    try {
      // Introspected per sweep: a migration since the last one is seen.
      const schema = await introspect(db);
      result = await runRetention(db, options.policy, schema, {
        trigger: 'job',
        signal: ctx.signal,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.mailer ? { mailer: options.mailer } : {}),
        ...(options.auditArchive ? { auditArchive: options.auditArchive } : {}),
      });
    } catch (error) {
      const refused = isCustodianError(error) && error.code === 'ERR_RETENTION_REFUSED';
      if (refused || ctx.job.attempts >= ctx.job.maxAttempts) {
        await addJob(db, { task: RETENTION_TASK, key: next, runAt: addDuration(started, options.interval) }, clockOption(options.clock));
      }
      throw refused ? doNotRetry(error) : error;
    }
    await addJob(db, { task: RETENTION_TASK, key: next, runAt: addDuration(result.asOf, options.interval) }, clockOption(options.clock));
    options.onResult?.(result);
  };
  return { [RETENTION_TASK]: handler };
}

/**
 * Queues the first sweep, due now, unless one is queued or running already:
 * run at every start of every instance, it adds at most one (the key makes
 * two instances starting together add the same job).
 */
export async function scheduleRetentionSweep(q: Queryable, options: { clock?: Clock } = {}): Promise<{ created: boolean }> {
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.jobs WHERE task = $1 AND state IN ('queued', 'running')`, [RETENTION_TASK]);
  if (rows[0]!.n > 0) return { created: false };
  const { created } = await addJob(q, { task: RETENTION_TASK, key: RETENTION_KEYS[0] }, clockOption(options.clock));
  return { created };
}

async function nowOf(q: Queryable, clock: Clock | undefined): Promise<Date> {
  if (clock) return clock();
  const { rows } = await q.query<{ now: Date }>('SELECT now() AS now');
  return rows[0]!.now;
}

function clockOption(clock: Clock | undefined): { clock?: Clock } {
  return clock ? { clock } : {};
}
