import { CustodianError } from '../errors.js';

/**
 * RFC 8785 (JSON Canonicalization Scheme): object keys sorted by UTF-16 code
 * units, no whitespace, numbers and strings as ECMAScript's JSON.stringify
 * writes them (which is what RFC 8785 specifies). One value, one text, so a
 * hash over it means the same thing to every verifier.
 *
 * Only plain JSON is accepted: no undefined, functions, symbols, BigInts,
 * non-finite numbers, class instances (a Date included) or cycles. The error
 * names the path, never the value.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null, 'x'] }); // '{"a":[true,null,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', 0);
}

const MAX_DEPTH = 64;

function write(value: unknown, path: string, depth: number): string {
  if (depth > MAX_DEPTH) fail(path, 'is nested too deeply (or is cyclic)');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) fail(path, 'is not a finite number');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`, depth + 1)).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) fail(path, 'is not a plain object');
      const keys = Object.keys(value).sort();
      const parts = keys.map((k) => `${JSON.stringify(k)}:${write((value as Record<string, unknown>)[k], `${path}.${k.slice(0, 40)}`, depth + 1)}`);
      return `{${parts.join(',')}}`;
    }
    default:
      return fail(path, `is a ${typeof value}, which JSON cannot hold`);
  }
}

function fail(path: string, what: string): never {
  throw new CustodianError('ERR_AUDIT_INVALID_EVENT', `audit metadata at ${path} ${what}`, {
    hint: 'metadata must be plain JSON: objects, arrays, strings, finite numbers, booleans and null',
  });
}
