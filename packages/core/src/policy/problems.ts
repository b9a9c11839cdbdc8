import type { z } from 'zod';
import type { PolicyProblem } from '../errors.js';

/** `tables.users.columns.email` from `['tables', 'users', 'columns', 'email']`; array indexes as `[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(policy)';
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** The keys a strict object at `path` accepts, found by walking the schema. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  const unwrap = (s: unknown): unknown => {
    let node = s as { def?: { type?: string; innerType?: unknown; in?: unknown; options?: unknown[] } } | undefined;
    for (let i = 0; i < 10 && node?.def; i++) {
      const t = node.def.type;
      if (t === 'optional' || t === 'default' || t === 'prefault' || t === 'nullable' || t === 'readonly') node = node.def.innerType as typeof node;
      else if (t === 'pipe') node = node.def.in as typeof node;
      else break;
    }
    return node;
  };
  for (const part of path) {
    const node = unwrap(current) as { def?: { type?: string; shape?: Record<string, unknown>; valueType?: unknown; element?: unknown } };
    if (node?.def?.type === 'object' && typeof part === 'string') current = node.def.shape?.[part];
    else if (node?.def?.type === 'record') current = node.def.valueType;
    else if (node?.def?.type === 'array') current = node.def.element;
    else return [];
  }
  const node = unwrap(current) as { def?: { type?: string; shape?: Record<string, unknown> } };
  return node?.def?.type === 'object' ? Object.keys(node.def.shape ?? {}) : [];
}

/** Turns Zod's issues into problems with a path and a hint, without echoing input values. */
export function problemsFromZod(error: z.ZodError, schema: z.ZodType): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const suggestion = closest(key, knownKeys(schema, issue.path));
          problems.push({
            path: formatPath([...issue.path, key]),
            message: 'unknown key',
            hint: suggestion ? `did you mean \`${suggestion}\`?` : 'remove it, or check the spelling against the policy reference (docs/policy.md)',
          });
        }
        break;
      case 'invalid_type':
        problems.push({
          path,
          message: issue.input === undefined ? 'is required' : `must be ${issue.expected}`,
          hint: issue.input === undefined ? 'add it; see docs/policy.md' : `give a value of type ${issue.expected}`,
        });
        break;
      case 'invalid_value':
        problems.push({
          path,
          message: 'is not one of the allowed values',
          hint: `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        });
        break;
      case 'invalid_union': {
        const options = (issue as { options?: unknown[] }).options;
        if (Array.isArray(options) && options.length > 0) {
          problems.push({ path, message: 'is not one of the allowed values', hint: `use one of: ${options.map((v) => JSON.stringify(v)).join(', ')}` });
          break;
        }
        // Report the branch that came closest rather than "invalid input".
        const branches = issue.errors.filter((b) => b.length > 0).sort((a, b) => a.length - b.length);
        const best = branches[0];
        if (best) {
          problems.push(...problemsFromZod({ issues: best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })) } as z.ZodError, schema));
        } else {
          problems.push({ path, message: 'does not match any accepted form', hint: 'see docs/policy.md for the forms this field takes' });
        }
        break;
      }
      case 'invalid_key': {
        const inner = (issue as { issues?: { message: string }[] }).issues?.[0]?.message ?? 'is not an accepted key';
        problems.push({ path, message: `key ${inner}`, hint: 'rename the key; see docs/policy.md' });
        break;
      }
      default:
        problems.push({ path, message: issue.message, hint: 'see docs/policy.md' });
    }
  }
  return dedupe(problems);
}

function dedupe(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
