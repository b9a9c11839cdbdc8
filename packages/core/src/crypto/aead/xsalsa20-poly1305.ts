import type { Aead } from './types.js';
import { sodium } from './sodium.js';
import { checkOpen, checkSeal } from './checks.js';
import { decryptFailed } from '../fail.js';
import { defineAead } from './define-aead.js';

/**
 * XSalsa20-Poly1305 (libsodium `crypto_secretbox`) with associated data.
 *
 * secretbox takes no associated data, so the AD is folded into the key:
 *
 *   subkey = BLAKE2b-256(key = K, message = "custodian:secretbox-ad:v1" || AD)
 *   sealed = crypto_secretbox_easy(plaintext, nonce, subkey)    (tag || ciphertext)
 *
 * Keyed BLAKE2b (libsodium `crypto_generichash`) is a PRF, so each distinct AD
 * yields an independent-looking key; opening under a changed AD verifies the
 * Poly1305 tag under an unrelated key, which fails except with probability
 * about 2^-106 per attempt. The label separates this use of K from any other
 * keyed hash of K. Nothing is hand-written: a library hash and the library's
 * secretbox, composed. docs/envelope.md gives the argument in full.
 *
 * Note that libsodium puts the tag first (tag || ciphertext); the interface's
 * "ciphertext || tag" is honoured for the IETF AEADs and this one keeps
 * secretbox's own layout, which is what B1's "secretbox" promises.
 */
const LABEL = new TextEncoder().encode('custodian:secretbox-ad:v1');

// The hash input is built in a reused scratch buffer: a fresh one per call
// would cost an off-heap allocation as dear as the hash. It holds only the
// label and the AD (header and context), which are not secret.
let scratch = new Uint8Array(1024);
scratch.set(LABEL, 0);
// The hash input view, kept while its length stays the same (it does for
// every value of one column under one key): a view per call costs more than
// the copy.
let input = scratch.subarray(0, 0);

// The subkey goes into one reused buffer too, for the same reason (a fresh
// 32-byte array lives on V8's heap and is moved off it, at the cost of an
// allocation, the moment sodium-native asks for its memory). Seal and open are
// synchronous and zero it before returning, so it holds a subkey only for the
// length of one call.
const SUBKEY = new Uint8Array(new ArrayBuffer(32));

function subkey(key: Uint8Array, ad: Uint8Array): Uint8Array {
  const length = LABEL.length + ad.length;
  if (length > scratch.length) {
    scratch = new Uint8Array(Math.max(length, scratch.length * 2));
    scratch.set(LABEL, 0);
    input = scratch.subarray(0, 0);
  }
  scratch.set(ad, LABEL.length);
  if (input.length !== length) input = scratch.subarray(0, length);
  sodium.crypto_generichash(SUBKEY, input, key);
  return SUBKEY;
}

export const xsalsa20poly1305: Aead = defineAead({
  id: 'xsalsa20-poly1305',
  keyLength: 32,
  nonceLength: 24,
  tagLength: 16,
  sealInto(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): void {
    checkSeal(xsalsa20poly1305, out, key, nonce, plaintext);
    const k = subkey(key, ad);
    try {
      sodium.crypto_secretbox_easy(out, plaintext, nonce, k);
    } finally {
      k.fill(0);
    }
  },
  openInto(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): void {
    checkOpen(xsalsa20poly1305, out, key, nonce, sealed);
    const k = subkey(key, ad);
    let ok = false;
    try {
      ok = sodium.crypto_secretbox_open_easy(out, sealed, nonce, k);
    } catch {
      ok = false;
    }
    k.fill(0);
    if (!ok) throw decryptFailed();
  },
});
