import type { Database, Queryable } from '../db/types.js';
import { sqlState } from '../db/errors.js';
import { isPlainIdentifier } from '../db/identifier.js';
import { CustodianError } from '../errors.js';
import { defaultRedaction, type RedactionHook } from './redaction.js';
import type { AppendedEvent, AuditEventInput } from './types.js';
import { toAppendParams } from './validate-event.js';

/**
 * Adds events to the audit log, and can do nothing else: there is no update
 * and no delete to call (C3). The database enforces the same for every role.
 */
export interface AuditAppender {
  /**
   * Appends inside the caller's transaction: the event commits with the
   * business change and vanishes if it rolls back. It holds the tenant's chain
   * lock until that transaction ends, so append late in a transaction.
   */
  append(tx: Queryable, event: AuditEventInput): Promise<AppendedEvent>;
  /**
   * Appends in a transaction of its own and resolves once it is committed:
   * for events that must survive whatever the caller does next (a decrypt).
   * On PGlite it must not be called from inside a transaction of the same handle.
   * Never call it for a tenant from inside a transaction that has already
   * appended for that tenant: it would wait for that transaction's lock forever.
   */
  appendCommitted(db: Database, event: AuditEventInput): Promise<AppendedEvent>;
}

export interface AuditAppenderOptions {
  /** Runs over metadata before it is written (C7). Default: the built-in redactor (`defaultRedaction`). */
  redact?: RedactionHook;
  /**
   * Reference columns the application added to `custodian.audit_events`
   * (foreign keys ON DELETE SET NULL, docs/audit.md), filled from the event's
   * `subject` and `session` beside their text copies.
   */
  references?: { subject?: string; session?: string };
  /** `appendCommitted` runs as this role (e.g. `custodian_app`). */
  role?: string;
}

const APPEND_SQL = `SELECT event_seq, encode(event_hash, 'hex') AS event_hash
  FROM custodian.audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;

/**
 * @example
 * const audit = createAuditAppender();
 * await db.transaction(async (tx) => {
 *   await tx.query('UPDATE plans SET tier = $1 WHERE workspace_id = $2', ['pro', ws]);
 *   await audit.append(tx, { tenant: ws, actor: { type: 'member', id: userId }, action: 'plan.change', metadata: { tier: 'pro' } });
 * }, { tenantId: ws });
 */
export function createAuditAppender(options: AuditAppenderOptions = {}): AuditAppender {
  const redact = options.redact ?? defaultRedaction();
  const references = options.references ?? {};
  for (const column of [references.subject, references.session]) {
    if (column !== undefined && !isPlainIdentifier(column)) {
      throw new CustodianError('ERR_CONFIG_INVALID', 'an audit reference column is not a plain lower-case identifier', {
        hint: 'name the column your migration added to custodian.audit_events',
      });
    }
  }
  const run = async (on: Queryable, event: AuditEventInput): Promise<AppendedEvent> => {
    const params = toAppendParams(event, redact, references);
    try {
      const { rows } = await on.query<{ event_seq: number; event_hash: string }>(APPEND_SQL, params);
      return { tenant: params[0], seq: Number(rows[0]!.event_seq), hash: rows[0]!.event_hash };
    } catch (error) {
      throw writeFailed(error);
    }
  };
  return {
    append: run,
    appendCommitted(db, event) {
      if (options.role === undefined) return run(db, event); // one statement outside a transaction commits on its own
      return db.transaction((tx) => run(tx, event), { role: options.role });
    },
  };
}

function writeFailed(error: unknown): CustodianError {
  if (error instanceof CustodianError && error.code === 'ERR_DB_TRANSACTION_NESTED') return error;
  const state = sqlState(error);
  if (state === '42501') {
    return new CustodianError('ERR_AUDIT_WRITE_FAILED', 'the audit event was refused: it names another tenant than the transaction, or the role may not append', {
      cause: error,
      hint: 'append in a transaction of the event\'s tenant (or with no tenant context), as a role granted EXECUTE on custodian.audit_append',
    });
  }
  return new CustodianError('ERR_AUDIT_WRITE_FAILED', 'the audit event could not be appended', {
    cause: error,
    hint: state === '42883' || state === '42P01' ? 'run `custodian migrate`: the audit log migration is missing' : 'check that the database accepts writes; the cause is kept for the log',
  });
}
