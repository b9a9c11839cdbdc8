import { CustodianError } from '../errors.js';

/**
 * The only error any decryption failure produces, whatever the cause: a
 * distinct message or cause per failure would be an oracle. A fresh instance
 * each time so no caller can mutate a shared one.
 */
export function decryptFailed(): CustodianError {
  return new CustodianError('ERR_CRYPTO_DECRYPT_FAILED', 'the value could not be decrypted');
}

export function encryptFailed(what: string): CustodianError {
  return new CustodianError('ERR_CRYPTO_ENCRYPT_FAILED', `the value could not be sealed: ${what}`);
}
