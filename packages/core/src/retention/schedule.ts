import { describeDuration } from '../policy/duration.js';
import type { Policy } from '../policy/define.js';
import type { AgeRule, Condition, InactivityRule } from '../policy/schema/retention.js';
import { retentionSteps } from './steps.js';

/**
 * The retention table a privacy page publishes, compiled from the steps the
 * retention executor runs (C17). The page renders these entries and nothing
 * else, so a period cannot be promised on the page without being in the
 * policy, nor enforced without being published.
 */

/** What happens to the data when its period ends, in the words a page uses. */
export type ScheduleAction =
  | 'soft-deleted'
  | 'hard-deleted'
  | 'anonymized'
  | 'archived'
  | 'erased after notice'
  | 'anonymized after notice';

export type ScheduleBasis = 'legal' | 'contract' | 'operational';

export interface ScheduleEntry {
  /**
   * The retention rule's `id`; for periods set outside `retention`, the policy
   * path that sets them (`audit.retention`, `logging.retention.hot`). Those
   * contain a dot, which rule ids cannot, so the two never collide.
   */
  ruleId: string;
  /** 1 for a rule's first stage, 2 for the stage after it, and so on. */
  stage: number;
  /** What data, in words: the table's description, or the subject's. */
  data: string;
  /** The rule's own description from the policy. */
  description: string;
  /** Rows the rule is limited to, in words, when it has `where` conditions. */
  scope?: string;
  /** What the clock counts from, in words. */
  from: string;
  /** The period, in words: `180 days`. */
  after: string;
  /** The period as the policy states it: `180d`. */
  duration: string;
  action: ScheduleAction;
  /** For rules that warn first: the notice, and how long after it the erasure follows, in words. */
  notice?: string;
  basis: ScheduleBasis;
  reference?: string;
}

const STAGE_ACTIONS = {
  'soft-delete': 'soft-deleted',
  'hard-delete': 'hard-deleted',
  anonymize: 'anonymized',
} as const satisfies Record<AgeRule['stages'][number]['action'], ScheduleAction>;

/** `completed_at` → `completed at`: column names read as words on a page. */
function words(column: string): string {
  return column.replace(/_/g, ' ');
}

/**
 * A column in words: its description from the policy, else its name; with
 * the table's description when the column lives outside `home`.
 */
function describeColumn(policy: Policy, ref: string, home: string): string {
  const dot = ref.lastIndexOf('.');
  const table = dot === -1 ? home : ref.slice(0, dot);
  const column = dot === -1 ? ref : ref.slice(dot + 1);
  const named = policy.tables[table]?.columns[column]?.description ?? words(column);
  return table === home ? named : `${named} (${policy.tables[table]?.description ?? table})`;
}

function describeCondition(c: Condition): string {
  if ('isNull' in c) return `${words(c.column)} is ${c.isNull ? 'not set' : 'set'}`;
  return `${words(c.column)} is ${typeof c.equals === 'string' ? `“${c.equals}”` : String(c.equals)}`;
}

/** One stage of an age rule; each later stage counts from the moment the previous one ran (C13). */
function ageEntry(policy: Policy, rule: AgeRule, stageIndex: number): ScheduleEntry {
  const own = policy.tables[rule.table]?.description ?? rule.table;
  // A tenant-wide rule acts on everything the tenant owns, not only its own row.
  const data = rule.scope === 'tenant' ? `${own}, and all data held for them` : own;
  const scope = rule.where.length > 0 ? `only where ${rule.where.map(describeCondition).join(' and ')}` : undefined;
  const stage = rule.stages[stageIndex]!;
  const from = stageIndex === 0 ? describeColumn(policy, rule.from, rule.table) : `when ${STAGE_ACTIONS[rule.stages[stageIndex - 1]!.action]}`;
  return {
    ruleId: rule.id,
    stage: stageIndex + 1,
    data,
    description: rule.description,
    from,
    after: describeDuration(stage.after),
    duration: stage.after,
    action: STAGE_ACTIONS[stage.action],
    basis: rule.basis,
    ...(scope !== undefined && { scope }),
    ...(rule.reference !== undefined && { reference: rule.reference }),
  };
}

