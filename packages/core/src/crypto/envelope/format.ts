import { AEADS, type Aead, type EnvelopeAlgorithm } from '../aead/index.js';

/**
 * The envelope's fixed bytes (docs/envelope.md has the full table):
 *
 *   0      magic 0xC5
 *   1      version 0x01
 *   2      algorithm id
 *   3      key id length L (1–255)
 *   4      key id, L bytes of UTF-8
 *   4+L    nonce (length fixed by the algorithm)
 *   …      sealed body: ciphertext and 16-byte tag
 *
 * Bytes 0 … 4+L+nonce−1 are the header; all of them go into the AEAD's
 * associated data, so none can change without the open failing.
 */
export const ENVELOPE_MAGIC = 0xc5;
export const ENVELOPE_VERSION = 1;
export const MAX_KEY_ID_BYTES = 255;

export const ALGORITHM_IDS: Readonly<Record<EnvelopeAlgorithm, number>> = Object.freeze({
  'xchacha20-poly1305': 0x01,
  'aes-256-gcm': 0x02,
  'xsalsa20-poly1305': 0x03,
});

const BY_ID: ReadonlyArray<Aead | undefined> = (() => {
  const table: Array<Aead | undefined> = [];
  for (const [name, id] of Object.entries(ALGORITHM_IDS)) table[id] = AEADS[name as EnvelopeAlgorithm];
  return table;
})();

export interface RawHeader {
  version: number;
  aead: Aead;
  keyId: string;
  /** Offset of the nonce; the header ends at nonceOffset + nonce length. */
  nonceOffset: number;
  headerLength: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads the header, or undefined for anything this build cannot read. Unauthenticated. */
export function readHeader(envelope: Uint8Array): RawHeader | undefined {
  if (!(envelope instanceof Uint8Array) || envelope.length < 5) return undefined;
  if (envelope[0] !== ENVELOPE_MAGIC || envelope[1] !== ENVELOPE_VERSION) return undefined;
  const aead = BY_ID[envelope[2]!];
  const keyIdLength = envelope[3]!;
  if (aead === undefined || keyIdLength === 0) return undefined;
  const nonceOffset = 4 + keyIdLength;
  const headerLength = nonceOffset + aead.nonceLength;
  if (envelope.length < headerLength + aead.tagLength) return undefined;
  const keyId = decodeKeyId(envelope, nonceOffset);
  if (keyId === undefined) return undefined;
  return { version: ENVELOPE_VERSION, aead, keyId, nonceOffset, headerLength };
}

// The last key id read, as bytes and as the string: one data key opens many
// values, and matching 1–255 bytes is cheaper than building the string again
// (which Map#get would then hash again). Key ids are not secret.
const lastKeyIdBytes = new Uint8Array(255);
let lastKeyIdLength = 0;
let lastKeyId = '';

function decodeKeyId(envelope: Uint8Array, end: number): string | undefined {
  const length = end - 4;
  if (length === lastKeyIdLength) {
    let i = 0;
    while (i < length && envelope[4 + i] === lastKeyIdBytes[i]) i++;
    if (i === length) return lastKeyId;
  }
  const keyId = decodeNewKeyId(envelope, end);
  if (keyId !== undefined) {
    for (let i = 0; i < length; i++) lastKeyIdBytes[i] = envelope[4 + i]!;
    lastKeyIdLength = length;
    lastKeyId = keyId;
  }
  return keyId;
}

// Key ids are usually short ASCII; building those by hand avoids a subarray
// and a TextDecoder call per open. Anything else goes through the strict
// decoder, which refuses malformed UTF-8.
function decodeNewKeyId(envelope: Uint8Array, end: number): string | undefined {
  let ascii = '';
  for (let i = 4; i < end; i++) {
    const b = envelope[i]!;
    if (b > 0x7f) {
      try {
        return utf8.decode(envelope.subarray(4, end));
      } catch {
        return undefined;
      }
    }
    ascii += String.fromCharCode(b);
  }
  return ascii;
}
