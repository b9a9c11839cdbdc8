import { createAuditAppender, type AuditAppender } from '../audit/index.js';
import type { ActorType } from '../audit/types.js';
import { checkPolicy } from '../check/check.js';
import { findColumn, findTable } from '../check/lookup.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import { sqlState } from '../db/errors.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { Database, Queryable } from '../db/types.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/index.js';
import { erasureStatements, erasureTables, statementParams, type ErasureStatement, type StatementKind } from './erasure-statements.js';
import { PLATFORM_TENANT } from './requests/types.js';
import type { SubjectRef } from './subject-rows.js';
import { isHeld } from '../retention/holds.js';

export interface EraseOptions {
  /** Writes the erasure's audit events (default: `createAuditAppender()`). */
  audit?: AuditAppender;
  /** Who asked (default: the system). */
  actor?: { type: ActorType; id: string };
  /** The chain the events join: the person's tenant, else this (default `_platform`, as requests of people without a tenant use). */
  auditTenant?: string;
  /** The request this erasure carries out, named in its audit events. */
  requestId?: string;
  /**
   * Up to this many rows to change, everything happens in one transaction:
   * all or nothing. Above it, batches of `batchSize` rows commit one by one,
   * and a last transaction re-runs every statement to catch rows written
   * meanwhile. Either way a crash is repaired by running the erasure again.
   */
  singleTransactionRows?: number;
  batchSize?: number;
  /** Called after each statement (one transaction) or each batch (batched). */
  progress?: (p: ErasureProgress) => void;
  /** Stops a batched erasure between batches; what was committed stays, and running it again finishes it. */
  signal?: AbortSignal;
  /**
   * `false`: erase everything now, even where a retention rule would finish
   * a soft delete later (an inactivity erasure, whose notice was the grace
   * period). Default true.
   */
  defer?: boolean;
  /**
   * Runs in every erasure transaction right after the person's row is locked,
   * and may throw to erase nothing in it: a check that must hold at the moment
   * of erasure, not a moment before (an inactivity erasure checks the person
   * has not just signed in; a sign-in then waits for the lock).
   */
  precondition?: (tx: Queryable) => Promise<void>;
}

export interface ErasureProgress {
  table: string;
  kind: StatementKind;
  /** Rows this statement has changed so far. */
  rows: number;
  /** Rows changed by the whole erasure so far, of about `total`. */
  done: number;
  total: number;
}

export interface ErasureStepResult {
  table: string;
  kind: StatementKind;
  rows: number;
}

export interface ErasureResult {
  subject: SubjectRef;
  mode: 'one-transaction' | 'batched';
  /** Statements that changed something, in the order they ran. */
  steps: ErasureStepResult[];
  /** Rows changed or removed (keys destroyed not counted). */
  rows: number;
  keysDestroyed: number;
}

const DEFAULT_SINGLE_TRANSACTION_ROWS = 250_000;
const DEFAULT_BATCH_SIZE = 5_000;
/** A concurrent writer can break a foreign key mid-erasure (a row added under a parent just deleted); the transaction is retried. */
const RETRIED_STATES = new Set(['23503', '40001', '40P01']);
const ATTEMPTS = 4;

/**
 * Erases one person as the policy says: columns nulled, replaced,
 * pseudonymised or reassigned, soft deletes for rules that finish later, rows
 * deleted children first, and their per-subject data keys destroyed
 * (crypto-shredding). Every statement is set-based and re-selects the
 * person's rows when it runs, so rows written after a plan are caught; it
 * touches only rows not yet erased, so running it twice changes nothing the
 * second time, and running it again after a crash finishes the job. Each
 * transaction locks the person's row first, so no new row can reference it
 * until the transaction ends, and writes its audit events before it commits.
 *
 * @example
 * const [ada] = await findSubjects(db, policy, schema, { subject: 'user', identity: 'email', value: 'ada@example.com' });
 * const result = await eraseSubject(db, policy, schema, ada, { requestId: request.id });
 */
