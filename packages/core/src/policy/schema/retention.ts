import { z } from 'zod';
import { columnRef, duration, identifier, slug, tableName, text } from './common.js';

/**
 * One step of an age rule. The first stage's `after` counts from the rule's
 * `from` column; each later stage counts from the moment the previous stage
 * ran (C13: soft-deleted 180 days after completion, hard-deleted 30 days later).
 */
export const stageSchema = z.strictObject({
  after: duration,
  action: z.enum(['soft-delete', 'hard-delete', 'anonymize']),
  /** A timestamp column the stage sets when it runs, e.g. `anonymized_at`; the next stage counts from it. */
  mark: identifier.optional(),
});

/** Restricts a rule to some rows without writing SQL: every condition must hold. */
export const conditionSchema = z.union([
  z.strictObject({ column: identifier, equals: z.union([z.string(), z.number(), z.boolean()]) }),
  z.strictObject({ column: identifier, isNull: z.boolean() }),
]);

const common = {
  id: slug,
  description: text,
  /** Why this period: a law, a contract, or an operational need. Shown on the privacy page. */
  basis: z.enum(['legal', 'contract', 'operational']),
  /** e.g. `IRS record-keeping (26 CFR 1.6001-1)`. */
  reference: text.optional(),
};

export const ageRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('age').default('age'),
  table: tableName,
  /** The timestamp the age is measured from: a column of `table`, or `table.column` reached through its owner. */
  from: z.union([identifier, columnRef]),
  where: z.array(conditionSchema).default([]),
  /**
   * `rows`: the stages act on the rule's own rows. `tenant`: the rule's table
   * is the tenant table (`tenants.table`), and each stage acts on the tenant's
   * row and on every row of every table carrying its tenant column (C15: a
   * company's data anonymized 30 days after its contract ends).
   */
  scope: z.enum(['rows', 'tenant']).default('rows'),
  stages: z.array(stageSchema).min(1, { error: 'a rule needs at least one stage' }).max(4),
});

/**
 * A subject inactive for `after` is sent a notice; `notice.before` later they
 * are erased unless they came back meanwhile, which cancels it (C14).
 */
export const inactivityRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('inactivity'),
  subject: slug,
  after: duration,
  notice: z.strictObject({
    /** Time between the notice and the erasure: the grace period. */
    before: duration,
    channel: z.literal('email').default('email'),
  }),
  action: z.enum(['erase', 'anonymize']).default('erase'),
});

export const retentionRuleSchema = z.union([inactivityRuleSchema, ageRuleSchema]);

export type Stage = z.output<typeof stageSchema>;
export type Condition = z.output<typeof conditionSchema>;
export type AgeRule = z.output<typeof ageRuleSchema>;
export type InactivityRule = z.output<typeof inactivityRuleSchema>;
export type RetentionRule = z.output<typeof retentionRuleSchema>;
