import type { DatabaseSchema } from '../check/schema-types.js';
import type { Database } from '../db/types.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/define.js';
import { addDuration, parseDuration, subtractDuration } from '../policy/duration.js';
import { resolveAsOf } from './as-of.js';
import { ageTarget, inactivityTarget, tenantTarget, type RowTarget } from './compile.js';
import { requireFit, selectSteps } from './run.js';
import { countSql } from './sweep.js';
import type { PlanOptions, PlannedStep, RetentionPlan, RetentionStep } from './types.js';

/**
 * What a retention run would do now, and what falls due within the horizon
 * (default 30 days), per step — reading only. "Within the horizon" is judged
 * on the database as it is: a row a first stage has not yet soft-deleted is
 * not counted for the stage after it.
 *
 * @example
 * const plan = await planRetention(db, policy, await introspect(db));
 * for (const s of plan.steps) console.log(`${s.rule} #${s.stage} ${s.action}: ${s.dueNow} now, ${s.dueWithinHorizon} within ${plan.horizon}`);
 */
export async function planRetention(db: Database, policy: Policy, schema: DatabaseSchema, options: PlanOptions = {}): Promise<RetentionPlan> {
  const horizon = options.horizon ?? '30d';
  if (!parseDuration(horizon)) throw new CustodianError('ERR_RETENTION_INVALID', `the horizon ${JSON.stringify(horizon)} is not a duration`, { hint: 'write it like 30d, 12h or 6mo' });
  const steps = selectSteps(policy, options.rules);
  requireFit(policy, schema);
  const asOf = await resolveAsOf(db, options.clock);
  const later = addDuration(asOf, horizon);
  const planned: PlannedStep[] = [];
  for (const step of steps) planned.push({ ...step, description: describe(policy, step), ...(await count(db, policy, schema, step, asOf, later)) });
  return { asOf, horizon, steps: planned };
}

function describe(policy: Policy, step: RetentionStep): string {
  if (step.action === 'audit-archive') return 'Audit events older than the audit retention period move to the archive';
  return policy.retention.find((r) => r.id === step.rule)?.description ?? step.rule;
}

type Counts = Pick<PlannedStep, 'dueNow' | 'dueWithinHorizon' | 'held'>;

async function count(db: Database, policy: Policy, schema: DatabaseSchema, step: RetentionStep, asOf: Date, later: Date): Promise<Counts> {
  if (step.action === 'audit-archive') {
    const q = 'SELECT count(*)::int AS n FROM custodian.audit_events WHERE occurred_at < $1';
    const now = (await db.query<{ n: number }>(q, [subtractDuration(asOf, policy.audit.retention)])).rows[0]!.n;
    const soon = (await db.query<{ n: number }>(q, [subtractDuration(later, policy.audit.retention)])).rows[0]!.n;
    return { dueNow: now, dueWithinHorizon: soon - now, held: 0 };
  }
  const rule = policy.retention.find((r) => r.id === step.rule)!;
  if (rule.kind === 'inactivity' && step.stage === 2) {
    // Notices past their grace period, of people still inactive since (those who came back are cancelled, not erased).
    const t = inactivityTarget(policy, schema, rule);
    const q = `SELECT count(*) FILTER (WHERE ${t.free})::int AS free, count(*) FILTER (WHERE NOT (${t.free}))::int AS held
                 FROM custodian.retention_notices n
                 JOIN ${quoteQualified(t.table)} t ON t.${quoteIdent(t.keyColumn)}::text = n.subject_key
                  AND n.tenant_id IS NOT DISTINCT FROM ${t.tenantColumn ? `t.${quoteIdent(t.tenantColumn)}::text` : 'NULL::text'}
                WHERE n.rule_id = $1 AND n.state = 'pending' AND n.due_at <= $2 AND NOT coalesce(${t.lastActivity} > n.last_activity_at, false)`;
    const now = (await db.query<{ free: number; held: number }>(q, [rule.id, asOf])).rows[0]!;
    const soon = (await db.query<{ free: number; held: number }>(q, [rule.id, later])).rows[0]!;
    return { dueNow: now.free, dueWithinHorizon: soon.free - now.free, held: now.held };
  }
  let target: Pick<RowTarget, 'table' | 'due' | 'free'>;
  if (rule.kind === 'inactivity') target = inactivityTarget(policy, schema, rule);
  else if (rule.scope === 'tenant') target = tenantTarget(policy, schema, rule, step.stage - 1).tenants;
  else target = ageTarget(policy, schema, rule, step.stage - 1);
  const sql = countSql(target);
  const now = (await db.query<{ free: number; held: number }>(sql, [asOf])).rows[0]!;
  const soon = (await db.query<{ free: number; held: number }>(sql, [later])).rows[0]!;
  return { dueNow: now.free, dueWithinHorizon: soon.free - now.free, held: now.held };
}
