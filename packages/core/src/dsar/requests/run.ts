import type { Database } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import { addJob } from '../../jobs/add-job.js';
import { doNotRetry, isPermanent, storedError } from '../../jobs/stored-error.js';
import type { Job } from '../../jobs/types.js';
import type { JobHandler } from '../../jobs/worker.js';
import { audited, inTransaction, lockRequest, requireStatus } from './context.js';
import type { DsarHandlers } from './handler.js';
import { getRequest } from './query.js';
import { requestFromRow } from './row.js';
import { completeRequest, startRequest } from './transitions.js';
import type { RequestOptions } from './types.js';

/** The task that runs a request on the job queue. */
export const DSAR_RUN_TASK = 'dsar.run';

/** The job key of a request: at most one unfinished job per request, whichever instance enqueues it. */
export function requestJobKey(requestId: string): string {
  return `${DSAR_RUN_TASK}:${requestId}`;
}

/**
 * Puts a verified (or in-progress) request on the job queue, in one
 * transaction with a `dsar.queued` audit event. Its job key is the request's,
 * so enqueueing twice — from two instances, or a retry of a click — gives the
 * one job back (`created: false`).
 */
export async function enqueueRequest(
  db: Database,
  requestId: string,
  options: RequestOptions & { maxAttempts?: number; runAt?: Date } = {},
): Promise<{ job: Job; created: boolean }> {
  return inTransaction(db, options, async (tx) => {
    const { row, now } = await lockRequest(tx, requestId, options);
    requireStatus(row, ['verified', 'in_progress'], 'queue');
    const request = requestFromRow(row, now);
    const added = await addJob(
      tx,
      {
        task: DSAR_RUN_TASK,
        payload: { requestId: request.id, tenant: request.tenant },
        key: requestJobKey(request.id),
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
        ...(options.runAt === undefined ? {} : { runAt: options.runAt }),
      },
      options.clock ? { clock: options.clock } : {},
    );
    if (added.created) await audited(tx, options, request, 'dsar.queued', { kind: request.kind, job: added.job.id });
    return added;
  });
}

/**
 * The `dsar.run` task for a worker: loads the request, marks it in_progress,
 * calls the handler for its kind and completes it with the handler's result.
 * A failure leaves the request in_progress and the job retrying (its error
 * shown by `requestStatus`); the last failed attempt writes `dsar.failed`.
 * A request already completed or rejected is left as it is.
 *
 * @example
 * const worker = createWorker(db, { tasks: { ...dsarRunTask(db, { handlers: { erasure, access } }) } });
 * worker.start();
 */
export function dsarRunTask(db: Database, options: RequestOptions & { handlers: DsarHandlers }): Record<string, JobHandler> {
  const { handlers, ...base } = options;
  const run: JobHandler = async (payload, ctx) => {
    const id = typeof payload.requestId === 'string' ? payload.requestId : '';
    const on: RequestOptions = { ...base, ...(typeof payload.tenant === 'string' ? { tenant: payload.tenant } : {}) };
    let request = await getRequest(db, id, on);
    if (!request) throw doNotRetry(new CustodianError('ERR_DSAR_NOT_FOUND', 'the queued request no longer exists'));
    if (request.status === 'completed' || request.status === 'rejected') return; // finished already: a re-run after a crash, or rejected meanwhile
    if (request.status === 'received') throw doNotRetry(new CustodianError('ERR_DSAR_TRANSITION', 'cannot run a request that is received', { hint: 'verify the person\'s identity first' }));
    const handler = Object.hasOwn(handlers, request.kind) ? handlers[request.kind] : undefined;
    if (!handler) {
      throw doNotRetry(new CustodianError('ERR_DSAR_NO_HANDLER', `no handler is registered for ${request.kind} requests`, { hint: 'pass one in dsarRunTask({ handlers }), or complete the request by hand' }));
    }
    try {
      if (request.status === 'verified') request = await startRequest(db, request.id, on);
      const result = await handler({ db, request, progress: ctx.progress, signal: ctx.signal, attempt: ctx.job.attempts });
      await completeRequest(db, request.id, { result }, on).catch((error: unknown) => {
        // Rejected while the work ran, or a result that is not a JSON object: another attempt would not help.
        if (error instanceof CustodianError && (error.code === 'ERR_DSAR_TRANSITION' || error.code === 'ERR_DSAR_REQUEST_INVALID')) throw doNotRetry(error);
        throw error;
      });
    } catch (error) {
      if (isPermanent(error) || ctx.job.attempts >= ctx.job.maxAttempts) {
        const stored = storedError(error, (t) => t);
        await inTransaction(db, on, (tx) => audited(tx, on, request!, 'dsar.failed', { code: stored.code, attempts: ctx.job.attempts })).catch(() => {});
      }
      throw error;
    }
  };
  return { [DSAR_RUN_TASK]: run };
}
