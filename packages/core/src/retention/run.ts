import { archiveAuditLog } from '../audit/archive/archive.js';
import { createAuditAppender } from '../audit/index.js';
import { checkPolicy } from '../check/check.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import type { Database } from '../db/types.js';
import { PLATFORM_TENANT } from '../dsar/requests/types.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/define.js';
import { subtractDuration } from './as-of.js';
import { ageTarget, tenantTarget } from './compile.js';
import { eraseAfterNotice, sendNotices } from './inactivity.js';
import { acquireLease, defaultHolder, releaseLease } from './lease.js';
import { resolveAsOf } from './as-of.js';
import { AUDIT_STEP, retentionSteps } from './steps.js';
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
  try {
    for (const step of steps) {
      results.push(await runStep(ctx, policy, schema, step, options));
      await db.query(`UPDATE custodian.retention_runs SET steps = $2::jsonb WHERE id = $1`, [ctx.runId, JSON.stringify(results.map(summary))]);
    }
  } catch (error) {
    const code = error instanceof CustodianError ? error.code : (error as { name?: string })?.name === 'AbortError' ? 'ABORTED' : 'ERR_INTERNAL';
    await db.query(`UPDATE custodian.retention_runs SET state = 'failed', finished_at = clock_timestamp(), error_code = $2, steps = $3::jsonb WHERE id = $1`, [ctx.runId, code, JSON.stringify(results.map(summary))]).catch(() => {});
    throw error;
  }
  const total = results.reduce((n, s) => n + s.rows, 0);
  await db.transaction(async (tx) => {
    await tx.query(`UPDATE custodian.retention_runs SET state = 'succeeded', finished_at = clock_timestamp() WHERE id = $1`, [ctx.runId]);
    // The run's own record in the audit log: counts per step, every run (C6, C13 …).
    await ctx.audit.append(tx, {
      tenant: PLATFORM_TENANT,
      actor: ctx.actor,
      action: 'retention.run',
      target: { type: 'retention_run', id: String(ctx.runId) },
      metadata: { asOf: asOf.toISOString(), rows: total, steps: results.map(summary) },
    });
  });
  return { runId: ctx.runId, asOf, steps: results, rows: total, ms: performance.now() - started };
}

function summary(s: StepResult): Record<string, string | number> {
  return {
    rule: s.rule,
    stage: s.stage,
    action: s.action,
    rows: s.rows,
    batches: s.batches,
    ...(s.skipped ? { skipped: s.skipped } : {}),
    ...(s.cancelled ? { cancelled: s.cancelled } : {}),
  };
}

function positive(n: number, name: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new CustodianError('ERR_RETENTION_INVALID', `${name} must be a positive number`);
  return n;
}

async function runStep(ctx: RunContext, policy: Policy, schema: DatabaseSchema, step: RetentionStep, options: RetentionRunOptions): Promise<StepResult> {
  const started = performance.now();
  const done = (counts: SweepCounts & { cancelled?: number }, skipped?: StepResult['skipped']): StepResult => ({
    ...step,
    rows: counts.rows,
    batches: counts.batches,
    longestStatementMs: counts.longestStatementMs,
    ms: performance.now() - started,
    ...(skipped ? { skipped } : {}),
    ...(counts.cancelled ? { cancelled: counts.cancelled } : {}),
  });
  const none: SweepCounts = { rows: 0, batches: 0, longestStatementMs: 0 };
  if (step.action === 'audit-archive') {
    if (!options.auditArchive) return done(none, 'no-archive');
    const segments = await archiveAuditLog(ctx.db, { ...options.auditArchive, before: subtractDuration(ctx.asOf, policy.audit.retention) });
    return done({ rows: segments.reduce((n, s) => n + (s.to - s.from + 1), 0), batches: segments.length, longestStatementMs: 0 });
  }
  const rule = policy.retention.find((r) => r.id === step.rule)!;
  if (rule.kind === 'inactivity' && !options.mailer) return done(none, 'no-mailer');
  if (!(await acquireLease(ctx.db, step.rule, ctx.holder, ctx.leaseMs))) return done(none, 'locked');
  try {
    let counts: SweepCounts & { cancelled?: number };
    if (rule.kind === 'inactivity') {
      counts = step.stage === 1 ? await sendNotices(ctx, policy, schema, rule, options.mailer!) : await eraseAfterNotice(ctx, policy, schema, rule);
    } else if (rule.scope === 'tenant') {
      counts = await sweepTenants(ctx, step, tenantTarget(policy, schema, rule, step.stage - 1));
    } else {
      counts = await sweepRows(ctx, step.rule, step.stage, ageTarget(policy, schema, rule, step.stage - 1));
    }
    if (counts.rows > 0 && rule.kind === 'age') {
      await ctx.audit.appendCommitted(ctx.db, {
        tenant: PLATFORM_TENANT,
        actor: ctx.actor,
        action: 'retention.step',
        target: { type: 'retention_rule', id: step.rule },
        metadata: { run: ctx.runId, rule: step.rule, stage: step.stage, action: step.action, table: step.table ?? null, rows: counts.rows, batches: counts.batches },
      });
    }
    return done(counts);
  } finally {
    await releaseLease(ctx.db, step.rule, ctx.holder);
  }
}
