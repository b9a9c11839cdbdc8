import { createHash } from 'node:crypto';

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
  /** Microseconds since 1970-01-01T00:00:00Z. */
  occurredAtMicros: bigint;
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

/** The encoded bytes (a view into a reused buffer: copy it to keep it). */
export function encodeEvent(prevHash: Uint8Array, f: ChainFields): Buffer {
  const texts = [f.actorType, f.actorId, f.action, f.targetType, f.targetId, f.subjectId, f.sessionId, f.purpose, f.ip, f.userAgent, f.metadata];
  let size = 4 + DOMAIN_TAG.length + 32 + 4 + Buffer.byteLength(f.tenant) + 16;
  for (const t of texts) size += 4 + (t === null ? 0 : Buffer.byteLength(t));
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const b = scratch;
  let at = frame(b, 0, DOMAIN_TAG);
  b.set(prevHash, at);
  at += 32;
  at = frame(b, at, f.tenant);
  at = b.writeBigInt64BE(BigInt(f.seq), at);
  at = b.writeBigInt64BE(f.occurredAtMicros, at);
  for (const t of texts) at = frame(b, at, t);
  return b.subarray(0, at);
}

/** SHA-256 of the encoding: the event's chain hash. */
export function eventHash(prevHash: Uint8Array, fields: ChainFields): Buffer {
  return createHash('sha256').update(encodeEvent(prevHash, fields)).digest();
}

function frame(b: Buffer, at: number, value: string | null): number {
  if (value === null) return b.writeUInt32BE(0xffffffff, at);
  const n = b.write(value, at + 4, 'utf8');
  b.writeUInt32BE(n, at);
  return at + 4 + n;
}
