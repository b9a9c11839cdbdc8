import type { Queryable } from '../db/types.js';
import { DOMAIN_TAG } from './chain-encoding.js';

/** One stored event as the verifier hashes it: the bytes the hash covers, built by the query, and the two hashes as hex. */
export interface EncodedLink {
  seq: number;
  /** The chain encoding (docs/audit.md), prev_hash included. */
  encoded: Uint8Array;
  prevHash: string;
  hash: string;
}

// frame(x): a 4-byte big-endian byte length and the UTF-8 bytes, or ff ff ff ff for NULL.
const frame = (x: string) => `CASE WHEN ${x} IS NULL THEN '\\xffffffff'::bytea ELSE int4send(octet_length(convert_to(${x}, 'UTF8'))) || convert_to(${x}, 'UTF8') END`;
const TAG_FRAME = `'\\x${Buffer.byteLength(DOMAIN_TAG).toString(16).padStart(8, '0')}${Buffer.from(DOMAIN_TAG).toString('hex')}'::bytea`;

/**
 * The encoding written out in the query itself, with PostgreSQL's built-in
 * functions only — nothing stored in the database being checked is called —
 * so each row arrives as one bytea instead of fifteen columns to parse, and
 * the verifier only hashes it. The layout is the one chain-encoding.ts
 * writes; a test compares the two byte for byte.
 */
const ENCODED = `${TAG_FRAME} || prev_hash || ${frame('tenant_id')} || int8send(seq)
  || int8send((extract(epoch FROM occurred_at) * 1000000)::int8)
  || ${['actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'subject_id', 'session_id', 'purpose', 'ip::text', 'user_agent', 'metadata::text'].map(frame).join(' || ')}`;

const CURSOR = 'custodian_audit_encoded';

/**
 * A tenant's events in sequence order, encoded, in pages from one cursor (as
 * readChain, which returns the fields instead). Call it inside a transaction.
 */
export async function* readEncodedChain(tx: Queryable, tenant: string, pageSize = 5000): AsyncGenerator<EncodedLink[]> {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  await tx.query(
    `DECLARE ${CURSOR} NO SCROLL CURSOR FOR
       SELECT seq, ${ENCODED} AS encoded, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
         FROM custodian.audit_events WHERE tenant_id = $1 ORDER BY seq`,
    [tenant],
  );
  const fetch = () => tx.query<{ seq: number | string; encoded: Uint8Array; prev_hash: string; hash: string }>(`FETCH ${pageSize} FROM ${CURSOR}`);
  let pending = fetch();
  try {
    for (;;) {
      const { rows } = await pending;
      if (rows.length === 0) return;
      const full = rows.length === pageSize;
      if (full) {
        pending = fetch();
        pending.catch(() => {});
      }
      yield rows.map((r) => ({ seq: Number(r.seq), encoded: r.encoded, prevHash: r.prev_hash, hash: r.hash }));
      if (!full) return;
    }
  } finally {
    await pending.catch(() => undefined);
    await tx.query(`CLOSE ${CURSOR}`).catch(() => undefined);
  }
}
