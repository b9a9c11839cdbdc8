import type { Database } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import type { DecryptAuditSink, DecryptRecord } from './types.js';

const COLUMNS = ['tenant_id', 'actor_type', 'actor_id', 'purpose', 'table_name', 'column_name', 'row_key', 'key_id', 'session_id'] as const;

function fields(entry: DecryptRecord): Array<string | null> {
  return [
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
}

/**
 * Records decrypts in `custodian.decrypt_events`, each write in its own
 * transaction so the records survive even if the caller's business
 * transaction later rolls back. A failed write fails the decrypt (fail
 * closed), reported without any of the record's values. `role` writes as
 * that role, e.g. the application role.
 */
export function databaseDecryptAudit(db: Database, options: { role?: string } = {}): DecryptAuditSink {
  const write = async (sql: string, params: unknown[]): Promise<void> => {
    try {
      await db.transaction((tx) => tx.query(sql, params), options.role === undefined ? {} : { role: options.role });
    } catch (error) {
      throw new CustodianError('ERR_AUDIT_WRITE_FAILED', 'the decrypt could not be recorded, so it was refused', {
        cause: error,
        hint: 'check that the database accepts writes to custodian.decrypt_events',
      });
    }
  };
  return {
    record(entry) {
      return write(
        `INSERT INTO custodian.decrypt_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
        fields(entry),
      );
    },
    async recordMany(entries) {
      if (entries.length === 0) return;
      // One column array per field: one statement however many records.
      const arrays = COLUMNS.map(() => [] as Array<string | null>);
      for (const entry of entries) fields(entry).forEach((value, i) => arrays[i]!.push(value));
      await write(
        `INSERT INTO custodian.decrypt_events (${COLUMNS.join(', ')})
         SELECT * FROM unnest(${COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')})`,
        arrays,
      );
    },
  };
}
