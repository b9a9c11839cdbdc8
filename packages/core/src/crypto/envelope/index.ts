export { sealValue, type Plaintext, type SealValueOptions } from './seal-value.js';
export { openValue, type OpenValueOptions, type KeyLookup, type Keyring } from './open-value.js';
export { openText } from './open-text.js';
export { parseEnvelopeHeader, type EnvelopeHeader } from './parse-header.js';
export type { ValueContext } from './context.js';
export type { KeyMaterial } from './key-bytes.js';
export { ALGORITHM_IDS, ENVELOPE_MAGIC, ENVELOPE_VERSION } from './format.js';
