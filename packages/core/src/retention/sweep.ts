import type { AuditAppender } from '../audit/index.js';
import type { ActorType } from '../audit/types.js';
import type { Database, Queryable } from '../db/types.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import { sqlState } from '../db/errors.js';
import { CustodianError } from '../errors.js';
import { nextBatchSize } from './batch-size.js';
import type { RowTarget } from './compile.js';
import { renewLease } from './lease.js';
import { eventLoopTurn } from './turn.js';
import type { RetentionProgress } from './types.js';

/** What every step of one run shares. */
export interface RunContext {
  db: Database;
  /** The instant every decision of the run is measured against (`$1` of every statement). */
  asOf: Date;
  runId: number;
  holder: string;
  leaseMs: number;
  budgetMs: number;
  initialRows: number;
  maxRows: number;
  signal: AbortSignal | undefined;
  progress: (p: RetentionProgress) => void;
  audit: AuditAppender;
  actor: { type: ActorType; id: string };
}

/** What a step did so far: kept by the caller, so a step that fails or is stopped still reports it. */
export interface SweepCounts {
  rows: number;
  batches: number;
  longestStatementMs: number;
  /** Inactivity erasures: notices cancelled (the person came back, is gone, or is held). */
  cancelled?: number;
  /** Inactivity notices: recipients the mail server refused. */
  failed?: number;
}

/**
 * The statement of one keyset batch: the next `limit` due rows after the last
 * key, changed in the same statement, returning how many were selected and
 * changed and the last key (as text, cast back with the column types on the
 * next batch, so bigint keys keep every digit). The key is the primary key,
 * led by the age column when `byClock` (an index leads with it): the scan then
 * ends where the due rows end.
 */
export function batchSql(target: RowTarget, afterKey: boolean, byClock = false): string {
  const table = quoteQualified(target.table);
  const keys = byClock && target.clock ? [target.clock, ...target.key.filter((k) => k.column !== target.clock!.column)] : target.key;
  const cols = keys.map((k) => quoteIdent(k.column));
  const tuple = (alias: string) => (cols.length === 1 ? `${alias}.${cols[0]}` : `(${cols.map((c) => `${alias}.${c}`).join(', ')})`);
  const params = keys.map((k, i) => `$${i + 2}::${k.type}`);
  // The leading column's own bound lets an index on it start the scan at the last key.
  const lead = byClock && target.clock ? ` AND t.${cols[0]} >= ${params[0]}` : '';
  const after = afterKey ? `${lead} AND ${tuple('t')} > ${params.length === 1 ? params[0] : `(${params.join(', ')})`}` : '';
  const limit = `$${afterKey ? keys.length + 2 : 2}`;
  const pk = target.key.map((k) => quoteIdent(k.column));
  const join = pk.map((c) => `t.${c} = b.${c}`).join(' AND ');

  const change =
    target.change === 'delete'
      ? `DELETE FROM ${table} t USING batch b WHERE ${join} RETURNING 1`
      : `UPDATE ${table} t SET ${target.change.set} FROM batch b WHERE ${join} RETURNING 1`;
  return `WITH batch AS (
    SELECT ${[...new Set([...cols, ...pk])].map((c) => `t.${c}`).join(', ')} FROM ${table} t
     WHERE (${target.due}) AND (${target.free})${after}
     ORDER BY ${cols.map((c) => `t.${c}`).join(', ')} LIMIT ${limit}
     -- Locked as selected, and checked again on the row as it is when locked: a row an application write
     -- made not due (a restored account) while the batch waited for its lock is left alone. (A recheck in
     -- the outer statement instead would let the planner join through the age index: three times slower.)
     FOR UPDATE OF t
  ), changed AS (${change})
  SELECT (SELECT count(*) FROM batch)::int AS selected, (SELECT count(*) FROM changed)::int AS changed,
         (SELECT ARRAY[${cols.map((c) => `b.${c}::text`).join(', ')}] FROM batch b ORDER BY ${cols.map((c) => `b.${c} DESC`).join(', ')} LIMIT 1) AS last`;
}

/** Whether an index of the table leads with the column (so paging by it is cheap). */
async function indexLeadsWith(db: Queryable, table: string, column: string): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = $1::regclass AND a.attname = $2
     ) AS found`,
    [quoteQualified(table), column],
  );
  return rows[0]!.found;
}

interface BatchOutcome {
  selected: number;
  changed: number;
  tookMs: number;
  lastKey: string[] | null;
}

/**
 * Applies a row target in keyset batches, each in a transaction of its own
 * that first renews the rule's lease. Rows a batch changed no longer match
 * `due`, so a crash anywhere is repaired by running again; the keyset only
 * saves re-reading rows a hold or a concurrent change left behind.
 */
export async function sweepRows(ctx: RunContext, rule: string, stage: number, target: RowTarget, counts: SweepCounts): Promise<void> {
  const byClock = target.clock !== undefined && (await indexLeadsWith(ctx.db, target.table, target.clock.column));
  const first = batchSql(target, false, byClock);
  const next = batchSql(target, true, byClock);
  let last: string[] | null = null;
  let size = ctx.initialRows;
  for (;;) {
    await eventLoopTurn();
    ctx.signal?.throwIfAborted();
    const key: string[] | null = last;
    const batch: BatchOutcome = await blockedByReferences(target.table, () => ctx.db.transaction(async (tx): Promise<BatchOutcome> => {
      await renewLease(tx, rule, ctx.holder, ctx.leaseMs, ctx.runId);
      const started = performance.now();
      const result = await tx.query<{ selected: number; changed: number; last: string[] | null }>(key === null ? first : next, [ctx.asOf, ...(key ?? []), size]);
      const row = result.rows[0]!;
      return { selected: row.selected, changed: row.changed, tookMs: performance.now() - started, lastKey: row.last };
    }));
    const { selected, changed, tookMs, lastKey } = batch;
    counts.batches++;
    counts.rows += changed;
    counts.longestStatementMs = Math.max(counts.longestStatementMs, tookMs);
    if (changed > 0) ctx.progress({ rule, stage, rows: counts.rows, batches: counts.batches });
    if (selected < size || lastKey === null) return;
    last = lastKey;
    size = nextBatchSize(size, tookMs, ctx.budgetMs, ctx.maxRows);
  }
}

/**
 * A delete that a foreign key without ON DELETE CASCADE or SET NULL refuses
 * rolls its batch back; say which table holds the references, not just the
 * driver's message.
 */
export async function blockedByReferences<T>(table: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (sqlState(error) !== '23503') throw error;
    throw new CustodianError('ERR_RETENTION_REFUSED', `rows of ${table} that retention would delete are still referenced by another table's foreign key; this batch was rolled back`, {
      cause: error,
      hint: 'declare the referencing foreign key ON DELETE CASCADE or SET NULL, or give the referencing table a retention rule that runs first',
    });
  }
}

/** Rows of a target due at `$1` and not held (`free`), and those a hold keeps. */
export function countSql(target: Pick<RowTarget, 'table' | 'due' | 'free'>): string {
  return `SELECT count(*) FILTER (WHERE ${target.free})::int AS free, count(*) FILTER (WHERE NOT (${target.free}))::int AS held FROM ${quoteQualified(target.table)} t WHERE ${target.due}`;
}

