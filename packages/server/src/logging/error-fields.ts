import { isCustodianError } from '@custodian/core/errors';

export interface ErrorFields {
  type: string;
  code?: string;
  message?: string;
  /** Stack frames only: the first lines of a stack repeat the message. */
  stack?: string;
}

/**
 * What an error may put into a log line. A Custodian error's message carries
 * no input values by design, so it is kept; any other error's message may
 * (a driver quoting a duplicate key, a parser quoting its input), so only its
 * type, code and stack frames are kept.
 */
export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { type: typeof error };
  const fields: ErrorFields = { type: error.name };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') fields.code = code;
  if (isCustodianError(error)) fields.message = error.message;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  if (frames.length > 0) fields.stack = frames.map((f) => f.trim()).join('\n');
  return fields;
}
