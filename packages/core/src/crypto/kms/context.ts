import { CustodianError } from '../../errors.js';
import type { EncryptionContext } from './provider.js';

/**
 * One byte string per context, whatever order its keys were written in:
 * sorted [key, value] pairs as JSON. JSON escapes quotes and separators, so
 * no two different contexts encode alike (unlike `k=v;k=v`).
 */
export function canonicalContext(context: EncryptionContext): Buffer {
  const entries = Object.keys(context)
    .sort()
    .map((k) => {
      const v = context[k];
      if (typeof v !== 'string') {
        throw new CustodianError('ERR_CRYPTO_ENCRYPT_FAILED', 'an encryption context value is not a string');
      }
      return [k, v];
    });
  return Buffer.from(JSON.stringify(entries), 'utf8');
}
