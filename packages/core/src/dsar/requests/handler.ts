import type { Database } from '../../db/types.js';
import type { DsarKind, DsarRequest } from './types.js';

/** What a request's handler gets when the queue runs it. */
export interface DsarHandlerContext {
  db: Database;
  /** The request, `in_progress`; `request.person` is the person (`SubjectRef`) for `planErasure` and the export. */
  request: DsarRequest;
  /** Stores progress on the request's job, shown by `custodian dsar status`. */
  progress(done: number, total: number): Promise<void>;
  /** Aborted when the worker stops or loses the job's lease: stop soon, the job runs again. */
  signal: AbortSignal;
  /** 1 on the first run; more after a failure or a crashed worker. Handlers must be idempotent. */
  attempt: number;
}

/**
 * Does a request's work (an export, an erasure) and returns what it produced
 * (an artifact id, counts per table): stored as the request's `result` and in
 * its `dsar.completed` audit event, so it must be a JSON object (as
 * `JSON.stringify` writes it: dates become text) of at most 16 KiB with no
 * personal data in it. Throwing retries the job with backoff;
 * the request stays in_progress with the error in its status.
 *
 * @example
 * const handlers: DsarHandlers = {
 *   erasure: async ({ db, request, progress }) => {
 *     const plan = await planErasure(db, policy, schema, request.person);
 *     …
 *     return { rows: plan.rows };
 *   },
 * };
 */
export type DsarHandler = (ctx: DsarHandlerContext) => Promise<Record<string, unknown>>;

export type DsarHandlers = Partial<Record<DsarKind, DsarHandler>>;
