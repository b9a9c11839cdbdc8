// Data subject requests: lifecycle, deadlines, restrictions and running them on the job queue (docs/dsar.md, "Requests and deadlines").
export {
  DSAR_KINDS,
  DSAR_STATUSES,
  OPEN_STATUSES,
  PLATFORM_TENANT,
  DEFAULT_JURISDICTIONS,
  type DsarKind,
  type DsarStatus,
  type DsarRequest,
  type Jurisdiction,
  type RequestOptions,
} from './types.js';
export { createRequest, type NewRequest } from './create.js';
export { verifyIdentity, startRequest, completeRequest, rejectRequest } from './transitions.js';
export { extendDeadline } from './extend.js';
export { isRestricted, assertNotRestricted, liftRestriction } from './restrictions.js';
export { getRequest, listRequests, dueSoon, overdue, requestHistory, type RequestFilter, type RequestEvent } from './query.js';
export { requestStatus, type RequestStatus } from './status.js';
export { enqueueRequest, dsarRunTask, requestJobKey, DSAR_RUN_TASK } from './run.js';
export type { DsarHandler, DsarHandlerContext, DsarHandlers } from './handler.js';
export { jurisdictionsOf } from './jurisdictions.js';
