import type { Aead } from './types.js';
import { decryptFailed, encryptFailed } from '../fail.js';

// Sizes are checked here, before the native call, so that a wrong size is the
// same opaque error as a bad tag instead of a library assertion naming sizes.
export function checkSeal(aead: Aead, out: Uint8Array, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): void {
  if (key.length !== aead.keyLength) throw encryptFailed(`the key is not ${aead.keyLength} bytes`);
  if (nonce.length !== aead.nonceLength) throw encryptFailed(`the nonce is not ${aead.nonceLength} bytes`);
  if (out.length !== plaintext.length + aead.tagLength) throw encryptFailed('the output buffer has the wrong length');
}

export function checkOpen(aead: Aead, out: Uint8Array, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): void {
  if (key.length !== aead.keyLength || nonce.length !== aead.nonceLength || sealed.length < aead.tagLength || out.length !== sealed.length - aead.tagLength) {
    throw decryptFailed();
  }
}
