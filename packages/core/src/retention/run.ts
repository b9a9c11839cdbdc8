import { archiveAuditLog } from '../audit/archive/archive.js';
import { createAuditAppender } from '../audit/index.js';
import { checkPolicy } from '../check/check.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import type { Database } from '../db/types.js';
import { PLATFORM_TENANT } from '../dsar/requests/types.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/define.js';
import { ageTarget, tenantTarget } from './compile.js';
import { eraseAfterNotice, sendNotices } from './inactivity.js';
import { acquireLease, defaultHolder, releaseLease } from './lease.js';
import { subtractDuration } from '../policy/duration.js';
import { resolveAsOf } from './as-of.js';
import { retentionSteps } from './steps.js';
import { sweepRows, type RunContext, type SweepCounts } from './sweep.js';
import { sweepTenants } from './tenant-sweep.js';
import type { RetentionRunOptions, RetentionRunResult, RetentionStep, StepResult } from './types.js';

const DEFAULTS = { budgetMs: 500, initialRows: 1_000, maxRows: 50_000, leaseMs: 60_000 };

/** The steps a run or a plan covers: all, or those of the named rules (each name checked). */
export function selectSteps(policy: Policy, rules: readonly string[] | undefined): RetentionStep[] {
  const steps = retentionSteps(policy);
  if (rules === undefined) return steps;
  const known = new Set(steps.map((s) => s.rule));
  for (const rule of rules) {
    if (!known.has(rule)) throw new CustodianError('ERR_RETENTION_INVALID', `no retention rule ${JSON.stringify(rule)} in the policy`, { hint: `one of: ${[...known].join(', ')}` });
  }
  return steps.filter((s) => rules.includes(s.rule));
}

/** Refuses a policy that does not fit the database: a sweep could otherwise fail half-way. */
export function requireFit(policy: Policy, schema: DatabaseSchema): void {
  const errors = checkPolicy(policy, schema).problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new CustodianError('ERR_RETENTION_REFUSED', `the policy does not fit the database (${errors.length} error${errors.length === 1 ? '' : 's'}, the first ${errors[0]!.code} at ${errors[0]!.path}); nothing was changed`, {
      hint: 'run custodian check and fix what it reports',
    });
  }
}

/**
 * Runs every retention step the policy defines (or those of `rules`), in
 * policy order, each stage of a rule after the one before it. Each step holds
 * its rule's lease and works in batches that commit one by one; a step whose
 * rule another runner holds is skipped and says so. A crash at any point is
 * repaired by running again: every statement selects only what is still due.
 *
 * @example
 * const schema = await introspect(db);
 * const result = await runRetention(db, policy, schema, { progress: (p) => console.error(p) });
 * for (const s of result.steps) console.log(s.rule, s.stage, s.rows);
 */
export async function runRetention(db: Database, policy: Policy, schema: DatabaseSchema, options: RetentionRunOptions = {}): Promise<RetentionRunResult> {
  const steps = selectSteps(policy, options.rules);
  requireFit(policy, schema);
  const budgetMs = positive(options.batchBudgetMs ?? DEFAULTS.budgetMs, 'batchBudgetMs');
  const leaseMs = positive(options.leaseMs ?? DEFAULTS.leaseMs, 'leaseMs');
  const maxRows = positive(options.maxBatchRows ?? DEFAULTS.maxRows, 'maxBatchRows');
  const initialRows = Math.min(maxRows, positive(options.initialBatchRows ?? DEFAULTS.initialRows, 'initialBatchRows'));
  const asOf = await resolveAsOf(db, options.clock);
  const holder = options.holder ?? defaultHolder();
  const started = performance.now();
  // Runs whose process died long ago (no batch for ten minutes) are marked so, not left `running` forever.
  await db.query(`UPDATE custodian.retention_runs SET state = 'interrupted', finished_at = now() WHERE state = 'running' AND heartbeat_at < now() - interval '10 minutes'`);
  const { rows } = await db.query<{ id: string }>(`INSERT INTO custodian.retention_runs (as_of, trigger, holder) VALUES ($1, $2, $3) RETURNING id`, [asOf, options.trigger ?? 'api', holder]);
  const ctx: RunContext = {
    db,
    asOf,
    runId: Number(rows[0]!.id),
    holder,
    leaseMs,
    budgetMs,
    initialRows,
    maxRows,
    signal: options.signal,
    progress: options.progress ?? (() => {}),
    audit: options.audit ?? createAuditAppender(),
    actor: options.actor ?? { type: 'system', id: 'custodian-retention' },
  };
  const results: StepResult[] = [];
  const finish = async (state: 'succeeded' | 'failed', errorCode: string | null) => {
    const total = results.reduce((n, s) => n + s.rows, 0);
    await db.transaction(async (tx) => {
      await tx.query(`UPDATE custodian.retention_runs SET state = $2, finished_at = clock_timestamp(), error_code = $3, steps = $4::jsonb WHERE id = $1`, [
        ctx.runId,
        state,
        errorCode,
        JSON.stringify(results.map(summary)),
      ]);
      // The run's own record in the audit log: counts per step, every run, whole or not.
      await ctx.audit.append(tx, {
        tenant: PLATFORM_TENANT,
        actor: ctx.actor,
        action: 'retention.run',
        target: { type: 'retention_run', id: String(ctx.runId) },
        metadata: { asOf: asOf.toISOString(), state, rows: total, steps: results.map(summary), ...(errorCode ? { error: errorCode } : {}) },
      });
    });
    return total;
  };
  for (const step of steps) {
    const result = await runStep(ctx, policy, schema, step, options);
    results.push(result);
    if (result.error?.code === ABORTED) {
      // Stopped between batches: what committed is recorded, and the caller hears of the stop.
      await finish('failed', ABORTED).catch(() => {});
      throw ctx.signal?.reason ?? new Error('aborted');
    }
    await db.query(`UPDATE custodian.retention_runs SET steps = $2::jsonb, heartbeat_at = now() WHERE id = $1`, [ctx.runId, JSON.stringify(results.map(summary))]);
  }
  const failed = results.filter((r) => r.error !== undefined);
  const state = failed.length > 0 ? 'failed' : 'succeeded';
  const total = await finish(state, failed[0]?.error?.code ?? null);
  return { runId: ctx.runId, state, asOf, steps: results, rows: total, ms: performance.now() - started };
}

