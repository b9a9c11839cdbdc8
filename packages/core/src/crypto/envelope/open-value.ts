import { randomBytes } from 'node:crypto';
import type { EnvelopeAlgorithm } from '../aead/index.js';
import { decryptFailed } from '../fail.js';
import { Secret } from '../secret.js';
import { associatedData, associatedNonce } from './associated-data.js';
import type { ValueContext } from './context.js';
import { readHeader } from './format.js';
import { keyBytes, type KeyMaterial } from './key-bytes.js';
import { plaintextBuffer } from './plaintext-slab.js';

/** Finds a data key by the id an envelope names; undefined when there is none. */
export type KeyLookup = (keyId: string) => KeyMaterial | undefined;
/** Anything with `get(keyId)`, a `Map` included. */
export interface Keyring {
  get(keyId: string): KeyMaterial | undefined;
}

export interface OpenValueOptions {
  keys: KeyLookup | Keyring;
  /** The context the value was sealed with; any other does not open. */
  context: ValueContext;
  /** When set, an envelope naming another algorithm does not open. */
  expectedAlgorithm?: EnvelopeAlgorithm;
}

// Used when the key is missing so that path still runs a full AEAD open and
// costs what a wrong-context open costs.
const DUMMY_KEY = new Uint8Array(randomBytes(32));

/**
 * Opens an envelope made by `sealValue`. Returns the plaintext wrapped in a
 * `Secret`, so that logging, JSON or `util.inspect` of the result shows
 * `[Secret]`; `reveal()` gives the bytes (the caller owns them and may zero
 * them).
 *
 * Every failure — not an envelope, unknown version or algorithm, truncated,
 * unknown key id, wrong context, wrong algorithm, tampered — throws the same
 * CustodianError('ERR_CRYPTO_DECRYPT_FAILED', 'the value could not be
 * decrypted') with no cause. Only an exception thrown by the caller's own
 * key lookup passes through unchanged: return undefined for "no such key".
 *
 * @example
 * const ssn = openValue(stored, { keys: keyring, context, expectedAlgorithm: 'aes-256-gcm' });
 * dispatchPayout(ssn.reveal());
 */
export function openValue(envelope: Uint8Array, options: OpenValueOptions): Secret<Uint8Array> {
  const header = readHeader(envelope);
  if (header === undefined) throw decryptFailed();
  const { aead, keyId, nonceOffset, headerLength } = header;
  const keys = options?.keys;
  const found = keyBytes(typeof keys === 'function' ? keys(keyId) : typeof keys?.get === 'function' ? keys.get(keyId) : undefined);
  let usable = found !== undefined && found.length === aead.keyLength;
  const expected = options?.expectedAlgorithm;
  if (expected !== undefined && expected !== aead.id) usable = false;
  let ad = associatedData(envelope, headerLength, options?.context);
  let nonce: Uint8Array;
  if (ad === undefined) {
    usable = false;
    ad = envelope.subarray(0, headerLength);
    nonce = envelope.subarray(nonceOffset, headerLength);
  } else {
    nonce = associatedNonce(nonceOffset, aead.nonceLength);
  }
  const sealedLength = envelope.length - headerLength;
  const out = plaintextBuffer(sealedLength - aead.tagLength);
  try {
    // A plain Uint8Array view: about half the cost of Buffer#subarray.
    const sealed = new Uint8Array(envelope.buffer, envelope.byteOffset + headerLength, sealedLength);
    aead.openInto(out, usable ? found! : DUMMY_KEY, nonce, sealed, ad);
  } catch {
    throw decryptFailed();
  }
  if (!usable) {
    out.fill(0);
    throw decryptFailed();
  }
  return new Secret(out);
}
