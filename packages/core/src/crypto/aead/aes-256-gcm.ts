import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Aead } from './types.js';
import { checkOpen, checkSeal } from './checks.js';
import { decryptFailed } from '../fail.js';
import { defineAead } from './define-aead.js';

/**
 * AES-256-GCM (node:crypto / OpenSSL): 32-byte key, 12-byte nonce, 16-byte
 * tag. Only 96-bit IVs: other lengths go through GHASH and weaken the bound
 * (Wycheproof's LongIv notes). `authTagLength` pins the tag at 16 bytes so a
 * truncated tag cannot be accepted. With random nonces a key must be retired
 * well before 2^32 messages (NIST SP 800-38D §8.3).
 */
export const aes256gcm: Aead = defineAead({
  id: 'aes-256-gcm',
  keyLength: 32,
  nonceLength: 12,
  tagLength: 16,
  sealInto(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): void {
    checkSeal(aes256gcm, out, key, nonce, plaintext);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    cipher.setAAD(ad);
    const body = cipher.update(plaintext);
    const rest = cipher.final();
    out.set(body, 0);
    out.set(rest, body.length);
    out.set(cipher.getAuthTag(), plaintext.length);
  },
  openInto(out: Uint8Array, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): void {
    checkOpen(aes256gcm, out, key, nonce, sealed);
    const length = sealed.length - 16;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      decipher.setAuthTag(sealed.subarray(length));
      decipher.setAAD(ad);
      const body = decipher.update(sealed.subarray(0, length));
      decipher.final();
      out.set(body, 0);
      // OpenSSL verifies only at final(); the unverified bytes never leave.
      body.fill(0);
    } catch {
      throw decryptFailed();
    }
  },
});
