import { sodium } from './sodium.js';
import { sodiumIetfAead } from './sodium-ietf.js';

/**
 * XChaCha20-Poly1305-IETF (libsodium): 32-byte key, 24-byte nonce, 16-byte
 * tag. The 192-bit nonce makes random nonces safe for any realistic number of
 * messages per key, which is why it is the default.
 */
export const xchacha20poly1305 = sodiumIetfAead(
  'xchacha20-poly1305',
  24,
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt,
  sodium.crypto_aead_xchacha20poly1305_ietf_decrypt,
);
