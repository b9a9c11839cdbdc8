import { DatabaseError } from '../errors.js';

/**
 * Wraps a driver error. DETAIL, which echoes row values, is dropped. Messages
 * of class 22 (data exceptions: `invalid input syntax for type uuid: "…"`)
 * quote the offending input, so their quoted parts are blanked; other classes
 * quote only names of relations, columns and constraints, which are kept.
 */
export function wrapQueryError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = error as { message?: string; code?: string } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  let message = e?.message ?? 'query failed';
  if (code?.startsWith('22')) message = message.replace(/"(?:[^"]|"")*"/g, '"…"');
  return new DatabaseError('ERR_DB_QUERY_FAILED', `${message}${code ? ` [${code}]` : ''}`, { cause: error });
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
