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
  // One statement for every setting: each round trip counts on a per-request transaction.
  const settings: Array<[string, string]> = [];
  if (options.tenantId !== undefined) settings.push(['custodian.tenant_id', options.tenantId]);
  if (options.memberRole !== undefined) settings.push(['custodian.member_role', options.memberRole]);
  if (settings.length > 0) {
    const calls = settings.map(([name], i) => `set_config('${name}', $${i + 1}, true)`);
    await tx.query(`SELECT ${calls.join(', ')}`, settings.map(([, value]) => value));
  }
  if (options.role !== undefined) {
    await tx.query(`SET LOCAL ROLE ${quoteIdent(options.role)}`);
  }
}
