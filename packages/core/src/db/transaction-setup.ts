import type { Queryable, TransactionOptions } from './types.js';
import { quoteIdent } from './identifier.js';
import { DatabaseError } from '../errors.js';

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

/**
 * A string as an SQL literal, the way libpq's PQescapeLiteral writes it:
 * quotes doubled, and backslashes doubled inside an E'' literal, so the
 * result is the same text whatever `standard_conforming_strings` says.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new DatabaseError('ERR_DB_INVALID_IDENTIFIER', 'a transaction setting cannot contain a NUL character');
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * BEGIN and every setting `options` asks for, as one multi-statement text
 * sent in a single round trip (simple query protocol, which takes no
 * parameters — hence the literals). A request-scoped transaction is opened
 * per API call, and each round trip saved is time every request spends less
 * (bench/README.md, "http").
 */
export function transactionPreamble(options: TransactionOptions): string {
  const begin = ['BEGIN'];
  if (options.isolation) begin.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) begin.push('READ ONLY');
  const statements = [begin.join(' ')];
  const settings: string[] = [];
  if (options.tenantId !== undefined) settings.push(`set_config('custodian.tenant_id', ${quoteLiteral(options.tenantId)}, true)`);
  if (options.memberRole !== undefined) settings.push(`set_config('custodian.member_role', ${quoteLiteral(options.memberRole)}, true)`);
  if (settings.length > 0) statements.push(`SELECT ${settings.join(', ')}`);
  if (options.role !== undefined) statements.push(`SET LOCAL ROLE ${quoteIdent(options.role)}`);
  return statements.join('; ');
}
