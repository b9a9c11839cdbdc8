// Internal. sealValue's body with the nonce source as a parameter, so the
// known-answer tests can fix the nonce. Not exported from the package: a
// fixed nonce in production would be catastrophic.
import { AEADS, type EnvelopeAlgorithm } from '../aead/index.js';
import { CustodianError } from '../../errors.js';
import { encryptFailed } from '../fail.js';
import { Secret } from '../secret.js';
import { associatedData, associatedNonce } from './associated-data.js';
import type { ValueContext } from './context.js';
import { ALGORITHM_IDS, ENVELOPE_MAGIC, ENVELOPE_VERSION, MAX_KEY_ID_BYTES } from './format.js';
import { keyBytes, type KeyMaterial } from './key-bytes.js';

export interface SealValueOptions {
  /** The data key: its id goes into the header, its bytes (32) seal the value. */
  key: { id: string; bytes: KeyMaterial };
  /** Default 'xchacha20-poly1305'. */
  algorithm?: EnvelopeAlgorithm;
  context: ValueContext;
}

export type Plaintext = Uint8Array | string | Secret<Uint8Array | string>;

const LONE_SURROGATE = /\p{Cs}/u;

// Key ids that passed validation, UTF-8 encoded: one data key seals many
// values, and the regex, byte count and Buffer#write per call were a tenth of
// a 100-byte seal. Key ids are not secret (they are stored in the clear); the
// map is dropped whole past KEY_ID_LIMIT entries so it cannot grow without
// bound.
const KEY_ID_LIMIT = 1024;
let keyIds = new Map<string, Uint8Array>();

function keyIdBytes(keyId: unknown): Uint8Array {
  const cached = typeof keyId === 'string' ? keyIds.get(keyId) : undefined;
  if (cached !== undefined) return cached;
  if (typeof keyId !== 'string' || keyId.length === 0 || LONE_SURROGATE.test(keyId)) throw encryptFailed('the key id is missing or not well-formed text');
  const bytes = new Uint8Array(Buffer.from(keyId, 'utf8'));
  if (bytes.length > MAX_KEY_ID_BYTES) throw encryptFailed(`the key id is longer than ${MAX_KEY_ID_BYTES} bytes`);
  if (keyIds.size >= KEY_ID_LIMIT) keyIds = new Map();
  keyIds.set(keyId, bytes);
  return bytes;
}

export function sealWithNonce(plaintext: Plaintext, options: SealValueOptions, fillNonce: (nonce: Uint8Array) => void): Uint8Array {
  const algorithm = options?.algorithm ?? 'xchacha20-poly1305';
  const aead = Object.hasOwn(AEADS, algorithm) ? AEADS[algorithm] : undefined;
  if (aead === undefined) throw new CustodianError('ERR_CRYPTO_UNSUPPORTED', 'the algorithm is not one this build supports');
  const keyId = keyIdBytes(options.key?.id);
  const key = keyBytes(options.key.bytes);
  if (key === undefined || key.length !== aead.keyLength) throw encryptFailed(`the key is not ${aead.keyLength} bytes`);
  const revealed = plaintext instanceof Secret ? plaintext.reveal() : plaintext;
  let message: Uint8Array;
  if (typeof revealed === 'string') {
    if (LONE_SURROGATE.test(revealed)) throw encryptFailed('the plaintext string is not well-formed UTF-16');
    message = Buffer.from(revealed, 'utf8');
  } else if (revealed instanceof Uint8Array) message = revealed;
  else throw encryptFailed('the plaintext is neither a string nor a Uint8Array');

  const keyIdLength = keyId.length;
  const headerLength = 4 + keyIdLength + aead.nonceLength;
  const envelope = Buffer.allocUnsafe(headerLength + message.length + aead.tagLength);
  envelope[0] = ENVELOPE_MAGIC;
  envelope[1] = ENVELOPE_VERSION;
  envelope[2] = ALGORITHM_IDS[algorithm];
  envelope[3] = keyIdLength;
  for (let i = 0; i < keyIdLength; i++) envelope[4 + i] = keyId[i]!;
  // The AD is built from the header before the nonce is drawn; the nonce is
  // then drawn straight into the AD's copy of the header and copied into the
  // envelope, which saves making a view of the envelope for it.
  const nonceOffset = 4 + keyIdLength;
  const ad = associatedData(envelope, headerLength, options.context);
  if (ad === undefined) throw encryptFailed('the context needs non-empty table and column, a primary key, and well-formed text');
  const nonce = associatedNonce(nonceOffset, aead.nonceLength);
  fillNonce(nonce);
  for (let i = 0; i < nonce.length; i++) envelope[nonceOffset + i] = nonce[i]!;
  // A plain Uint8Array view: about half the cost of Buffer#subarray.
  aead.sealInto(new Uint8Array(envelope.buffer, envelope.byteOffset + headerLength, envelope.length - headerLength), key, nonce, message, ad);
  if (typeof revealed === 'string') message.fill(0);
  // A Buffer (from Node's pool: ciphertext is not secret), which `pg` and
  // PGlite take as bytea as it is.
  return envelope;
}
