import { CustodianError } from '../../errors.js';

/** The single error for every failed unwrap, from every provider: no oracle for which part was wrong. */
export function unwrapFailed(): CustodianError {
  return new CustodianError('ERR_CRYPTO_DECRYPT_FAILED', 'a data key could not be unwrapped');
}

export function kmsUnavailable(operation: string, cause: unknown): CustodianError {
  return new CustodianError('ERR_KMS_UNAVAILABLE', `the key management service failed during ${operation}`, {
    cause,
    hint: 'check the KMS endpoint, region, credentials and network; the operation was not done',
  });
}
