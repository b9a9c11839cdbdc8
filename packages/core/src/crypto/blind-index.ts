import { createHmac, hkdfSync } from 'node:crypto';
import { Secret } from './secret.js';

/**
 * Blind indexes: an HMAC of a normalised value, stored beside its ciphertext,
 * so an encrypted column can still be searched by equality ("find the user
 * with this email") without decrypting every row.
 *
 * Leakage, stated plainly: anyone who reads the index column learns which rows
 * hold equal values (and so how often each value occurs), but not the values;
 * without the key, guessing a value means guessing its HMAC. Each column, and
 * each tenant of a tenant-scoped column, gets its own key, so equal values in
 * two columns or two tenants do not match each other.
 */
export type Normalization = 'trim' | 'lowercase';

export interface IndexScope {
  table: string;
  column: string;
  /** For tenant-scoped columns: the tenant, so indexes do not match across tenants. */
  tenant?: string | undefined;
  /** Bumped when the index key rotates; lookups try every live version during the switch. */
  version?: number;
}

const SALT = Buffer.from('custodian/blind-index/v1', 'utf8');

/** Length-framed so no two scopes share an encoding (`a`+`bc` ≠ `ab`+`c`). */
function scopeInfo(scope: IndexScope): Buffer {
  const parts = [scope.table, scope.column, scope.tenant ?? '', String(scope.version ?? 1)];
  return Buffer.concat(
    parts.flatMap((p) => {
      const bytes = Buffer.from(p, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      return [len, bytes];
    }),
  );
}

/** The per-column (and per-tenant) index key, derived from a root or data key with HKDF-SHA256. */
export function deriveIndexKey(secret: Uint8Array | Secret<Uint8Array>, scope: IndexScope): Secret<Uint8Array> {
  const ikm = secret instanceof Secret ? secret.reveal() : secret;
  return new Secret(new Uint8Array(hkdfSync('sha256', ikm, SALT, scopeInfo(scope), 32)));
}

export function normalizeForIndex(value: string, steps: readonly Normalization[]): string {
  let out = value.normalize('NFC');
  for (const step of steps) out = step === 'trim' ? out.trim() : out.toLowerCase();
  return out;
}

/** The index of one value: HMAC-SHA256 under the column's key, 32 bytes. */
export function blindIndex(value: string, key: Secret<Uint8Array>, normalize: readonly Normalization[]): Buffer {
  return createHmac('sha256', key.reveal()).update(normalizeForIndex(value, normalize), 'utf8').digest();
}

/**
 * Every index a value may be stored under while an index key rotates (old and
 * new): look rows up with `WHERE idx = ANY($1)`.
 */
export function blindIndexCandidates(value: string, keys: readonly Secret<Uint8Array>[], normalize: readonly Normalization[]): Buffer[] {
  return keys.map((key) => blindIndex(value, key, normalize));
}
