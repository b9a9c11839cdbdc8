import { normalizeTableName } from '../check/lookup.js';
import type { Policy } from '../policy/index.js';
import type { AgeRule } from '../policy/schema/retention.js';

/** The retention rule that finishes an erasure later, and when. */
export interface Deferral {
  rule: string;
  after: string;
  action: AgeRule['stages'][number]['action'];
}

/**
 * Whether erasing a person leaves a table's rows to a retention rule instead
 * of changing them at once: a rule on the table counts from its soft-delete
 * column (`users.deleted_at`, 30 days, anonymize), or from the soft-delete
 * column of another table whose rows the erasure soft-deletes (a profile
 * purged 30 days after its account's `deleted_at`). That is how a policy says
 * "deleting an account soft-deletes it now and a job removes the rest later"
 * (A7, C11); the plan and the privacy page show the rule that does it.
 *
 * The rule's `where` conditions are not applied here: a row they exclude is
 * still only soft-deleted, and `custodian check` is where such a gap shows.
 */
export function deferralOf(policy: Policy, table: string, seen: ReadonlySet<string> = new Set()): Deferral | undefined {
  const name = normalizeTableName(table);
  if (seen.has(name)) return undefined;
  const softDelete = policy.tables[table]?.softDelete;
  for (const rule of policy.retention ?? []) {
    if (rule.kind !== 'age' || normalizeTableName(rule.table) !== name) continue;
    const stage = rule.stages[0]!;
    const dot = rule.from.lastIndexOf('.');
    if (dot < 0) {
      if (softDelete !== undefined && rule.from === softDelete) return { rule: rule.id, after: stage.after, action: stage.action };
      continue;
    }
    const fromTable = rule.from.slice(0, dot);
    const fromColumn = rule.from.slice(dot + 1);
    const other = Object.entries(policy.tables).find(([t]) => normalizeTableName(t) === normalizeTableName(fromTable));
    if (other && other[1].softDelete === fromColumn && deferralOf(policy, other[0], new Set([...seen, name]))) {
      return { rule: rule.id, after: stage.after, action: stage.action };
    }
  }
  return undefined;
}
