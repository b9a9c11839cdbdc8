import { createHmac, randomBytes } from 'node:crypto';
import { CustodianError } from '../errors.js';
import { assignment, GENERIC_DETECTORS } from './detectors/generic.js';
import { PERSONAL_DETECTORS } from './detectors/personal.js';
import type { Detector, Finding } from './detectors/types.js';
import { VENDOR_DETECTORS } from './detectors/vendor.js';
import { denyKeyMatcher } from './deny-keys.js';
import { compile, findAll } from './find.js';

export interface RedactorOptions {
  /**
   * Key for the correlation tag in each marker (HMAC-SHA256). Keep it secret
   * and stable across processes to correlate one secret across lines and
   * instances; a random key per process when omitted. Never an unkeyed
   * hash: the hash of an SSN or a phone number is reversed by trying them all.
   */
  tagKey?: Uint8Array;
  /** Object keys whose values are always replaced, beside the built-in list. */
  denyKeys?: readonly string[];
  /** Extra patterns applied to every string: `name` becomes the marker's kind. */
  patterns?: ReadonlyArray<{ name: string; pattern: string }>;
  /** Keep a non-secret prefix (`sk_live_`, `AKIA`, `ghp_`) in front of the marker. */
  keepPrefixes?: boolean;
  /** Leave personal data (emails, cards, SSNs, phone numbers) alone; secrets are always redacted. */
  personalData?: boolean;
  /** Depth beyond which `value()` stops walking and writes `[Truncated]`. Default 32. */
  maxDepth?: number;
}

export interface Redactor {
  /** The spans a string would have redacted, for tests and reports. */
  findings(text: string): Finding[];
  /**
   * The string with every finding replaced by `[REDACTED:<kind>:<tag>]`. Idempotent;
   * the text itself when nothing is found. `from`: the caller knows the first
   * characters hold no secret and start none (a head it wrote itself, such as
   * the logger's level and time): they are not scanned.
   */
  string(text: string, from?: number): string;
  /** A redacted deep copy: denied keys replaced whole, every string scanned. The input is not changed. */
  value<T>(input: T): T;
}

/** Every built-in detector, in the order they run. */
export const DETECTORS: readonly Detector[] = [...VENDOR_DETECTORS, ...GENERIC_DETECTORS, ...PERSONAL_DETECTORS];

const PERSONAL_KINDS = new Set(PERSONAL_DETECTORS.map((d) => d.kind));
const CUSTOM_NAME = /^[a-z][a-z0-9-]{0,39}$/;
// Nested repetition such as (a+)+ or (\w*)* can take exponential time on a crafted line.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/;

/**
 * Builds a redactor. One per process is enough: it holds compiled patterns
 * and no per-call state.
 *
 * @example
 * const redactor = createRedactor({ tagKey, denyKeys: policy.logging.redact.denyKeys });
 * redactor.string('Authorization: Bearer sk-ant-api03-…');   // 'Authorization: Bearer [REDACTED:anthropic-key:3f9a1c2e]'
 * redactor.value({ user: 'ada@example.com', password: 'hunter2' });
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const tagKey = options.tagKey ?? randomBytes(32);
  const detectors = compile([
    ...DETECTORS.filter((d) => options.personalData !== false || !PERSONAL_KINDS.has(d.kind)),
    ...(options.patterns ?? []).map(customDetector),
    ...(options.denyKeys?.length ? [deniedKeyDetector(options.denyKeys)] : []),
  ]);
  const denied = denyKeyMatcher(options.denyKeys);
  const maxDepth = options.maxDepth ?? 32;

  const tag = (kind: string, secret: string) => createHmac('sha256', tagKey).update(kind).update('\u0000').update(secret).digest('hex').slice(0, 8);
  const marker = (kind: string, secret: string) => `[REDACTED:${kind}:${tag(kind, secret)}]`;

  // findAll shares one frozen empty answer between calls; a caller of findings() gets its own array.
  const findings = (text: string) => {
    const found = findAll(text, detectors);
    return found.length === 0 ? [] : found;
  };
  const string = (text: string, from = 0): string => {
    const found = findAll(text, detectors, from);
    if (found.length === 0) return text;
    let out = '';
    let at = 0;
    for (const f of found) {
      const keep = options.keepPrefixes && f.keep ? f.keep : 0;
      out += text.slice(at, f.start + keep) + marker(f.kind, text.slice(f.start, f.end));
      at = f.end;
    }
    return out + text.slice(at);
  };

  const walk = (v: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof v === 'string') return string(v);
    if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
    if (depth >= maxDepth) return '[Truncated]';
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    try {
      if (v instanceof Date) return v;
      if (ArrayBuffer.isView(v)) return `[binary ${v.byteLength} bytes]`;
      if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1, seen));
      const out: Record<string, unknown> = {};
      if (v instanceof Error) {
        out.name = v.name;
        out.message = string(v.message);
        if (v.stack) out.stack = string(v.stack);
      }
      const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(v);
      for (const [k, x] of entries) {
        out[k] = denied(k) && x !== null && x !== undefined && x !== '' ? marker('denied-key', stableText(x)) : walk(x, depth + 1, seen);
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };

  return {
    findings,
    string,
    value: <T>(input: T) => walk(input, 0, new WeakSet()) as T,
  };
}

function customDetector(custom: { name: string; pattern: string }): Detector {
  if (!CUSTOM_NAME.test(custom.name)) {
    throw new CustodianError('ERR_CONFIG_INVALID', 'a redaction pattern name must be lower-case letters, digits and dashes', { hint: 'e.g. internal-ticket-token' });
  }
  if (NESTED_QUANTIFIER.test(custom.pattern)) {
    throw new CustodianError('ERR_CONFIG_INVALID', `the redaction pattern "${custom.name}" repeats a repeated group, which can take exponential time`, {
      hint: 'rewrite it without nested quantifiers such as (a+)+, and give every repeat an upper bound',
    });
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(custom.pattern, 'g');
  } catch {
    throw new CustodianError('ERR_CONFIG_INVALID', `the redaction pattern "${custom.name}" is not a valid regular expression`, { hint: 'check it with new RegExp(…) in Node' });
  }
  return { kind: custom.name, pattern, priority: 95 };
}

/**
 * The policy's extra deny-listed keys, also inside strings (a JSON line, a
 * config dump): `"internal_ref": "…"`, `internal_ref=…`. The built-in names
 * are covered by the password and secret detectors.
 */
function deniedKeyDetector(keys: readonly string[]): Detector {
  const names = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|');
  return {
    kind: 'denied-key',
    words: keys,
    lead: 0,
    pattern: assignment(names),
    priority: 45,
  };
}

function stableText(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
