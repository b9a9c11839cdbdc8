import type { Database } from '../../db/types.js';
import { latestJobByKey } from '../../jobs/query.js';
import type { Job } from '../../jobs/types.js';
import { inTransaction } from './context.js';
import { getRequest, requestHistory, type RequestEvent } from './query.js';
import { requestJobKey } from './run.js';
import type { DsarRequest, RequestOptions } from './types.js';

export interface RequestStatus {
  request: DsarRequest;
  /** Its newest job on the queue, if it was queued: state, attempts, last error, progress. */
  job: Job | null;
  /** Its audit events, in order. */
  history: RequestEvent[];
}

/** Everything about one request: itself, its job and its history. Null when there is no such request. */
export async function requestStatus(db: Database, id: string, options: RequestOptions = {}): Promise<RequestStatus | null> {
  const request = await getRequest(db, id, options);
  if (!request) return null;
  const job = await inTransaction(db, options, (tx) => latestJobByKey(tx, requestJobKey(request.id)), true);
  return { request, job, history: await requestHistory(db, request, options) };
}
