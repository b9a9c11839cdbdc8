import { decryptFailed } from '../fail.js';
import { Secret } from '../secret.js';
import { openValue, type OpenValueOptions } from './open-value.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * `openValue` for values sealed from strings: the plaintext decoded as UTF-8,
 * in a `Secret<string>`. Bytes that are not UTF-8 fail with the same opaque
 * error as every other failure. The decoded bytes are zeroed.
 */
export function openText(envelope: Uint8Array, options: OpenValueOptions): Secret<string> {
  const bytes = openValue(envelope, options).reveal();
  try {
    return new Secret(utf8.decode(bytes));
  } catch {
    throw decryptFailed();
  } finally {
    bytes.fill(0);
  }
}
