/** The AEADs an envelope can name. Matches the policy's `ALGORITHMS`. */
export type EnvelopeAlgorithm = 'xchacha20-poly1305' | 'aes-256-gcm' | 'xsalsa20-poly1305';

/**
 * One authenticated cipher behind a common shape. `seal` returns the sealed
 * form (ciphertext and 16-byte tag, in the library's own order: IETF AEADs
 * and GCM append the tag, secretbox prepends it); `open` returns the
 * plaintext or throws the one opaque decrypt error. The `…Into` forms write into a caller's buffer so the
 * envelope code can avoid a copy; `out` must be exactly the right length.
 */
export interface Aead {
  readonly id: EnvelopeAlgorithm | 'chacha20-poly1305';
  readonly keyLength: number;
  readonly nonceLength: number;
  readonly tagLength: number;
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array;
  sealInto(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): void;
  openInto(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): void;
}
