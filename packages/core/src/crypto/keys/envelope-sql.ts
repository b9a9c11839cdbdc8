import { quoteIdent } from '../../db/identifier.js';
import { ENVELOPE_MAGIC } from '../envelope/format.js';

/**
 * SQL over stored envelopes' headers (docs/envelope.md): byte 0 is the magic
 * 0xC5, byte 3 the key id's length L, bytes 4 … 4+L−1 the key id. Nothing here
 * decrypts. Written with substring(), which never fails on short or foreign
 * values — unlike get_byte(), which raises on a value shorter than its offset
 * and could abort a whole scan over one odd row.
 */

/** True for a value that starts like an envelope. */
export function isEnvelopeSql(column: string): string {
  return `substring(${quoteIdent(column)} FROM 1 FOR 1) = '\\x${ENVELOPE_MAGIC.toString(16)}'::bytea`;
}

/** The key id bytes of an envelope, as hex text ('' for a value too short to hold one). */
export function keyIdHexSql(column: string): string {
  const c = quoteIdent(column);
  // Byte 3 read from a one-byte substring padded with 0x00: 0 (no key id) for a value shorter than 4 bytes.
  return `encode(substring(${c} FROM 5 FOR get_byte(substring(${c} FROM 4 FOR 1) || '\\x00'::bytea, 0)), 'hex')`;
}

/**
 * True for an envelope under the key whose id is the bytea parameter `$n`
 * given as `keyIdPrefix(id)`: the length byte and the id together, so an id
 * that is a prefix of another never matches it.
 */
export function underKeySql(column: string, param: number): string {
  const c = quoteIdent(column);
  return `${isEnvelopeSql(column)} AND substring(${c} FROM 4 FOR length($${param}::bytea)) = $${param}::bytea`;
}

/** The parameter for underKeySql: the key id's length byte followed by its UTF-8 bytes. */
export function keyIdPrefix(keyId: string): Uint8Array {
  const id = Buffer.from(keyId, 'utf8');
  return Buffer.concat([Buffer.from([id.length]), id]);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes keyIdHexSql's output; undefined for bytes that are not a key id. */
export function keyIdFromHex(hex: string): string | undefined {
  if (hex.length === 0) return undefined;
  try {
    return utf8.decode(Buffer.from(hex, 'hex'));
  } catch {
    return undefined;
  }
}
