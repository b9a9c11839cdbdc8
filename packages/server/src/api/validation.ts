import type { ZodType } from 'zod';
import { CustodianError } from '@custodian/core/errors';

type Part = 'params' | 'query' | 'body';

const SAFE_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** A path into the input, with anything the client invented (record keys, odd names) shown as `*`. */
function where(part: Part, path: readonly PropertyKey[]): string {
  const segments = path.map((p) => (typeof p === 'number' ? `[${p}]` : typeof p === 'string' && SAFE_SEGMENT.test(p) ? `.${p}` : '.*'));
  return `${part}${segments.join('')}`;
}

/** Our own wording per issue kind: Zod's messages can quote the input (an unknown key's name), ours never do. */
function what(issue: { code: string; expected?: unknown; values?: unknown[]; origin?: unknown; format?: unknown; minimum?: unknown; maximum?: unknown }): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'undefined' || issue.expected === 'never' ? 'is not allowed' : `must be ${issue.expected === 'object' ? 'an object' : `a ${String(issue.expected)}`}`;
    case 'invalid_value':
      return Array.isArray(issue.values) && issue.values.every((v) => typeof v === 'string' && SAFE_SEGMENT.test(v.replace(/[-.]/g, '_')))
        ? `must be one of ${issue.values.join(', ')}`
        : 'has a value that is not allowed';
    case 'unrecognized_keys':
      return 'has a field that is not allowed';
    case 'too_small':
      return issue.origin === 'string' ? `must be at least ${String(issue.minimum)} characters` : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : `must be at most ${String(issue.maximum)}`;
    case 'invalid_format':
      return `must be a valid ${String(issue.format)}`;
    default:
      return 'is invalid';
  }
}

/** Parses one part of a request, or throws ERR_HTTP_BAD_REQUEST naming where and what — never the value. */
export function parsePart<T>(schema: ZodType<T> | undefined, value: unknown, part: Part): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new CustodianError('ERR_HTTP_BAD_REQUEST', `${where(part, issue.path)} ${what(issue as never)}`);
}
