export type { Actor, DecryptAuditSink, DecryptRecord } from './types.js';
export { databaseDecryptAudit } from './database-sink.js';
