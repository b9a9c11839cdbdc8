import { fillNonce } from '../aead/index.js';
import { sealWithNonce, type Plaintext, type SealValueOptions } from './seal.js';

export type { Plaintext, SealValueOptions } from './seal.js';

/**
 * Seals one value into a self-describing envelope (docs/envelope.md): a fresh
 * random nonce, the header and the value's context authenticated as
 * associated data. Strings are sealed as UTF-8.
 *
 * Throws ERR_CRYPTO_ENCRYPT_FAILED for a bad key, key id, plaintext or
 * context, and ERR_CRYPTO_UNSUPPORTED for an unknown algorithm; no message
 * carries the plaintext or the key.
 *
 * @example
 * const stored = sealValue('123-45-6789', {
 *   key: { id: 'tenant-7/v3', bytes: dataKey },
 *   algorithm: 'aes-256-gcm',
 *   context: { tenant: 't7', table: 'tax_forms', column: 'ssn', primaryKey: formId },
 * });
 */
export function sealValue(plaintext: Plaintext, options: SealValueOptions): Uint8Array {
  return sealWithNonce(plaintext, options, fillNonce);
}
