import { isIP } from 'node:net';
import type { ColumnInfo, ColumnKind } from './schema-types.js';

const BY_NAME: Record<string, ColumnKind> = {
  text: 'text', varchar: 'text', bpchar: 'text', char: 'text', name: 'text', citext: 'text',
  int2: 'integer', int4: 'integer', int8: 'integer',
  numeric: 'numeric', float4: 'numeric', float8: 'numeric', money: 'numeric',
  bool: 'boolean',
  uuid: 'uuid',
  timestamptz: 'timestamptz', timestamp: 'timestamp', date: 'date', time: 'time', timetz: 'time', interval: 'interval',
  json: 'json', jsonb: 'json',
  bytea: 'bytea',
  inet: 'inet', cidr: 'inet',
};

/**
 * The kind of a type from its catalog entry. `typtype` `e` is an enum; a
 * `typcategory` of `A` is an array. Everything else goes by name, so a type
 * we do not know is `other` and no rule guesses about it.
 */
export function classifyType(udt: string, typtype: string, category: string): ColumnKind {
  if (typtype === 'e') return 'enum';
  if (category === 'A') return 'array';
  return BY_NAME[udt] ?? 'other';
}

/** Kinds that hold text a pseudonym or a mask can be written into. */
export const TEXT_KINDS: ReadonlySet<ColumnKind> = new Set(['text']);
/** Kinds an age can be measured from. */
export const TIME_KINDS: ReadonlySet<ColumnKind> = new Set(['timestamptz', 'timestamp', 'date']);
/** Kinds that can store a ciphertext envelope (bytes, or their text encoding). */
export const CIPHERTEXT_KINDS: ReadonlySet<ColumnKind> = new Set(['bytea', 'text']);

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const BOOLEAN = /^(t|f|true|false|y|n|yes|no|on|off|1|0)$/i;
const INT_RANGE: Record<string, [number, number]> = { int2: [-32768, 32767], int4: [-2147483648, 2147483647] };

/**
 * Why a literal cannot be stored in a column, or null when it can (or when
 * the type is one we cannot judge). The reason names the type and the kind of
 * value, never the value itself.
 */
export function literalMisfit(value: string | number | boolean, column: ColumnInfo): string | null {
  const kind = column.kind;
  const what = typeof value === 'string' ? 'a string' : typeof value === 'number' ? 'a number' : 'a boolean';
  const no = `${what} does not fit type ${column.type}`;
  switch (kind) {
    case 'text': {
      const length = String(value).length;
      if (column.maxLength !== null && length > column.maxLength) return `a value of ${length} characters does not fit type ${column.type}`;
      return null;
    }
    case 'integer': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
      if (text === null || !INTEGER.test(text)) return no;
      const range = INT_RANGE[column.udt];
      if (range && (Number(text) < range[0] || Number(text) > range[1])) return `the number is out of range for type ${column.type}`;
      return null;
    }
    case 'numeric':
      return typeof value === 'number' || (typeof value === 'string' && NUMBER.test(value.trim())) ? null : no;
    case 'boolean':
      return typeof value === 'boolean' || (typeof value === 'string' && BOOLEAN.test(value.trim())) ? null : no;
    case 'uuid':
      return typeof value === 'string' && UUID.test(value.trim()) ? null : no;
    case 'timestamptz':
    case 'timestamp':
    case 'date':
      return typeof value === 'string' && (/^[+-]?infinity$/i.test(value.trim()) || !Number.isNaN(Date.parse(value))) ? null : no;
    case 'json':
      if (typeof value !== 'string') return null;
      try {
        JSON.parse(value);
        return null;
      } catch {
        return `a string that is not JSON does not fit type ${column.type}`;
      }
    case 'inet':
      return typeof value === 'string' && isIP(value.split('/')[0]!.trim()) !== 0 ? null : no;
    case 'enum':
      return typeof value === 'string' && column.enumValues?.includes(value) ? null : `the value is not a label of enum ${column.type}`;
    case 'bytea':
      return typeof value === 'string' ? null : no;
    case 'array':
      return typeof value === 'string' && value.trim().startsWith('{') ? null : no;
    default:
      return null;
  }
}

/** Characters a pseudonym template produces per row: each `{uuid}` becomes 36. */
export function templateLength(template: string): number {
  return template.replace(/\{uuid\}/g, 'x'.repeat(36)).length;
}