export async function eraseSubject(db: Database, policy: Policy, schema: DatabaseSchema, subject: SubjectRef, options: EraseOptions = {}): Promise<ErasureResult> {
  const spec = policy.subjects[subject.subject];
  if (!spec) throw new CustodianError('ERR_CONFIG_INVALID', 'the policy declares no such subject', { hint: `one of: ${Object.keys(policy.subjects).join(', ')}` });
  if (spec.placeholder && spec.placeholder.key === subject.key) {
    throw new CustodianError('ERR_DSAR_REFUSED', 'the placeholder that erased people’s rows are reassigned to cannot itself be erased');
  }
  if (spec.tenant !== undefined && subject.tenant === undefined) {
    throw new CustodianError('ERR_CONFIG_INVALID', `a ${subject.subject} belongs to a tenant: name it`, { hint: 'findSubjects returns the tenant with each person' });
  }
  // A policy that does not fit the database could fail half-way through a batched erasure: refuse before changing anything.
  const errors = checkPolicy(policy, schema).problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new CustodianError('ERR_DSAR_REFUSED', `the policy does not fit the database (${errors.length} error${errors.length === 1 ? '' : 's'}, the first ${errors[0]!.code} at ${errors[0]!.path}); nothing was erased`, {
      hint: 'run custodian check and fix what it reports',
    });
  }
  // A legal hold on the person or their tenant pauses every deletion that would touch them.
  if (await isHeld(db, policy, schema, subject)) {
    throw new CustodianError('ERR_DSAR_REFUSED', `a legal hold stands on this ${subject.subject} or their tenant; nothing was erased`, { hint: 'see custodian retention holds; erase once the hold is lifted' });
  }
  const statements = erasureStatements(policy, schema, subject.subject, erasureTables(policy, schema, subject.subject, { defer: options.defer ?? true }));
  const ctx: RunContext = {
    db,
    subject,
    audit: options.audit ?? createAuditAppender(),
    actor: options.actor ?? { type: 'system', id: 'custodian-dsar' },
    auditTenant: subject.tenant ?? options.auditTenant ?? PLATFORM_TENANT,
    requestId: options.requestId,
    lock: lockSql(policy, schema, subject),
    precondition: options.precondition,
    progress: options.progress ?? (() => {}),
    done: 0,
    total: 0,
  };
  for (const s of statements) ctx.total += await pending(db, s, subject);
  const single = ctx.total <= (options.singleTransactionRows ?? DEFAULT_SINGLE_TRANSACTION_ROWS);
  const batched: ErasureStepResult[] = [];
  if (!single) {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (const s of statements) {
      let rows = 0;
      for (;;) {
        options.signal?.throwIfAborted();
        const changed = await inTransaction(ctx, async (tx) => {
          const n = await run(tx, s.kind === 'destroy-keys' ? s.sql : s.batch(size), subject);
          if (n > 0) await appendEvent(ctx, tx, 'dsar.erasure.batch', { table: s.table, statement: s.kind, rows: n });
          return n;
        });
        rows += changed;
        ctx.done += changed;
        if (changed > 0) ctx.progress({ table: s.table, kind: s.kind, rows, done: ctx.done, total: ctx.total });
        if (changed < size || s.kind === 'destroy-keys') break;
      }
      if (rows > 0) batched.push({ table: s.table, kind: s.kind, rows });
    }
  }
  // The whole erasure (one transaction), or the closing pass that catches rows written between batches.
  const last = await inTransaction(ctx, async (tx) => {
    const steps: ErasureStepResult[] = [];
    for (const s of statements) {
      const rows = await run(tx, s.sql, subject);
      if (rows > 0) steps.push({ table: s.table, kind: s.kind, rows });
      if (single && rows > 0) ctx.progress({ table: s.table, kind: s.kind, rows, done: ctx.done + rows, total: ctx.total });
      ctx.done += rows;
    }
    const all = merge(batched, steps);
    for (const step of steps) await appendEvent(ctx, tx, 'dsar.erasure.step', { table: step.table, statement: step.kind, rows: step.rows });
    const summary = summarize(all);
    await appendEvent(ctx, tx, 'dsar.erasure.completed', { mode: single ? 'one-transaction' : 'batched', rows: summary.rows, keysDestroyed: summary.keysDestroyed, statements: all.length });
    return all;
  });
  return { subject, mode: single ? 'one-transaction' : 'batched', steps: last, ...summarize(last) };
}

