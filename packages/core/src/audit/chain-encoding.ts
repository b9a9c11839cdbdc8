import * as nodeCrypto from 'node:crypto';

/**
 * The bytes each event's hash covers, written here independently of the SQL
 * function that computes it at append time (`custodian.audit_event_hash`), so
 * verification does not trust code stored in the database it checks.
 * docs/audit.md ("Chain encoding") describes the layout byte by byte:
 *
 *   frame("custodian-audit-v1") ‖ prev_hash (32) ‖ frame(tenant) ‖ int64(seq)
 *   ‖ int64(occurred_at, µs since the Unix epoch) ‖ frame(actor_type) ‖ frame(actor_id)
 *   ‖ frame(action) ‖ frame(target_type) ‖ frame(target_id) ‖ frame(subject_id)
 *   ‖ frame(session_id) ‖ frame(purpose) ‖ frame(ip as text, with prefix length)
 *   ‖ frame(user_agent) ‖ frame(metadata JSON text as stored)
 *
 * frame(s) = uint32 big-endian byte length ‖ UTF-8 bytes; NULL = ff ff ff ff.
 */
export interface ChainFields {
  tenant: string;
  seq: number | bigint;
  /** Microseconds since 1970-01-01T00:00:00Z (a number must be a safe integer). */
  occurredAtMicros: bigint | number;
  actorType: string;
  actorId: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  subjectId: string | null;
  sessionId: string | null;
  purpose: string | null;
  /** PostgreSQL's `ip::text`: always with the prefix length (`192.0.2.1/32`). */
  ip: string | null;
  userAgent: string | null;
  /** The metadata column's text exactly as stored. */
  metadata: string;
}

export const DOMAIN_TAG = 'custodian-audit-v1';
/** The `prev_hash` of each tenant's first event. */
export const GENESIS_HASH: Uint8Array = new Uint8Array(32);

let scratch = Buffer.allocUnsafe(4096);

/**
 * The encoded bytes (a view into a reused buffer: copy it to keep it).
 * `prevHash` is 32 bytes, or 64 hex characters as the verifier reads it.
 */
export function encodeEvent(prevHash: Uint8Array | string, f: ChainFields): Buffer {
  const texts = [f.actorType, f.actorId, f.action, f.targetType, f.targetId, f.subjectId, f.sessionId, f.purpose, f.ip, f.userAgent, f.metadata];
  // An upper bound (UTF-8 takes at most 3 bytes per UTF-16 unit) instead of measuring every string: this runs once per verified row.
  let bound = 4 + DOMAIN_TAG.length + 32 + 4 + 3 * f.tenant.length + 16;
  for (const t of texts) bound += 4 + (t === null ? 0 : 3 * t.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, scratch.length * 2));
  const b = scratch;
  let at = frame(b, 0, DOMAIN_TAG);
  if (typeof prevHash === 'string') {
    if (b.write(prevHash, at, 'hex') !== 32 || prevHash.length !== 64) throw new RangeError('prev_hash must be 32 bytes');
  } else {
    if (prevHash.length !== 32) throw new RangeError('prev_hash must be 32 bytes');
    b.set(prevHash, at);
  }
  at += 32;
  at = frame(b, at, f.tenant);
  at = int64(b, at, f.seq);
  at = int64(b, at, f.occurredAtMicros);
  for (const t of texts) at = frame(b, at, t);
  return b.subarray(0, at);
}

// One-shot hashing (node ≥ 20.12) skips creating a Hash object per event: a third of the cost of hashing a short input.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer' | 'hex' | 'latin1') => Buffer | string }).hash;

/** SHA-256 of bytes already encoded (the verifier's encoded rows), as hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return oneShot ? (oneShot('sha256', bytes, 'hex') as string) : nodeCrypto.createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 as a latin1 string (one character per byte): the cheapest form to compare in node 20. */
export function sha256Latin1(bytes: Uint8Array): string {
  return oneShot ? (oneShot('sha256', bytes, 'latin1') as string) : nodeCrypto.createHash('sha256').update(bytes).digest().toString('latin1');
}

/** SHA-256 of the encoding: the event's chain hash. */
export function eventHash(prevHash: Uint8Array | string, fields: ChainFields): Buffer {
  const bytes = encodeEvent(prevHash, fields);
  return oneShot ? (oneShot('sha256', bytes, 'buffer') as Buffer) : nodeCrypto.createHash('sha256').update(bytes).digest();
}

/** The same hash as 64 hex characters. */
export function eventHashHex(prevHash: Uint8Array | string, fields: ChainFields): string {
  const bytes = encodeEvent(prevHash, fields);
  return oneShot ? (oneShot('sha256', bytes, 'hex') as string) : nodeCrypto.createHash('sha256').update(bytes).digest('hex');
}

/** Big-endian two's complement; non-negative safe integers without a BigInt (the verifier's hot path). */
function int64(b: Buffer, at: number, value: number | bigint): number {
  if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
    b.writeUInt32BE(Math.floor(value / 0x1_0000_0000), at);
    return b.writeUInt32BE(value % 0x1_0000_0000, at + 4);
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError('an int64 field must be a safe integer or a bigint');
  return b.writeBigInt64BE(BigInt(value), at);
}

function frame(b: Buffer, at: number, value: string | null): number {
  if (value === null) return b.writeUInt32BE(0xffffffff, at);
  const n = b.write(value, at + 4, 'utf8');
  b.writeUInt32BE(n, at);
  return at + 4 + n;
}
