import type { ZodType } from 'zod';
import { CustodianError } from '@custodian/core/errors';

type Part = 'params' | 'query' | 'body';

const SAFE_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** The field names an object schema declares; other keys in a path are the client's own. */
function declaredKeys(schema: ZodType): ReadonlySet<string> {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return new Set(shape && typeof shape === 'object' ? Object.keys(shape) : []);
}

/** A path into the input: the schema's own field names and indexes; anything the client invented (record keys) as `*`. */
function where(part: Part, path: readonly PropertyKey[], declared: ReadonlySet<string>): string {
  const segments = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 && typeof p === 'string' && declared.has(p) && SAFE_SEGMENT.test(p) ? `.${p}` : '.*'));
  return `${part}${segments.join('')}`;
}

/** Deeper input than any route takes; Zod's recursive parse must never see more (it would exhaust the stack). */
const MAX_DEPTH = 32;

/**
 * What makes input unfit before any schema looks at it: nesting deeper than
 * MAX_DEPTH, or U+0000 in any string or key, which no PostgreSQL text can
 * store. Iterative, so a deeply nested body cannot exhaust the stack here either.
 */
function unfit(input: unknown): 'too deeply nested' | 'contains a NUL character' | null {
  const stack: Array<[unknown, number]> = [[input, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return 'contains a NUL character';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_DEPTH) return 'too deeply nested';
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\0')) return 'contains a NUL character';
        stack.push([item, depth + 1]);
      }
    }
  }
  return null;
}

/** Our own wording per issue kind: Zod's messages can quote the input (an unknown key's name), ours never do. */
function what(issue: { code: string; message?: string; expected?: unknown; values?: unknown[]; origin?: unknown; format?: unknown; minimum?: unknown; maximum?: unknown }): string {
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
      // A pattern's own message is the schema author's (`must be a duration such as 30min`), never the input; Zod's default quotes the pattern.
      if (issue.format === 'regex') return issue.message && !issue.message.startsWith('Invalid') ? issue.message : 'is not in the expected form';
      return `must be a valid ${String(issue.format)}`;
    default:
      return 'is invalid';
  }
}

/** Parses one part of a request, or throws ERR_HTTP_BAD_REQUEST naming where and what — never the value. */
export function parsePart<T>(schema: ZodType<T> | undefined, value: unknown, part: Part): T {
  if (!schema) return undefined as T;
  const problem = unfit(value);
  if (problem) throw new CustodianError('ERR_HTTP_BAD_REQUEST', `${part} is ${problem === 'too deeply nested' ? problem : `unfit: it ${problem}`}`);
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new CustodianError('ERR_HTTP_BAD_REQUEST', `${where(part, issue.path, declaredKeys(schema))} ${what(issue as never)}`);
}
