import type { DamageKind } from './verify.js';

/**
 * One stored event as the chain walk checks it. Hashes are latin1 strings, one
 * character per byte: compared as strings, and cheaper to make per event than
 * a Buffer view (`hashKey`).
 */
export interface ChainLink {
  seq: number;
  /** Whether the stored hash is the SHA-256 of the encoding built from the event's columns. */
  contentOk: boolean;
  prevHash: string;
  hash: string;
  /**
   * Set when the reader left out the rows between the previous link and this
   * one because the database found them intact (`hashIn: 'database'`): the
   * sequence number and hash of the row just before this one.
   */
  after?: { seq: number; hash: string };
}

/** A size whose hash is known from elsewhere: a signed checkpoint or the head record (hex). */
export interface Anchor {
  size: number;
  hash: string;
  source: 'checkpoint' | 'head';
}

/** A hash's bytes as the walk holds them. */
export const hashKey = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

export interface Finding {
  kind: DamageKind;
  seq: number;
  message: string;
  /**
   * Found on its link before that link's prev_hash was compared with its
   * predecessor's hash: on a range's first link, such a finding stands
   * whatever precedes the range.
   */
  beforeLink: boolean;
}

export interface RangeWalk {
  /** The range's first link, if it has any: where it joins the range before. */
  first?: { seq: number; prevHash: string };
  /** The first damage in the range, if any. */
  damage?: Finding;
  /** The damage was found on the range's first link. */
  damageAtFirst: boolean;
  /** Links that passed every check (up to the damage). */
  events: number;
  /** After the last link that passed: the sequence number expected next and the hash to link to. */
  expected: number;
  prev: string | null;
}

/**
 * Checks one range of a chain in sequence order, as verifyAuditLog always
 * has: sequence number, then content against the link's own prev_hash (so a
 * recomputed hash shows as the broken link it leaves behind, not as changed
 * content), then the link to the predecessor, then the anchors at its size.
 * Stops at the first damage: what follows a break cannot be trusted either.
 *
 * `prev` null means the range's predecessor is not known here (a range read
 * on another connection): the first link's prev_hash is kept in `first` for
 * the caller to compare when it joins the ranges. `stop` ends the walk early
 * (another range's verdict already decides the chain).
 */
export async function walkRange(
  pages: AsyncIterable<ChainLink[]>,
  expected: number,
  prev: string | null,
  anchors: ReadonlyMap<number, readonly Anchor[]>,
  stop: () => boolean = () => false,
): Promise<RangeWalk> {
  const out: RangeWalk = { events: 0, expected, prev, damageAtFirst: false };
  let atFirst = true;
  const found = (kind: DamageKind, seq: number, message: string, beforeLink: boolean) => {
    out.damage = { kind, seq, message, beforeLink };
    out.damageAtFirst = atFirst;
  };
  for await (const page of pages) {
    for (const link of page) {
      if (link.after && out.first) {
        // The rows left out since the last link: continuous and intact, checked in the database.
        out.events += link.after.seq - (out.expected - 1);
        out.expected = link.after.seq + 1;
        out.prev = link.after.hash;
      }
      atFirst = out.first === undefined;
      out.first ??= { seq: link.seq, prevHash: link.prevHash };
      if (link.seq !== out.expected) {
        if (link.seq > out.expected) found('gap', out.expected, `event ${out.expected} is missing`, true);
        else found('fork', link.seq, `two events claim sequence number ${link.seq}`, true);
        return out;
      }
      if (!link.contentOk) {
        found('content-changed', link.seq, 'the event does not match its hash', true);
        return out;
      }
      if (out.prev !== null && link.prevHash !== out.prev) {
        found('link-broken', link.seq, 'the event does not link to its predecessor', false);
        return out;
      }
      const atSize = anchors.get(link.seq);
      if (atSize) {
        const hex = Buffer.from(link.hash, 'latin1').toString('hex');
        for (const anchor of atSize) {
          if (anchor.hash !== hex) {
            found('fork', link.seq, anchor.source === 'checkpoint' ? 'the chain differs from a signed checkpoint at this size' : 'the chain differs from its head record at this size', false);
            return out;
          }
        }
      }
      out.prev = link.hash;
      out.events++;
      out.expected++;
    }
    if (stop()) return out;
  }
  return out;
}
