import type { Queryable } from '../db/types.js';
import { DOMAIN_TAG, sha256Hex, sha256Latin1 } from './chain-encoding.js';
import { cursorPages } from './read-chain.js';
import { hashKey, type ChainLink } from './verify-walk.js';

/** One stored event as the verifier checks it: its recomputed hash, its stored previous hash and hash, all hex. */
export interface EncodedLink {
  seq: number;
  /** SHA-256 of the chain encoding (docs/audit.md) built from the stored columns. */
  recomputed: string;
  prevHash: string;
  hash: string;
}

/**
 * Where the recomputed hash is computed: `client` (the encoding travels and
 * node hashes it) or `database` (PostgreSQL's built-in sha256 over the
 * encoding the query builds; only 32 bytes per event travel).
 */
export type HashIn = 'database' | 'client';

// frame(x): a 4-byte big-endian byte length and the UTF-8 bytes, or ff ff ff ff for NULL.
const frame = (x: string) => `CASE WHEN ${x} IS NULL THEN '\\xffffffff'::bytea ELSE int4send(octet_length(convert_to(${x}, 'UTF8'))) || convert_to(${x}, 'UTF8') END`;
const TAG_FRAME = `'\\x${Buffer.byteLength(DOMAIN_TAG).toString(16).padStart(8, '0')}${Buffer.from(DOMAIN_TAG).toString('hex')}'::bytea`;

/**
 * The encoding written out in the query itself, with PostgreSQL's built-in
 * functions only — nothing stored in the database being checked is called —
 * so each row arrives as one value instead of fifteen columns to parse. The
 * layout is the one chain-encoding.ts writes; a test compares the two byte
 * for byte, and another the two ways of hashing it.
 */
const ENCODED = `${TAG_FRAME} || prev_hash || ${frame('tenant_id')} || int8send(seq)
  || int8send((extract(epoch FROM occurred_at) * 1000000)::int8)
  || ${['actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'subject_id', 'session_id', 'purpose', 'ip::text', 'user_agent', 'metadata::text'].map(frame).join(' || ')}`;

// The same bytes, cheaper to build where the database's own encoding is UTF-8: a text's
// octet_length is then its UTF-8 length, so each field is converted once, not twice, and
// one coalesce replaces the CASE (the framed value is NULL exactly when the field is).
const frameInUtf8 = (x: string) => `coalesce(int4send(octet_length(${x})) || convert_to(${x}, 'UTF8'), '\\xffffffff'::bytea)`;
const ENCODED_IN_UTF8 = `${TAG_FRAME} || prev_hash || ${frameInUtf8('tenant_id')} || int8send(seq)
  || int8send((extract(epoch FROM occurred_at) * 1000000)::int8)
  || ${['actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'subject_id', 'session_id', 'purpose', 'ip::text', 'user_agent', 'metadata::text'].map(frameInUtf8).join(' || ')}`;

/** The encoding's SQL for a database whose server encoding is UTF-8 (`true`) or any other. */
export const encodedEventSql = (utf8Database: boolean): string => (utf8Database ? ENCODED_IN_UTF8 : ENCODED);

/** Whether the database stores text as UTF-8, so the cheaper form of the encoding's SQL applies. */
export async function isUtf8Database(tx: Queryable): Promise<boolean> {
  const { rows } = await tx.query<{ utf8: boolean }>(`SELECT pg_catalog.current_setting('server_encoding') = 'UTF8' AS utf8`);
  return rows[0]?.utf8 === true;
}

const CURSOR = 'custodian_audit_encoded';

/**
 * A tenant's events in sequence order, encoded, in pages from one cursor (as
 * readChain, which returns the fields instead). Call it inside a transaction.
 */
export { ENCODED as ENCODED_EVENT_SQL };

export async function* readEncodedChain(tx: Queryable, tenant: string, pageSize = 5000, hashIn: HashIn = 'client'): AsyncGenerator<EncodedLink[]> {
  const recomputed = hashIn === 'database' ? `encode(pg_catalog.sha256(${ENCODED}), 'hex') AS recomputed` : `${ENCODED} AS encoded`;
  const declare = `DECLARE ${CURSOR} NO SCROLL CURSOR FOR
       SELECT seq, ${recomputed}, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
         FROM custodian.audit_events WHERE tenant_id = $1 ORDER BY seq`;
  type Row = { seq: number | string; recomputed?: string; encoded?: Uint8Array; prev_hash: string; hash: string };
  for await (const rows of cursorPages<Row>(tx, CURSOR, declare, [tenant], pageSize)) {
    yield rows.map((r) => ({ seq: Number(r.seq), recomputed: r.recomputed ?? sha256Hex(r.encoded!), prevHash: r.prev_hash, hash: r.hash }));
  }
}

