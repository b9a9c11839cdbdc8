export { sealPlaceholder, openPlaceholder, isPlaceholder, PLACEHOLDER_MARKER } from './placeholder.js';
export { Secret } from './secret.js';
export { resolveRootKey, ROOT_KEY_ENV, type RootKey, type RootKeySource, type ResolveRootKeyOptions } from './root-key.js';
export { type KmsProvider, type EncryptionContext, type GeneratedDataKey } from './kms/provider.js';
export { EnvKeyProvider, rootKeyIdOf, PREVIOUS_ROOT_KEYS_ENV } from './kms/env-provider.js';
export { AwsKmsProvider, type AwsKmsProviderOptions } from './kms/aws-provider.js';
export * from './keys/index.js';
