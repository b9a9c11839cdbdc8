// Internal: the AEADs by name. Not re-exported from the package — callers
// use the envelope, which binds header and context; raw primitives invite
// nonce and AD mistakes.
import type { Aead, EnvelopeAlgorithm } from './types.js';
import { aes256gcm } from './aes-256-gcm.js';
import { xchacha20poly1305 } from './xchacha20-poly1305.js';
import { xsalsa20poly1305 } from './xsalsa20-poly1305.js';

export type { Aead, EnvelopeAlgorithm } from './types.js';
export { aes256gcm, xchacha20poly1305, xsalsa20poly1305 };
export { chacha20poly1305 } from './chacha20-poly1305.js';
export { fillNonce } from './nonce.js';

export const AEADS: Readonly<Record<EnvelopeAlgorithm, Aead>> = Object.freeze({
  'xchacha20-poly1305': xchacha20poly1305,
  'aes-256-gcm': aes256gcm,
  'xsalsa20-poly1305': xsalsa20poly1305,
});
