import { CustodianError, type ErrorCode } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Ids reach SQL as uuid parameters; anything else is refused first, so it is a 4xx and not a database error. */
export function uuidOrFail(value: unknown, what: string, code: ErrorCode = 'ERR_HTTP_BAD_REQUEST'): string {
  if (!isUuid(value)) throw new CustodianError(code, `${what} must be a UUID`);
  return value.toLowerCase();
}
