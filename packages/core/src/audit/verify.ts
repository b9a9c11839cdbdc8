import type { Database, Queryable } from '../db/types.js';
import { isCustodianError } from '../errors.js';
import { parseCheckpointBody } from './checkpoint.js';
import { listAuditTenants } from './read-chain.js';
import type { HashIn } from './read-encoded.js';
import { openNote, type NoteVerifierKey } from './signed-note.js';
import { walkChain, type ChainWalkOptions } from './verify-parallel.js';
import type { Anchor } from './verify-walk.js';

/**
 * What can be wrong with a chain, each found at one sequence number:
 * - `content-changed`: the event's stored hash is not the hash of its columns;
 * - `link-broken`: its prev_hash is not its predecessor's hash;
 * - `gap`: a sequence number is missing (an event was deleted);
 * - `fork`: the chain has another hash at a size than a signed checkpoint (or
 *   the head record) says: history was rewritten after it was signed;
 * - `truncated`: the chain ends before a checkpoint's size or the head record;
 * - `beyond-head`: events after the head record: written around the appender;
 * - `bad-signature`: a checkpoint's signature does not verify, or its note
 *   disagrees with its stored columns.
 */
export type DamageKind = 'content-changed' | 'link-broken' | 'gap' | 'fork' | 'truncated' | 'beyond-head' | 'bad-signature';

export interface Damage {
  tenant: string;
  kind: DamageKind;
  seq: number;
  message: string;
}

export interface TenantVerification {
  tenant: string;
  /** Events read (up to the first damage in the chain). */
  events: number;
  /** The head record's size, when there is one. */
  head: number | null;
  checkpoints: number;
  /** How many ranges of the chain were read and checked at once (`parallel`); 1 on PGlite and for short chains. */
  ranges: number;
  problems: Damage[];
}

export interface VerifyReport {
  ok: boolean;
  tenants: TenantVerification[];
  events: number;
  /** `unchecked` when no trusted key was given: checkpoints were compared with the chain but their signatures not checked. */
  signatures: 'checked' | 'unchecked';
}

/** A checkpoint kept elsewhere, as `custodian audit export-checkpoints` writes it. */
export interface ExternalCheckpoint {
  tenant: string;
  size: number;
  note: string;
}

export interface VerifyOptions {
  tenant?: string;
  /** Keys whose checkpoint signatures are trusted (from outside this database). */
  keys?: readonly NoteVerifierKey[];
  /** Copies of checkpoints kept outside the database, checked like the stored ones. */
  external?: readonly ExternalCheckpoint[];
  /** Events per page read (default 1,000: smaller pages let PostgreSQL work on the next while node checks this one); also the shortest range worth a connection of its own. */
  pageSize?: number;
  /**
   * Where each event's hash is recomputed from its stored columns: `client`
   * (default: the encoding the verifier's own query builds from the columns
   * is sent and hashed here) or `database` (PostgreSQL's built-in sha256 over
   * that encoding, and PostgreSQL compares each event with the one before it:
   * only events it finds out of the ordinary, the ends of each range and the
   * events at checkpoint and head sizes are sent). Neither calls a function
   * stored in the checked database (docs/audit.md, "Verification").
   */
  hashIn?: HashIn;
  /**
   * On PostgreSQL, how many ranges of one tenant's chain are read and checked
   * at once, each on its own connection in one shared snapshot (default 2;
   * 1 reads the chain on one connection, as on PGlite always). The pool must
   * have this many connections free.
   */
  parallel?: number;
}

/** Ranges of a chain read at once by default: measured fastest on a 2-core machine running both node and PostgreSQL (bench/README.md). */
export const DEFAULT_VERIFY_PARALLEL = 2;
const DEFAULT_PAGE_SIZE = 1000;

const GENESIS_HEX = '00'.repeat(32);

