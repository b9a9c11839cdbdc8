import { DatabaseError } from '../errors.js';

/**
 * Wraps a driver error. The server's message names the failing constraint or
 * relation but not the values; DETAIL (which can echo row values) is dropped.
 */
export function wrapQueryError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = error as { message?: string; code?: string } | undefined;
  const sqlstate = typeof e?.code === 'string' ? ` [${e.code}]` : '';
  return new DatabaseError('ERR_DB_QUERY_FAILED', `${e?.message ?? 'query failed'}${sqlstate}`, { cause: error });
}

/** The SQLSTATE of a wrapped or raw driver error, if any. */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
