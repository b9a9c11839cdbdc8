import type { Secret } from '../secret.js';

/**
 * What a wrapped data key is bound to. The provider authenticates it with the
 * wrap (AAD for the environment key, EncryptionContext for AWS KMS), so a
 * wrapped key copied to another scope or key id does not unwrap.
 *
 * @example { purpose: 'custodian-data-key', scope: 'tenant', scopeId: 't_1', keyId: '…' }
 */
export type EncryptionContext = Readonly<Record<string, string>>;

export interface GeneratedDataKey {
  /** The 32-byte data key. Zero it (`reveal().fill(0)`) once it is no longer needed. */
  plaintext: Secret<Uint8Array>;
  /** The data key wrapped by the root key: safe to store. */
  wrapped: Uint8Array;
  /** Which root key wrapped it: a fingerprint or a KMS key ARN, never key material. */
  rootKeyId: string;
}

/** A data key wrapped again: the new wrapped bytes and the root key that wraps them now. */
export interface RewrappedDataKey {
  wrapped: Uint8Array;
  rootKeyId: string;
}

/**
 * A holder of root keys that wraps and unwraps data keys. The root key never
 * leaves the provider: with AWS KMS it never leaves the KMS at all.
 *
 * Every unwrap failure (wrong context, wrong root key, tampered bytes) is the
 * same `ERR_CRYPTO_DECRYPT_FAILED`; a provider that cannot be reached is
 * `ERR_KMS_UNAVAILABLE`.
 */
export interface KmsProvider {
  /** Stored with each data key, so a key is always unwrapped by the kind of provider that wrapped it. */
  readonly name: string;
  /**
   * The id new data keys are wrapped under, as stored in `root_key_id`, when
   * the provider knows it without a call (a KMS alias does not say which key
   * it points at). Root rotation re-wraps the keys whose id differs, or every
   * key when this is undefined.
   */
  readonly currentRootKeyId?: string | undefined;
  generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey>;
  decryptDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Secret<Uint8Array>>;
  /** Unwraps and wraps again under `newRootKeyId` (default: the current root key) without the plaintext leaving the provider's hands. */
  reEncrypt(wrapped: Uint8Array, context: EncryptionContext, newRootKeyId?: string): Promise<RewrappedDataKey>;
}
