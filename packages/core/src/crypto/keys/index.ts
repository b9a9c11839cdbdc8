export { KeyStore, DEFAULT_USAGE_LIMIT, DEFAULT_RESERVATION_BLOCK, type KeyStoreOptions, type RewrapResult } from './key-store.js';
export { DataKeyCache, type DataKeyCacheOptions } from './cache.js';
export { KeyRetireRefusedError } from './errors.js';
export type { DataKey, DataKeyInfo, KeyScope, KeyState } from './types.js';
export { rowsByKey, rowsUsingKey, rowsUnderKey, encryptedColumnsOf } from './rows-by-key.js';
