import type { Aead } from './types.js';

/**
 * Completes an AEAD from its `…Into` forms: `seal` and `open` allocate the
 * output (plaintext length plus or minus the 16-byte tag) and call them, so
 * each cipher writes only the two operations that differ.
 */
export function defineAead(into: Omit<Aead, 'seal' | 'open'>): Aead {
  return Object.freeze({
    ...into,
    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
      const out = new Uint8Array(plaintext.length + into.tagLength);
      into.sealInto(out, key, nonce, plaintext, ad);
      return out;
    },
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array {
      const out = new Uint8Array(Math.max(0, sealed.length - into.tagLength));
      into.openInto(out, key, nonce, sealed, ad);
      return out;
    },
  });
}
