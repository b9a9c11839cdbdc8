import type { Database } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import type { DecryptAuditSink, DecryptRecord } from './types.js';

/**
 * Records decrypts in `custodian.decrypt_events`, each in its own
 * transaction so the record survives even if the caller's business
 * transaction later rolls back. A failed write fails the decrypt (fail
 * closed), reported without any of the record's values. `role` writes as
 * that role, e.g. the application role.
 */
export function databaseDecryptAudit(db: Database, options: { role?: string } = {}): DecryptAuditSink {
  return {
    async record(entry: DecryptRecord): Promise<void> {
      try {
        const sql = `INSERT INTO custodian.decrypt_events
             (tenant_id, actor_type, actor_id, purpose, table_name, column_name, row_key, key_id, session_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
        const params = [
            entry.tenant ?? null,
            entry.actor.type,
            entry.actor.id,
            entry.purpose,
            entry.table,
            entry.column,
            entry.rowKey,
            entry.keyId,
            entry.actor.sessionId ?? null,
        ];
        await db.transaction((tx) => tx.query(sql, params), options.role === undefined ? {} : { role: options.role });
      } catch (error) {
        throw new CustodianError('ERR_AUDIT_WRITE_FAILED', 'the decrypt could not be recorded, so it was refused', {
          cause: error,
          hint: 'check that the database accepts writes to custodian.decrypt_events',
        });
      }
    },
  };
}
