import type { EnvelopeAlgorithm } from '../aead/index.js';
import { CustodianError } from '../../errors.js';
import { readHeader } from './format.js';

export interface EnvelopeHeader {
  version: number;
  algorithm: EnvelopeAlgorithm;
  keyId: string;
}

/**
 * The header of an envelope, without decrypting: which key and algorithm
 * sealed it — for key rotation, status counts and fetching the right key
 * before `openValue`. The header is NOT authenticated until `openValue`
 * succeeds: use it to choose, never to trust.
 *
 * Throws ERR_CRYPTO_UNSUPPORTED for bytes that are not an envelope this build
 * can read (a placeholder, another format, a newer version, truncated).
 */
export function parseEnvelopeHeader(envelope: Uint8Array): EnvelopeHeader {
  const header = readHeader(envelope);
  if (header === undefined) {
    throw new CustodianError('ERR_CRYPTO_UNSUPPORTED', 'the value is not an envelope this build can read');
  }
  return { version: header.version, algorithm: header.aead.id as EnvelopeAlgorithm, keyId: header.keyId };
}