interface RunContext {
  db: Database;
  subject: SubjectRef;
  audit: AuditAppender;
  actor: { type: ActorType; id: string };
  auditTenant: string;
  requestId: string | undefined;
  lock: string;
  precondition: ((tx: Queryable) => Promise<void>) | undefined;
  progress: (p: ErasureProgress) => void;
  done: number;
  total: number;
}

/** One transaction that first locks the person's row (no new reference to it until commit), retried on the errors a concurrent writer causes. */
async function inTransaction<T>(ctx: RunContext, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const doneBefore = ctx.done;
    try {
      return await ctx.db.transaction(
        async (tx) => {
          await tx.query(ctx.lock, statementParams(ctx.lock, ctx.subject.key, ctx.subject.tenant));
          await ctx.precondition?.(tx);
          return fn(tx);
        },
        ctx.subject.tenant === undefined ? {} : { tenantId: ctx.subject.tenant },
      );
    } catch (error) {
      ctx.done = doneBefore;
      const state = sqlState(error);
      if (attempt >= ATTEMPTS || state === undefined || !RETRIED_STATES.has(state)) throw error;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

async function run(tx: Queryable, sql: string, subject: SubjectRef): Promise<number> {
  return (await tx.query(sql, statementParams(sql, subject.key, subject.tenant))).rowCount;
}

async function pending(db: Queryable, s: ErasureStatement, subject: SubjectRef): Promise<number> {
  const { rows } = await db.query<{ n: number }>(s.pendingSql, statementParams(s.pendingSql, subject.key, subject.tenant));
  return s.kind === 'destroy-keys' ? 0 : rows[0]!.n;
}

function lockSql(policy: Policy, schema: DatabaseSchema, subject: SubjectRef): string {
  const spec = policy.subjects[subject.subject]!;
  const table = findTable(schema, spec.table);
  const keyType = findColumn(table, spec.key)!.type;
  const tenant = spec.tenant ? ` AND t.${quoteIdent(spec.tenant)} = $2::${findColumn(table, spec.tenant)!.type}` : '';
  return `SELECT 1 FROM ${quoteQualified(spec.table)} t WHERE t.${quoteIdent(spec.key)} = $1::${keyType}${tenant} FOR UPDATE`;
}

async function appendEvent(ctx: RunContext, tx: Queryable, action: string, metadata: Record<string, string | number>): Promise<void> {
  await ctx.audit.append(tx, {
    tenant: ctx.auditTenant,
    actor: ctx.actor,
    action,
    // The person is named as the target, not as `subject`: an application's subject foreign key would point at a row this transaction may delete.
    target: { type: ctx.subject.subject, id: ctx.subject.key },
    purpose: 'dsar-erasure',
    metadata: { ...(ctx.requestId === undefined ? {} : { request: ctx.requestId }), ...metadata },
  });
}

function merge(a: readonly ErasureStepResult[], b: readonly ErasureStepResult[]): ErasureStepResult[] {
  const out = a.map((s) => ({ ...s }));
  for (const s of b) {
    const same = out.find((x) => x.table === s.table && x.kind === s.kind);
    if (same) same.rows += s.rows;
    else out.push({ ...s });
  }
  return out;
}

function summarize(steps: readonly ErasureStepResult[]): { rows: number; keysDestroyed: number } {
  return {
    rows: steps.reduce((n, s) => n + (s.kind === 'destroy-keys' ? 0 : s.rows), 0),
    keysDestroyed: steps.reduce((n, s) => n + (s.kind === 'destroy-keys' ? s.rows : 0), 0),
  };
}
