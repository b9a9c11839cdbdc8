import type { Queryable, TransactionOptions } from './types.js';
import { quoteIdent } from './identifier.js';

/** Statements that open a transaction the way `options` asks; shared by both drivers. */
export async function applyTransactionOptions(tx: Queryable, options: TransactionOptions): Promise<void> {
  if (options.isolation || options.readOnly) {
    const parts: string[] = [];
    if (options.isolation) parts.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
    if (options.readOnly) parts.push('READ ONLY');
    await tx.query(`SET TRANSACTION ${parts.join(' ')}`);
  }
  if (options.tenantId !== undefined) {
    await tx.query(`SELECT set_config('custodian.tenant_id', $1, true)`, [options.tenantId]);
  }
  if (options.role !== undefined) {
    await tx.query(`SET LOCAL ROLE ${quoteIdent(options.role)}`);
  }
}
