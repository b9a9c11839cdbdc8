export { sealPlaceholder, openPlaceholder, isPlaceholder, PLACEHOLDER_MARKER } from './placeholder.js';
export { Secret } from './secret.js';
export { resolveRootKey, ROOT_KEY_ENV, type RootKey, type RootKeySource, type ResolveRootKeyOptions } from './root-key.js';
export { type KmsProvider, type EncryptionContext, type GeneratedDataKey, type RewrappedDataKey } from './kms/provider.js';
export { EnvKeyProvider, rootKeyIdOf, PREVIOUS_ROOT_KEYS_ENV } from './kms/env-provider.js';
export { AwsKmsProvider, type AwsKmsProviderOptions } from './kms/aws-provider.js';
export {
  sealValue,
  openValue,
  openText,
  parseEnvelopeHeader,
  ALGORITHM_IDS,
  ENVELOPE_MAGIC,
  ENVELOPE_VERSION,
  type Plaintext,
  type SealValueOptions,
  type OpenValueOptions,
  type KeyLookup,
  type Keyring,
  type KeyMaterial,
  type EnvelopeHeader,
  type ValueContext,
} from './envelope/index.js';
export type { EnvelopeAlgorithm } from './aead/types.js';
export * from './keys/index.js';
export { mask, type MaskOptions } from './mask.js';
export { blindIndex, blindIndexCandidates, deriveIndexKey, normalizeForIndex, type IndexScope, type Normalization } from './blind-index.js';
export { databaseDecryptAudit, type Actor, type DecryptAuditSink, type DecryptRecord } from './decrypt-audit/index.js';
export { FieldCrypto, type FieldCryptoOptions, type FieldRef, type OpenFieldOptions, type SealedField } from './fields/index.js';
export * from './rotation/index.js';
