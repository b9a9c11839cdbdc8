export { FieldCrypto, type FieldCryptoOptions, type OpenFieldOptions, type SealedField } from './field-crypto.js';
export type { FieldRef } from './field-ref.js';
