import type { Policy } from '../policy/define.js';
import type { RetentionStep } from './types.js';

/** The audit log's own period (C6) is a step of the schedule like any rule's. */
export const AUDIT_STEP = 'audit.retention';

/**
 * Every step the retention executor runs, from the policy alone, in policy
 * order: each stage of each age rule, the two halves of each inactivity rule
 * (the notice, then the erasure), and audit archival. The executor runs these
 * and only these, and the published schedule (`retentionSchedule`) lists
 * the same rules (C17; a test holds the two together).
 */
export function retentionSteps(policy: Policy): RetentionStep[] {
  const steps: RetentionStep[] = [];
  for (const rule of policy.retention) {
    if (rule.kind === 'inactivity') {
      const table = policy.subjects[rule.subject]?.table;
      const on = table === undefined ? {} : { table };
      steps.push({ rule: rule.id, stage: 1, action: 'notice', scope: 'subject', ...on }, { rule: rule.id, stage: 2, action: 'erase-after-notice', scope: 'subject', ...on });
      continue;
    }
    rule.stages.forEach((stage, i) => steps.push({ rule: rule.id, stage: i + 1, action: stage.action, table: rule.table, scope: rule.scope }));
  }
  steps.push({ rule: AUDIT_STEP, stage: 1, action: 'audit-archive', scope: 'audit' });
  return steps;
}
