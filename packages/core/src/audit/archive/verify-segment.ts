import { eventHashHex } from '../chain-encoding.js';
import { parseCheckpointBody } from '../checkpoint.js';
import { chainFieldsOf, type AuditEvent } from '../query.js';
import { openNote, type NoteVerifierKey } from '../signed-note.js';

export interface SegmentVerification {
  ok: boolean;
  tenant?: string;
  from?: number;
  to?: number;
  /** The hash before the first event: the previous segment's last hash (or 32 zero bytes for the first). */
  firstPrevHash?: string;
  lastHash?: string;
  problem?: { seq?: number; kind: 'malformed' | 'content-changed' | 'link-broken' | 'gap' | 'checkpoint-mismatch' | 'bad-signature'; detail: string };
}

/**
 * Checks one archive segment on its own, with nothing but the segment, its
 * checkpoint note and a trusted verifier key: every event's hash is
 * recomputed from its fields, each links to the one before, the numbers have
 * no gap, and the last hash and count are what the signed checkpoint says.
 * Chaining segments: each segment's `firstPrevHash` must be the previous
 * one's `lastHash`.
 *
 * @example
 * const result = verifyArchiveSegment(readFileSync(jsonl, 'utf8'), readFileSync(checkpoint, 'utf8'), [parseVerifierKey(vkey)]);
 */
export function verifyArchiveSegment(jsonl: string, checkpointNote: string, keys: readonly NoteVerifierKey[]): SegmentVerification {
  let events: AuditEvent[];
  try {
    events = jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
  } catch {
    return { ok: false, problem: { kind: 'malformed', detail: 'a line is not JSON' } };
  }
  if (events.length === 0) return { ok: false, problem: { kind: 'malformed', detail: 'the segment holds no events' } };
  let opened;
  try {
    opened = openNote(checkpointNote, keys);
  } catch {
    return { ok: false, problem: { kind: 'bad-signature', detail: 'the checkpoint note does not verify' } };
  }
  if (opened.verifiedBy.length === 0) return { ok: false, problem: { kind: 'bad-signature', detail: 'no trusted key signed the checkpoint' } };
  const checkpoint = parseCheckpointBody(opened.text);
  if (!checkpoint) return { ok: false, problem: { kind: 'malformed', detail: 'the checkpoint body is not one' } };
  const first = events[0]!;
  let prev = first.prevHash;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (i > 0 && e.seq !== events[i - 1]!.seq + 1) return { ok: false, problem: { seq: e.seq, kind: 'gap', detail: `after ${events[i - 1]!.seq}` } };
    if (e.tenant !== first.tenant) return { ok: false, problem: { seq: e.seq, kind: 'malformed', detail: 'another tenant’s event' } };
    if (e.prevHash !== prev) return { ok: false, problem: { seq: e.seq, kind: 'link-broken', detail: 'prevHash is not the hash before it' } };
    const hash = eventHashHex(prev, chainFieldsOf(e));
    if (hash !== e.hash) return { ok: false, problem: { seq: e.seq, kind: 'content-changed', detail: 'the recomputed hash differs' } };
    prev = hash;
  }
  const last = events[events.length - 1]!;
  if (checkpoint.tenant !== first.tenant || checkpoint.size !== last.seq || checkpoint.headHash !== last.hash) {
    return { ok: false, problem: { seq: last.seq, kind: 'checkpoint-mismatch', detail: 'the signed checkpoint names another tenant, size or hash' } };
  }
  return { ok: true, tenant: first.tenant, from: first.seq, to: last.seq, firstPrevHash: first.prevHash, lastHash: last.hash };
}
