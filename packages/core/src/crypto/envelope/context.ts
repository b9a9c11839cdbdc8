/**
 * Where a value lives. It is part of the associated data, so a value copied
 * to another tenant, table, column or row does not open there.
 */
export interface ValueContext {
  /** Absent for single-tenant tables; must not be ''. */
  tenant?: string;
  table: string;
  column: string;
  /** A composite key in key-column order. 'x' and ['x'] are the same key. */
  primaryKey: string | readonly string[];
}

// A lone surrogate would be encoded as U+FFFD, making two different strings
// encode alike; refusing them keeps the encoding injective.
function wellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

function text(value: unknown, allowEmpty: boolean): value is string {
  return typeof value === 'string' && (allowEmpty || value.length > 0) && wellFormed(value);
}

/**
 * Writes the canonical bytes of a context at `at` in `out` and returns the
 * offset after them, or -1 if the context is not usable. `out` must have room
 * for contextCapacity(context) bytes.
 *
 *   tenant flag (1 byte: 0x00 absent, 0x01 present) [u32 length ‖ UTF-8 tenant]
 *   u32 length ‖ UTF-8 table, u32 length ‖ UTF-8 column,
 *   u32 count of key parts, then u32 length ‖ UTF-8 of each part.
 *
 * Lengths are big-endian byte counts; every string is framed, so 'ab'+'c'
 * and 'a'+'bc' differ.
 */
export function writeContext(context: ValueContext, out: Buffer, at: number): number {
  if (context === null || typeof context !== 'object') return -1;
  const { tenant, table, column, primaryKey } = context;
  if (tenant !== undefined && !text(tenant, false)) return -1;
  if (!text(table, false) || !text(column, false)) return -1;
  out[at++] = tenant === undefined ? 0 : 1;
  if (tenant !== undefined) at = framed(tenant, out, at);
  at = framed(table, out, at);
  at = framed(column, out, at);
  if (typeof primaryKey === 'string') {
    u32(1, out, at);
    return text(primaryKey, true) ? framed(primaryKey, out, at + 4) : -1;
  }
  if (!Array.isArray(primaryKey) || primaryKey.length === 0) return -1;
  u32(primaryKey.length, out, at);
  at += 4;
  for (let i = 0; i < primaryKey.length; i++) {
    const part: unknown = primaryKey[i];
    if (!text(part, true)) return -1;
    at = framed(part, out, at);
  }
  return at;
}

function framed(s: string, out: Buffer, at: number): number {
  const n = s.length < 64 ? writeAscii(s, out, at + 4) : -1;
  const length = n >= 0 ? n : out.write(s, at + 4, 'utf8');
  u32(length, out, at);
  return at + 4 + length;
}

/** Big-endian u32, by hand: Buffer#writeUInt32BE's checks cost more than the write. */
function u32(n: number, out: Uint8Array, at: number): void {
  out[at] = n >>> 24;
  out[at + 1] = (n >>> 16) & 0xff;
  out[at + 2] = (n >>> 8) & 0xff;
  out[at + 3] = n & 0xff;
}

// Most context strings are short ASCII identifiers; copying them by hand
// skips Buffer.write's argument checks, a measurable share of a 100-byte
// seal. Returns -1 at the first non-ASCII character (its bytes so far are
// overwritten by the UTF-8 path).
function writeAscii(s: string, out: Buffer, at: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    out[at + i] = c;
  }
  return s.length;
}

/** An upper bound on writeContext's output: UTF-8 needs at most 3 bytes per UTF-16 unit. */
export function contextCapacity(context: ValueContext): number {
  if (context === null || typeof context !== 'object') return 0;
  const { tenant, table, column, primaryKey } = context;
  let size = 1 + 4 + room(tenant) + room(table) + room(column);
  if (typeof primaryKey === 'string') size += room(primaryKey);
  else if (Array.isArray(primaryKey)) for (let i = 0; i < primaryKey.length; i++) size += room(primaryKey[i]);
  return size;
}

function room(s: unknown): number {
  return 4 + (typeof s === 'string' ? s.length * 3 : 0);
}
