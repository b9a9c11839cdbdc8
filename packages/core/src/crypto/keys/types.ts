import type { Secret } from '../secret.js';

/** Whose data a key protects: Custodian-wide data, one tenant's, or one person's (crypto-shreddable). */
export type KeyScope = 'root' | 'tenant' | 'subject';

/** active: encrypts and decrypts; decrypt-only: after rotation; retired: no rows left, unused; destroyed: key material gone. */
export type KeyState = 'active' | 'decrypt-only' | 'retired' | 'destroyed';

/** A data key's record, without key material. */
export interface DataKeyInfo {
  id: string;
  scope: KeyScope;
  /** The tenant or subject id; null for the root scope. */
  scopeId: string | null;
  algorithm: string;
  rootKeyId: string;
  provider: string;
  state: KeyState;
  /** Encryptions reserved so far (reserved in blocks: an upper bound on those done). */
  encryptions: number | bigint;
  createdAt: Date;
  rotatedAt: Date | null;
  retiredAt: Date | null;
  destroyedAt: Date | null;
}

/** A data key ready to use. `key` is the caller's own copy: zero it with `key.reveal().fill(0)` when done. */
export interface DataKey {
  id: string;
  scope: KeyScope;
  scopeId: string | null;
  algorithm: string;
  key: Secret<Uint8Array>;
}