/** Sequence numbers after `after` up to and including `upTo`; null is open on that side. */
export interface SeqRange {
  after: number | null;
  upTo: number | null;
}

// int8's extremes stand for an open side, so one statement serves every range.
const rangeParams = (tenant: string, range: SeqRange) => [
  tenant,
  range.after === null ? '-9223372036854775808' : String(range.after),
  range.upTo === null ? '9223372036854775807' : String(range.upTo),
];
const IN_RANGE = `tenant_id = $1 AND seq > $2::int8 AND seq <= $3::int8`;

// Client mode, one value per event: int8 seq ‖ int4 prev_hash length ‖ int4
// hash length ‖ hash ‖ encoding. One field to parse instead of four, the hashes
// as bytes rather than hex text, and prev_hash read from inside the encoding
// (where the lengths say it is, whatever they are).
const packed = (encoded: string) => `int8send(seq) || int4send(octet_length(prev_hash)) || int4send(octet_length(hash)) || hash || ${encoded}`;
const TAG_LENGTH = 4 + Buffer.byteLength(DOMAIN_TAG);

/**
 * The events of one range of a tenant's chain, in sequence order, as the
 * chain walk checks them, in pages from one cursor. `client`: every event's
 * encoding is sent and hashed here. `database`: PostgreSQL hashes the
 * encoding and compares each row with the one before it; only rows it finds
 * out of the ordinary are sent — damaged, not following their predecessor,
 * at an anchor size in `keep`, and the range's first and last — each with the
 * sequence number and hash of the row before it, so the walk can account for
 * the rows between. Call it inside a transaction.
 */
export async function* readRange(
  tx: Queryable,
  tenant: string,
  range: SeqRange,
  options: { pageSize: number; hashIn: HashIn; utf8Database: boolean; keep: readonly number[]; cursor?: string },
): AsyncGenerator<ChainLink[]> {
  const { pageSize, hashIn, keep, cursor = 'custodian_audit_range' } = options;
  const encoded = encodedEventSql(options.utf8Database);
  const params = rangeParams(tenant, range);
  if (hashIn === 'client') {
    const declare = `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${packed(encoded)} AS b FROM custodian.audit_events WHERE ${IN_RANGE} ORDER BY seq`;
    for await (const rows of cursorPages<{ b: Uint8Array }>(tx, cursor, declare, params, pageSize)) {
      const links: ChainLink[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) links[i] = unpack(asBuffer(rows[i]!.b));
      yield links;
    }
    return;
  }
  const declare = `DECLARE ${cursor} NO SCROLL CURSOR FOR
    SELECT seq, ok, prev_hash, hash, before_seq, before_hash FROM (
      SELECT seq, pg_catalog.sha256(${encoded}) = hash AS ok, prev_hash, hash,
             lag(seq) OVER w AS before_seq, lag(hash) OVER w AS before_hash, lead(seq) OVER w AS next_seq
        FROM custodian.audit_events WHERE ${IN_RANGE} WINDOW w AS (ORDER BY seq)) s
     WHERE before_seq IS NULL OR next_seq IS NULL OR ok IS NOT TRUE OR seq <> before_seq + 1
        OR prev_hash IS DISTINCT FROM before_hash OR seq = ANY ($4::int8[])
     ORDER BY seq`;
  type Row = { seq: number | bigint; ok: boolean | null; prev_hash: Uint8Array; hash: Uint8Array; before_seq: number | bigint | null; before_hash: Uint8Array | null };
  for await (const rows of cursorPages<Row>(tx, cursor, declare, [...params, keep.map(String)], pageSize)) {
    yield rows.map((r) => ({
      seq: Number(r.seq),
      contentOk: r.ok === true,
      prevHash: hashKey(r.prev_hash),
      hash: hashKey(r.hash),
      ...(r.before_seq === null ? {} : { after: { seq: Number(r.before_seq), hash: hashKey(r.before_hash ?? new Uint8Array(0)) } }),
    }));
  }
}

/** A Buffer over the same bytes: node-postgres returns bytea as a Buffer, PGlite as a Uint8Array. */
const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

function unpack(b: Buffer): ChainLink {
  const seq = b.readInt32BE(0) * 0x1_0000_0000 + b.readUInt32BE(4);
  const prevLength = b.readUInt32BE(8);
  const hashEnd = 16 + b.readUInt32BE(12);
  const hash = b.toString('latin1', 16, hashEnd);
  return {
    seq,
    // As latin1 strings: one-shot hashing to a string is about twice as fast in node 20 as to a Buffer.
    contentOk: sha256Latin1(b.subarray(hashEnd)) === hash,
    prevHash: b.toString('latin1', hashEnd + TAG_LENGTH, hashEnd + TAG_LENGTH + prevLength),
    hash,
  };
}
