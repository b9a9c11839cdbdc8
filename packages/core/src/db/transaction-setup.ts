import type { TransactionOptions } from './types.js';
import { quoteIdent } from './identifier.js';
import { DatabaseError } from '../errors.js';

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

/** `ISOLATION LEVEL … READ ONLY`, or nothing. */
function modes(options: TransactionOptions): string {
  const parts: string[] = [];
  if (options.isolation) parts.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) parts.push('READ ONLY');
  return parts.join(' ');
}

/** The tenant, member role and role `options` asks for, as statements to run first in the transaction. */
function settingStatements(options: TransactionOptions): string[] {
  const statements: string[] = [];
  const settings: string[] = [];
  if (options.tenantId !== undefined) settings.push(`set_config('custodian.tenant_id', ${quoteLiteral(options.tenantId)}, true)`);
  if (options.memberRole !== undefined) settings.push(`set_config('custodian.member_role', ${quoteLiteral(options.memberRole)}, true)`);
  if (settings.length > 0) statements.push(`SELECT ${settings.join(', ')}`);
  if (options.role !== undefined) statements.push(`SET LOCAL ROLE ${quoteIdent(options.role)}`);
  return statements;
}

/**
 * BEGIN and every setting `options` asks for, as one multi-statement text
 * sent in a single round trip (simple query protocol, which takes no
 * parameters — hence the literals). A request-scoped transaction is opened
 * per API call, and each round trip saved is time every request spends less
 * (bench/README.md, "http").
 */
export function transactionPreamble(options: TransactionOptions): string {
  const mode = modes(options);
  return [`BEGIN${mode ? ` ${mode}` : ''}`, ...settingStatements(options)].join('; ');
}

/**
 * The same settings for a transaction someone else began (the embedded
 * database's own `transaction()`), or '' when there are none.
 */
export function transactionSettings(options: TransactionOptions): string {
  const mode = modes(options);
  return [...(mode ? [`SET TRANSACTION ${mode}`] : []), ...settingStatements(options)].join('; ');
}
