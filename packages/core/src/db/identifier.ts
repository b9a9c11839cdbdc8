import { CustodianError } from '../errors.js';

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$]{0,62}$/;

/**
 * Quotes a role, schema, table or column name for SQL text. Only plain
 * lower-case identifiers are accepted, so a name from a policy file can never
 * smuggle SQL into a statement Custodian builds.
 */
export function quoteIdent(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) {
    throw new CustodianError('ERR_DB_INVALID_IDENTIFIER', 'not a plain SQL identifier', {
      hint: 'use lower-case letters, digits and underscores, starting with a letter or underscore',
    });
  }
  return `"${name}"`;
}

export function isPlainIdentifier(name: string): boolean {
  return PLAIN_IDENTIFIER.test(name);
}

/** Quotes `schema.table` or `table` (the latter resolved through search_path). */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}
