export { sealPlaceholder, openPlaceholder, isPlaceholder, PLACEHOLDER_MARKER } from './placeholder.js';
export { Secret } from './secret.js';
export { resolveRootKey, ROOT_KEY_ENV, type RootKey, type RootKeySource, type ResolveRootKeyOptions } from './root-key.js';
