import { CustodianError } from '../errors.js';

const MAX_MESSAGE = 500;
const CODE = /^ERR_[A-Z0-9_]{1,60}$/;
const permanent = new WeakSet<object>();

/**
 * Marks an error as one that another attempt cannot fix (a request in a
 * state that does not allow the work, no handler for it): the job fails at
 * once instead of retrying. Returns the same error, to throw.
 *
 * @example
 * throw doNotRetry(new CustodianError('ERR_DSAR_NO_HANDLER', 'no handler for this kind of request'));
 */
export function doNotRetry<E>(error: E): E {
  if (typeof error === 'object' && error !== null) permanent.add(error);
  return error;
}

export function isPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && permanent.has(error);
}

/**
 * What a failure leaves in the jobs table: a stable code and a redacted,
 * shortened message, never a stack or a cause. Custodian's own messages carry
 * no values by design; any other error's message goes through the redactor.
 */
export function storedError(error: unknown, redact: (text: string) => string): { code: string; message: string } {
  const raw = (error as { code?: unknown } | null)?.code;
  const code = error instanceof CustodianError ? error.code : typeof raw === 'string' && CODE.test(raw) ? raw : 'ERR_INTERNAL';
  const text = error instanceof Error ? error.message : 'a value that is not an Error was thrown';
  const message = [...redact(text)].slice(0, MAX_MESSAGE).join('');
  return { code, message: message || 'no message' };
}
