import type { Aead } from './types.js';
import { checkOpen, checkSeal } from './checks.js';
import { decryptFailed } from '../fail.js';
import { defineAead } from './define-aead.js';

type Encrypt = (c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array) => number;
type Decrypt = (m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array) => number;

/** Builds an Aead over one of libsodium's IETF ChaCha20-Poly1305 constructions. */
export function sodiumIetfAead(id: Aead['id'], nonceLength: number, encrypt: Encrypt, decrypt: Decrypt): Aead {
  const into: Omit<Aead, 'seal' | 'open'> = {
    id,
    keyLength: 32,
    nonceLength,
    tagLength: 16,
    sealInto(out, key, nonce, plaintext, ad) {
      checkSeal(aead, out, key, nonce, plaintext);
      encrypt(out, plaintext, ad, null, nonce, key);
    },
    openInto(out, key, nonce, sealed, ad) {
      checkOpen(aead, out, key, nonce, sealed);
      try {
        decrypt(out, null, sealed, ad, nonce, key);
      } catch {
        throw decryptFailed();
      }
    },
  };
  const aead = defineAead(into);
  return aead;
}
