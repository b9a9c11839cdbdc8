import { sodium } from './sodium.js';
import { sodiumIetfAead } from './sodium-ietf.js';

/**
 * ChaCha20-Poly1305-IETF (RFC 8439, libsodium), 12-byte nonce. Not an
 * envelope algorithm — a 96-bit random nonce is too short to pick at random
 * for long — kept so the Wycheproof suite covers the construction
 * XChaCha20-Poly1305 is built on.
 */
export const chacha20poly1305 = sodiumIetfAead(
  'chacha20-poly1305',
  12,
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt,
  sodium.crypto_aead_chacha20poly1305_ietf_decrypt,
);