/**
 * Walks each tenant's chain from the first event, recomputing every hash from
 * the stored columns (in node, or by PostgreSQL's built-in sha256 with
 * `hashIn: 'database'`; on PostgreSQL in ranges at once, verify-parallel.ts),
 * and checks it against the signed checkpoints and the head record. Stops a
 * tenant at its first damage: what follows a break cannot be trusted either.
 *
 * @example
 * const report = await verifyAuditLog(db, { keys: [parseVerifierKey(process.env.AUDIT_VKEY!)] });
 * if (!report.ok) for (const t of report.tenants) for (const p of t.problems) console.error(p.tenant, p.seq, p.kind);
 */
export async function verifyAuditLog(db: Database, options: VerifyOptions = {}): Promise<VerifyReport> {
  const keys = options.keys ?? [];
  const walk: ChainWalkOptions = { pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE, hashIn: options.hashIn ?? 'client', parallel: options.parallel ?? DEFAULT_VERIFY_PARALLEL };
  if (!Number.isSafeInteger(walk.pageSize) || walk.pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  if (!Number.isSafeInteger(walk.parallel) || walk.parallel < 1) throw new RangeError('parallel must be a positive integer');
  // Tenants named only by copies kept elsewhere count too: a chain deleted with its head and checkpoints still shows.
  const tenants =
    options.tenant !== undefined
      ? [options.tenant]
      : [...new Set([...(await listAuditTenants(db)), ...(options.external ?? []).map((c) => c.tenant)])].sort();
  const report: VerifyReport = { ok: true, tenants: [], events: 0, signatures: keys.length > 0 ? 'checked' : 'unchecked' };
  for (const tenant of tenants) {
    const external = (options.external ?? []).filter((c) => c.tenant === tenant);
    // One snapshot per tenant: the checkpoints, the head and every page agree even while appends go on.
    const result = await db.transaction((tx) => verifyTenant(db, tx, tenant, keys, external, walk), { isolation: 'repeatable read', readOnly: true });
    report.events += result.events;
    if (result.problems.length > 0) report.ok = false;
    report.tenants.push(result);
  }
  return report;
}

async function verifyTenant(
  database: Database,
  db: Queryable,
  tenant: string,
  keys: readonly NoteVerifierKey[],
  external: readonly ExternalCheckpoint[],
  walk: ChainWalkOptions,
): Promise<TenantVerification> {
  // Only the built-in functions and operators: nothing defined in the database being checked
  // can stand in for one of them by overloading its name (the verifier's queries name the
  // audit tables with their schema).
  await db.query('SET LOCAL search_path TO pg_catalog');
  const problems: Damage[] = [];
  const damage = (kind: DamageKind, seq: number, message: string) => problems.push({ tenant, kind, seq, message });

  const { rows: stored } = await db.query<{ size: number; head_hash: string; note: string }>(
    `SELECT size, encode(head_hash, 'hex') AS head_hash, note FROM custodian.audit_checkpoints WHERE tenant_id = $1 ORDER BY size`,
    [tenant],
  );
  const anchors = new Map<number, Anchor[]>();
  const addAnchor = (a: Anchor) => anchors.set(a.size, [...(anchors.get(a.size) ?? []), a]);
  const notes = [
    ...stored.map((c) => ({ size: Number(c.size), hash: c.head_hash as string | undefined, note: c.note })),
    ...external.map((c) => ({ size: c.size, hash: undefined, note: c.note })),
  ];
  let lastCheckpoint = 0;
  for (const c of notes) {
    const body = checkNote(c.note, keys);
    if (body === 'bad' || !body || body.tenant !== tenant || body.size !== c.size || (c.hash !== undefined && body.headHash !== c.hash)) {
      damage('bad-signature', c.size, body === 'bad' ? 'the checkpoint signature does not verify' : 'the checkpoint note does not match its record');
      continue;
    }
    addAnchor({ size: body.size, hash: body.headHash, source: 'checkpoint' });
    lastCheckpoint = Math.max(lastCheckpoint, body.size);
  }
  const { rows: heads } = await db.query<{ seq: number; hash: string }>(`SELECT seq, encode(hash, 'hex') AS hash FROM custodian.audit_heads WHERE tenant_id = $1`, [tenant]);
  const head = heads[0] ? { size: Number(heads[0].seq), hash: heads[0].hash } : undefined;
  if (head && head.size > 0) addAnchor({ size: head.size, hash: head.hash, source: 'head' });

  // An archived prefix (C6) is checked through its records: they must tile the chain from 1
  // without a gap, each linking to the one before, each ending at a signed checkpoint of its
  // last hash; the remaining chain then starts after the last one. The segments' own contents
  // are checked offline (verifyArchiveSegment).
  let expected = 1;
  let prev = GENESIS_HEX;
  const { rows: archives } = await db.query<{ from_seq: number; to_seq: number; first_prev: string; last_hash: string; note: string }>(
    `SELECT from_seq, to_seq, encode(first_prev_hash, 'hex') AS first_prev, encode(last_hash, 'hex') AS last_hash, checkpoint_note AS note
       FROM custodian.audit_archives WHERE tenant_id = $1 ORDER BY from_seq`,
    [tenant],
  );
  let archiveBroken = false;
  for (const a of archives) {
    const from = Number(a.from_seq);
    const to = Number(a.to_seq);
    if (from !== expected) {
      damage(from > expected ? 'gap' : 'fork', expected, from > expected ? `archived events ${expected} to ${from - 1} have no archive record` : `two archive records cover ${from}`);
      archiveBroken = true;
      break;
    }
    if (a.first_prev !== prev) {
      damage('link-broken', from, 'the archive segment does not link to what precedes it');
      archiveBroken = true;
      break;
    }
    const body = checkNote(a.note, keys);
    if (body === 'bad' || !body || body.tenant !== tenant || body.size !== to || body.headHash !== a.last_hash) {
      damage('bad-signature', to, 'the archive segment’s checkpoint does not verify or does not match its record');
      archiveBroken = true;
      break;
    }
    for (const anchor of anchors.get(to) ?? []) {
      if (anchor.hash !== a.last_hash) damage('fork', to, 'an archive record differs from a signed checkpoint at its end');
    }
    lastCheckpoint = Math.max(lastCheckpoint, to);
    expected = to + 1;
    prev = a.last_hash;
  }
  let events = 0;
  let ranges = 1;
  // What follows a damaged archive cannot be placed in the chain: stop the tenant there.
  if (!archiveBroken) {
    const verdict = await walkChain(database, db, tenant, expected, Buffer.from(prev, 'hex').toString('latin1'), anchors, walk);
    events = verdict.events;
    expected = verdict.expected;
    ranges = verdict.ranges;
    if (verdict.damage) damage(verdict.damage.kind, verdict.damage.seq, verdict.damage.message);
  }
  if (problems.every((p) => p.kind === 'bad-signature')) {
    const tip = expected - 1;
    if (lastCheckpoint > tip) damage('truncated', tip + 1, `the chain ends at ${tip}, before a signed checkpoint of size ${lastCheckpoint}`);
    else if (head && head.size > tip) damage('truncated', tip + 1, `the chain ends at ${tip}, before its head record of size ${head.size}`);
    else if (head && head.size < tip) damage('beyond-head', head.size + 1, 'events follow the head record: they were not written by the appender');
    else if (!head && tip > 0) damage('beyond-head', 1, 'the chain has no head record: its events were not written by the appender');
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { tenant, events, head: head ? head.size : null, checkpoints: notes.length, ranges, problems };
}

/** The checkpoint body when the note's signatures hold (or none can be checked), 'bad' when one does not. */
function checkNote(note: string, keys: readonly NoteVerifierKey[]): ReturnType<typeof parseCheckpointBody> | 'bad' {
  try {
    const opened = openNote(note, keys);
    if (keys.length > 0 && opened.verifiedBy.length === 0) return 'bad';
    return parseCheckpointBody(opened.text);
  } catch (error) {
    if (isCustodianError(error)) return 'bad';
    throw error;
  }
}