/**
 * C14: a subject inactive for `after` is sent a notice, and erased
 * `notice.before` later unless they come back.
 */
function inactivityEntry(policy: Policy, rule: InactivityRule): ScheduleEntry {
  const subject = policy.subjects[rule.subject];
  const activity = (subject?.activity ?? []).map((ref) => describeColumn(policy, ref, subject?.table ?? ''));
  return {
    ruleId: rule.id,
    stage: 1,
    data: subject?.description ?? rule.subject,
    description: rule.description,
    from: activity.length > 0 ? `last activity: ${activity.join(', ')}` : 'last activity',
    after: describeDuration(rule.after),
    duration: rule.after,
    action: rule.action === 'anonymize' ? 'anonymized after notice' : 'erased after notice',
    notice: `${rule.notice.channel} notice first; ${rule.action === 'anonymize' ? 'anonymized' : 'erased'} ${describeDuration(rule.notice.before)} later unless they return`,
    basis: rule.basis,
    ...(rule.reference !== undefined && { reference: rule.reference }),
  };
}

/** C6: audit events leave the primary database after `audit.retention`. */
function auditEntry(policy: Policy): ScheduleEntry {
  const archived = policy.audit.archive !== 'none';
  return {
    ruleId: 'audit.retention',
    stage: 1,
    data: 'Audit log events',
    description: archived
      ? 'Audit events move from the primary database to the archive, where each stays retrievable by its id.'
      : 'Audit events are deleted from the primary database; no archive is kept.',
    from: 'when the event was recorded',
    after: describeDuration(policy.audit.retention),
    duration: policy.audit.retention,
    action: archived ? 'archived' : 'hard-deleted',
    // The policy states no basis for audit retention; keeping evidence of access is operational.
    basis: 'operational',
  };
}

/**
 * A6: request logs stay `hot`, then move to a cold archive for `cold`, then
 * are deleted. `cold` is the length of the cold stage, counted from the move,
 * like a chained retention stage.
 */
function logEntries(policy: Policy): ScheduleEntry[] {
  const retention = policy.logging.retention;
  if (!retention) return [];
  const base = { data: 'Server logs', basis: 'operational' as const };
  const hot: ScheduleEntry = {
    ...base,
    ruleId: 'logging.retention.hot',
    stage: 1,
    description: retention.cold ? 'Logs move to a cold archive.' : 'Logs are deleted.',
    from: 'when the line was written',
    after: describeDuration(retention.hot),
    duration: retention.hot,
    action: retention.cold ? 'archived' : 'hard-deleted',
  };
  if (!retention.cold) return [hot];
  const cold: ScheduleEntry = {
    ...base,
    ruleId: 'logging.retention.cold',
    stage: 2,
    description: 'Archived logs are deleted.',
    from: 'when archived',
    after: describeDuration(retention.cold),
    duration: retention.cold,
    action: 'hard-deleted',
  };
  return [hot, cold];
}

/**
 * Every retention period the policy sets, built from the same steps the
 * retention executor runs (`retentionSteps`), in the same order: each stage
 * of each age rule, each inactivity rule (its notice and its erasure as one
 * entry), audit retention; then log retention. Data-subject request
 * deadlines are not retention and are not listed.
 *
 * @example
 * for (const e of retentionSchedule(policy)) console.log(`${e.data}: ${e.action} ${e.after} after ${e.from}`);
 * // Assessment sessions: soft-deleted 180 days after completed at
 * // Assessment sessions: hard-deleted 30 days after when soft-deleted
 */
export function retentionSchedule(policy: Policy): ScheduleEntry[] {
  const entries: ScheduleEntry[] = [];
  for (const step of retentionSteps(policy)) {
    if (step.action === 'audit-archive') {
      entries.push(auditEntry(policy));
      continue;
    }
    const rule = policy.retention.find((r) => r.id === step.rule)!;
    if (rule.kind === 'inactivity') {
      if (step.action === 'notice') entries.push(inactivityEntry(policy, rule));
    } else {
      entries.push(ageEntry(policy, rule, step.stage - 1));
    }
  }
  entries.push(...logEntries(policy));
  return entries;
}
