export { createRedactor, DETECTORS, type Redactor, type RedactorOptions } from './redactor.js';
export { DEFAULT_DENY_KEYS, denyKeyMatcher, normalizeKey } from './deny-keys.js';
export { MARKER } from './find.js';
export type { Detector, Finding, Confidence } from './detectors/types.js';
export { luhn, cardBrand, validSsn, githubChecksumValid, entropy, isPlaceholder } from './validators.js';
