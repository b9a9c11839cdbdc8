import { createRequire } from 'node:module';

/**
 * The part of sodium-native Custodian uses, typed here. sodium-native ships no
 * type declarations, and a typed `require` avoids an ambient
 * `declare module` that another declaration elsewhere could clash with.
 */
export interface Sodium {
  randombytes_buf(buffer: Uint8Array): void;
  crypto_aead_xchacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  crypto_generichash(output: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
}

export const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
