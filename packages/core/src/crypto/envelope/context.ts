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
  at = tenant === lastTenant && table === lastTable && column === lastColumn && lastPrefix !== undefined
    ? copy(lastPrefix, out, at)
    : writePrefix(tenant, table, column, out, at);
  if (at < 0) return -1;
  if (typeof primaryKey === 'string') {
    u32(1, out, at);
    return framed(primaryKey, out, at + 4);
  }
  if (!Array.isArray(primaryKey) || primaryKey.length === 0) return -1;
  u32(primaryKey.length, out, at);
  at += 4;
  for (let i = 0; i < primaryKey.length && at >= 0; i++) {
    const part: unknown = primaryKey[i];
    at = typeof part === 'string' ? framed(part, out, at) : -1;
  }
  return at;
}

// Encoding tenant, table and column — validating and copying three strings —
// was a fifth of a 100-byte seal, and they repeat: a schema has few encrypted
// columns, and a request works within one tenant. So the encoded prefix of
// the last context (tenant flag, tenant, table, column) is kept and reused
// while the same three strings come back (compared with ===, a pointer test
// for the very same string objects), and the framed (table, column) pair is
// cached per pair for when the tenant changes. The primary key is encoded
// every time: it changes from row to row. Only validated strings are cached;
// none is secret (names and tenant ids); the pair cache is dropped whole past
// PLACE_LIMIT entries, so a caller inventing names cannot grow it without
// bound.
let lastTenant: unknown;
let lastTable: unknown;
let lastColumn: unknown;
let lastPrefix: Uint8Array | undefined;
let prefixMemory = new Uint8Array(256);

function writePrefix(tenant: unknown, table: unknown, column: unknown, out: Buffer, at: number): number {
  const start = at;
  if (tenant === undefined) out[at++] = 0;
  else {
    if (typeof tenant !== 'string' || tenant.length === 0) return -1;
    out[at++] = 1;
    at = framed(tenant, out, at);
    if (at < 0) return -1;
  }
  const place = placeBytes(table, column);
  if (place === undefined) return -1;
  at = copy(place, out, at);
  const length = at - start;
  if (length > prefixMemory.length) prefixMemory = new Uint8Array(length * 2);
  for (let i = 0; i < length; i++) prefixMemory[i] = out[start + i]!;
  lastPrefix = prefixMemory.subarray(0, length);
  lastTenant = tenant;
  lastTable = table;
  lastColumn = column;
  return at;
}

function copy(bytes: Uint8Array, out: Buffer, at: number): number {
  out.set(bytes, at);
  return at + bytes.length;
}

const PLACE_LIMIT = 1024;
let places = new Map<string, Map<string, Uint8Array>>();
let placeCount = 0;

function placeBytes(table: unknown, column: unknown): Uint8Array | undefined {
  if (typeof table !== 'string' || typeof column !== 'string') return undefined;
  let byColumn = places.get(table);
  const cached = byColumn?.get(column);
  if (cached !== undefined) return cached;
  if (table.length === 0 || column.length === 0) return undefined;
  const scratch = Buffer.allocUnsafe(8 + 3 * (table.length + column.length));
  const end = framed(table, scratch, 0);
  const after = end < 0 ? -1 : framed(column, scratch, end);
  if (after < 0) return undefined;
  const place = new Uint8Array(scratch.subarray(0, after));
  if (placeCount >= PLACE_LIMIT) {
    places = new Map();
    placeCount = 0;
    byColumn = undefined;
  }
  if (byColumn === undefined) places.set(table, (byColumn = new Map()));
  byColumn.set(column, place);
  placeCount++;
  return place;
}

/**
 * u32 length ‖ UTF-8 of `s` at `at`; the offset after it, or -1 for a string
 * with a lone UTF-16 surrogate. UTF-8 would turn a lone surrogate into U+FFFD
 * and make two different strings encode alike; refusing them keeps the
 * encoding injective. An all-ASCII string is well-formed by construction, so
 * only the others are checked: UTF-8 takes exactly one byte per UTF-16 unit
 * for ASCII and more for anything else, so `written === s.length` means ASCII.
 */
function framed(s: string, out: Buffer, at: number): number {
  // contextCapacity leaves this much room; only a context whose getters
  // answer differently the second time can get here without it, and then a
  // silently truncated write must not pass for a whole one.
  if (at + 4 + 3 * s.length > out.length) return -1;
  // Short strings (most identifiers) are copied by hand, which skips a native
  // call and its argument checks; from 32 characters (a UUID) on, the loop
  // costs as much as one native UTF-8 write, so that takes over.
  let length = s.length < 32 ? writeAscii(s, out, at + 4) : -1;
  if (length < 0) {
    length = out.write(s, at + 4, 'utf8');
    if (length !== s.length && !(s as string & { isWellFormed(): boolean }).isWellFormed()) return -1;
  }
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

// Returns -1 at the first non-ASCII character (its bytes so far are
// overwritten by the UTF-8 path).
function writeAscii(s: string, out: Uint8Array, at: number): number {
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
