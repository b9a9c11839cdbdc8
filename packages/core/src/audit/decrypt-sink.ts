import type { DecryptAuditSink, DecryptRecord } from '../crypto/decrypt-audit/types.js';
import type { Database } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { createAuditAppender, type AuditAppender } from './appender.js';
import type { AuditEventInput } from './types.js';

/**
 * Records audited decrypts (C2) as `key.decrypt` events in the audit log,
 * each in its own committed transaction, so the record survives whatever the
 * caller's transaction does next; a failed write fails the decrypt (fail
 * closed). A drop-in for the interim `databaseDecryptAudit` sink.
 *
 * Decrypts of Custodian-wide values have no tenant; they go to the chain of
 * `platformTenant` (default `_platform`).
 *
 * @example
 * const fields = new FieldCrypto({ policy, keys, audit: auditLogDecryptSink(db, { role: 'custodian_app' }) });
 */
export function auditLogDecryptSink(
  db: Database,
  options: { role?: string; platformTenant?: string; appender?: AuditAppender } = {},
): DecryptAuditSink {
  const appender = options.appender ?? createAuditAppender(options.role === undefined ? {} : { role: options.role });
  const toEvent = (entry: DecryptRecord): AuditEventInput => ({
    tenant: entry.tenant ?? options.platformTenant ?? '_platform',
    actor: { type: entry.actor.type, id: entry.actor.id },
    action: 'key.decrypt',
    target: { type: 'value', id: `${entry.table}.${entry.column}:${entry.rowKey}` },
    ...(entry.actor.sessionId === undefined ? {} : { session: entry.actor.sessionId }),
    purpose: entry.purpose,
    metadata: { table: entry.table, column: entry.column, row_key: entry.rowKey, key_id: entry.keyId },
  });
  const failed = (error: unknown) =>
    new CustodianError('ERR_AUDIT_WRITE_FAILED', 'the decrypt could not be recorded, so it was refused', {
      cause: error,
      hint: 'check that the database accepts audit appends (custodian.audit_append)',
    });
  return {
    async record(entry: DecryptRecord): Promise<void> {
      try {
        await appender.appendCommitted(db, toEvent(entry));
      } catch (error) {
        throw failed(error);
      }
    },
    // Many decrypts (a re-encryption chunk) in one committed transaction: all recorded or none.
    async recordMany(entries: readonly DecryptRecord[]): Promise<void> {
      if (entries.length === 0) return;
      try {
        await db.transaction(async (tx) => {
          for (const entry of entries) await appender.append(tx, toEvent(entry));
        }, options.role === undefined ? {} : { role: options.role });
      } catch (error) {
        throw failed(error);
      }
    },
  };
}
