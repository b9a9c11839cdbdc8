import type { Queryable } from '../db/types.js';
import { DOMAIN_TAG, sha256Hex } from './chain-encoding.js';
import { cursorPages } from './read-chain.js';

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
