import type { Database, Queryable } from '../db/types.js';
import { isUtf8Database, readRange, type HashIn, type SeqRange } from './read-encoded.js';
import { walkRange, type Anchor, type Finding, type RangeWalk } from './verify-walk.js';

export interface ChainVerdict {
  damage?: Finding;
  /** Events that passed every check, up to the first damage. */
  events: number;
  /** The sequence number after the last event that passed. */
  expected: number;
  /** How many ranges the chain was read in (1: one walk on one connection). */
  ranges: number;
}

export interface ChainWalkOptions {
  pageSize: number;
  hashIn: HashIn;
  /** Ranges read at once, each on its own connection (PostgreSQL only). */
  parallel: number;
}

/**
 * Walks a tenant's chain from `expected` (whose predecessor's hash is `prev`)
 * to its end, inside `tx`, a repeatable-read transaction.
 *
 * On PostgreSQL a chain long enough is cut into up to `parallel` ranges of
 * sequence numbers, each read and checked on its own connection in the very
 * snapshot of `tx` (exported, then imported with SET TRANSACTION SNAPSHOT),
 * so every range sees the same chain the checkpoints and head were read
 * from. The ranges are then joined in order exactly as one walk would have
 * met them: where a range starts, its first event must carry the next
 * sequence number after the range before it ended and link to that range's
 * last hash. The verdict — first damage, its kind, the events before it — is
 * the one a single walk gives (verify-parallel.test.ts compares the two).
 * Everywhere else (PGlite has one connection; a short chain) it is one walk
 * on `tx`.
 */
export async function walkChain(db: Database, tx: Queryable, tenant: string, expected: number, prev: string, anchors: ReadonlyMap<number, readonly Anchor[]>, options: ChainWalkOptions): Promise<ChainVerdict> {
  const read = { pageSize: options.pageSize, hashIn: options.hashIn, keep: [...anchors.keys()], utf8Database: await isUtf8Database(tx) };
  const ranges = db.kind === 'postgres' && options.parallel > 1 ? await planRanges(tx, tenant, expected, options) : [];
  const snapshot = ranges.length > 1 ? await exportSnapshot(tx) : null;
  if (snapshot === null) {
    const whole = await walkRange(readRange(tx, tenant, { after: null, upTo: null }, read), expected, prev, anchors);
    return { ...(whole.damage ? { damage: whole.damage } : {}), events: whole.events, expected: whole.expected, ranges: 1 };
  }

  // The first range known to be damaged: ranges after it need not finish, as the chain's verdict is decided before them.
  let decidedAt = Infinity;
  const walkOne = async (q: Queryable, i: number): Promise<RangeWalk> => {
    const range = ranges[i]!;
    const pages = readRange(q, tenant, range, { ...read, cursor: `custodian_audit_range_${i}` });
    const walk = await walkRange(pages, i === 0 ? expected : range.after! + 1, i === 0 ? prev : null, anchors, () => decidedAt < i);
    if (walk.damage) decidedAt = Math.min(decidedAt, i);
    return walk;
  };
  const settled = await Promise.allSettled(
    ranges.map((_, i) =>
      i === 0
        ? walkOne(tx, 0)
        : db.transaction(async (rtx) => {
            // Before any other statement: the transaction takes the snapshot as its own.
            await rtx.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
            await rtx.query('SET LOCAL search_path TO pg_catalog');
            return walkOne(rtx, i);
          }, { isolation: 'repeatable read', readOnly: true }),
    ).map((p) => p.catch((error: unknown) => {
      decidedAt = -1; // stop the others: the verification fails as a whole
      throw error;
    })),
  );
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const walks = settled.map((s) => (s as PromiseFulfilledResult<RangeWalk>).value);
  return { ...joinRanges(ranges, walks, expected, prev), ranges: ranges.length };
}

/**
 * The verdict of one walk over the ranges in order. Range 0 was walked from
 * the true start; each later one from the sequence number after the range
 * before it and without knowing its predecessor's hash, which is checked
 * here, where one walk would have checked it: after the first event's
 * sequence number and content, before its anchors.
 */
export function joinRanges(ranges: readonly SeqRange[], walks: readonly RangeWalk[], expected: number, prev: string): Omit<ChainVerdict, 'ranges'> {
  let events = 0;
  let next = expected;
  let last = prev;
  for (let i = 0; i < walks.length; i++) {
    const walk = walks[i]!;
    if (i > 0) {
      if (!walk.first) continue; // no events in this range: the next range follows on from the same place
      if (next !== ranges[i]!.after! + 1) {
        // The chain ended early in an earlier range: this range's first event comes after a missing one.
        return { damage: { kind: 'gap', seq: next, message: `event ${next} is missing`, beforeLink: true }, events, expected: next };
      }
      const standsAlone = walk.damage !== undefined && walk.damageAtFirst && walk.damage.beforeLink;
      if (!standsAlone && walk.first.prevHash !== last) {
        return { damage: { kind: 'link-broken', seq: walk.first.seq, message: 'the event does not link to its predecessor', beforeLink: false }, events, expected: next };
      }
    }
    events += walk.events;
    if (walk.damage) return { damage: walk.damage, events, expected: walk.expected };
    next = walk.expected;
    last = walk.prev ?? last;
  }
  return { events, expected: next };
}

/** Ranges of at least a page each over [expected, the tenant's last sequence number]; the first and last open-ended. */
async function planRanges(tx: Queryable, tenant: string, expected: number, options: ChainWalkOptions): Promise<SeqRange[]> {
  const { rows } = await tx.query<{ hi: number | bigint | null }>(`SELECT max(seq) AS hi FROM custodian.audit_events WHERE tenant_id = $1`, [tenant]);
  const hi = rows[0]?.hi;
  if (typeof hi !== 'number') return [];
  const span = hi - expected + 1;
  const k = Math.min(options.parallel, Math.floor(span / options.pageSize));
  if (k < 2) return [];
  const bounds = Array.from({ length: k - 1 }, (_, i) => expected - 1 + Math.floor((span * (i + 1)) / k));
  return Array.from({ length: k }, (_, i) => ({ after: i === 0 ? null : bounds[i - 1]!, upTo: i === k - 1 ? null : bounds[i]! }));
}

/** The snapshot's id (not from a savepoint: PostgreSQL exports none from a subtransaction). */
async function exportSnapshot(tx: Queryable): Promise<string | null> {
  const { rows } = await tx.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
  const id = rows[0]?.id;
  // Spliced into SET TRANSACTION SNAPSHOT, which takes no parameter: only the shape the server writes.
  return typeof id === 'string' && /^[0-9A-F]+(-[0-9A-F]+)+$/i.test(id) ? id : null;
}