const ABORTED = 'ABORTED';

function summary(s: StepResult): Record<string, string | number> {
  return {
    rule: s.rule,
    stage: s.stage,
    action: s.action,
    rows: s.rows,
    batches: s.batches,
    ...(s.skipped ? { skipped: s.skipped } : {}),
    ...(s.cancelled ? { cancelled: s.cancelled } : {}),
    ...(s.failed ? { failed: s.failed } : {}),
    ...(s.error ? { error: s.error.code } : {}),
  };
}

function positive(n: number, name: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new CustodianError('ERR_RETENTION_INVALID', `${name} must be a positive number`);
  return n;
}

/**
 * One step, under its rule's lease. A step that fails part-way keeps what it
 * committed and reports it with its error, and the run goes on with the next
 * step: one unreachable mail server or one blocked delete must not starve
 * every rule after it. A stop (the signal) is reported the same way, and the
 * run then ends.
 */
async function runStep(ctx: RunContext, policy: Policy, schema: DatabaseSchema, step: RetentionStep, options: RetentionRunOptions): Promise<StepResult> {
  const started = performance.now();
  const counts: SweepCounts = { rows: 0, batches: 0, longestStatementMs: 0 };
  const done = (skipped?: StepResult['skipped'], error?: StepResult['error']): StepResult => ({
    ...step,
    rows: counts.rows,
    batches: counts.batches,
    longestStatementMs: counts.longestStatementMs,
    ms: performance.now() - started,
    ...(skipped ? { skipped } : {}),
    ...(counts.cancelled ? { cancelled: counts.cancelled } : {}),
    ...(counts.failed ? { failed: counts.failed } : {}),
    ...(error ? { error } : {}),
  });
  const rule = policy.retention.find((r) => r.id === step.rule);
  if (step.action === 'audit-archive' && !options.auditArchive) return done('no-archive');
  if (rule?.kind === 'inactivity' && !options.mailer) return done('no-mailer');
  if (!(await acquireLease(ctx.db, step.rule, ctx.holder, ctx.leaseMs))) return done('locked');
  let error: StepResult['error'];
  try {
    if (step.action === 'audit-archive') {
      const segments = await archiveAuditLog(ctx.db, { ...options.auditArchive!, before: subtractDuration(ctx.asOf, policy.audit.retention) });
      counts.rows = segments.reduce((n, s) => n + (s.to - s.from + 1), 0);
      counts.batches = segments.length;
    } else if (rule!.kind === 'inactivity') {
      if (step.stage === 1) await sendNotices(ctx, policy, schema, rule!, options.mailer!, counts);
      else await eraseAfterNotice(ctx, policy, schema, rule!, counts);
    } else if (rule!.scope === 'tenant') {
      await sweepTenants(ctx, step, tenantTarget(policy, schema, rule!, step.stage - 1), counts);
    } else {
      await sweepRows(ctx, step.rule, step.stage, ageTarget(policy, schema, rule!, step.stage - 1), counts);
    }
  } catch (e) {
    const aborted = ctx.signal?.aborted === true;
    error = aborted ? { code: ABORTED, message: 'stopped' } : { code: e instanceof CustodianError ? e.code : 'ERR_INTERNAL', message: e instanceof CustodianError ? e.message : 'the step failed unexpectedly' };
  } finally {
    await releaseLease(ctx.db, step.rule, ctx.holder).catch(() => {});
  }
  if (counts.rows > 0 && rule?.kind === 'age') {
    await ctx.audit.appendCommitted(ctx.db, {
      tenant: PLATFORM_TENANT,
      actor: ctx.actor,
      action: 'retention.step',
      target: { type: 'retention_rule', id: step.rule },
      metadata: { run: ctx.runId, rule: step.rule, stage: step.stage, action: step.action, table: step.table ?? null, rows: counts.rows, batches: counts.batches, ...(error ? { error: error.code } : {}) },
    });
  }
  return done(undefined, error);
}
