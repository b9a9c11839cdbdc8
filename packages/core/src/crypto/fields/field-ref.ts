import { CustodianError } from '../../errors.js';
import type { Encryption, Policy } from '../../policy/index.js';
import type { KeyScope } from '../keys/types.js';

/** Where one encrypted value lives: the columns of its row that the policy and the key scope need. */
export interface FieldRef {
  table: string;
  column: string;
  /** The row's tenant; required for tenant-scoped keys and tenant tables. */
  tenant?: string | undefined;
  /** The person the row is about; required for subject-scoped keys (crypto-shredding). */
  subject?: string | undefined;
  /** The row's primary key, in key-column order for a composite key. */
  primaryKey: string | readonly string[];
}

/** The column's encryption settings from the policy; a column the policy does not encrypt is refused. */
export function encryptionOf(policy: Policy, ref: FieldRef): Encryption {
  const encryption = policy.tables[ref.table]?.columns[ref.column]?.encryption;
  if (!encryption) {
    throw new CustodianError('ERR_CRYPTO_ENCRYPT_FAILED', `the policy declares no encryption for ${ref.table}.${ref.column}`, {
      hint: `add \`encryption\` to tables.${ref.table}.columns.${ref.column}`,
    });
  }
  return encryption;
}

/** Which data key protects the value, from the column's key scope. */
export function keyScopeOf(encryption: Encryption, ref: FieldRef): { scope: KeyScope; scopeId: string | null } {
  if (encryption.keyScope === 'root') return { scope: 'root', scopeId: null };
  const scopeId = encryption.keyScope === 'tenant' ? ref.tenant : ref.subject;
  if (!scopeId) {
    throw new CustodianError('ERR_CRYPTO_ENCRYPT_FAILED', `${ref.table}.${ref.column} is encrypted under a ${encryption.keyScope} key, and no ${encryption.keyScope} was given`, {
      hint: `pass the row's ${encryption.keyScope} in the field reference`,
    });
  }
  return { scope: encryption.keyScope, scopeId };
}

/** The row key as one text value for audit records: parts joined by '/', each percent-encoded. */
export function rowKeyText(primaryKey: string | readonly string[]): string {
  return (typeof primaryKey === 'string' ? [primaryKey] : primaryKey).map(encodeURIComponent).join('/');
}
