import type { AuditAppender } from '../audit/index.js';
import type { ArchiveOptions } from '../audit/archive/archive.js';
import type { ActorType } from '../audit/types.js';
import type { Clock } from '../jobs/clock.js';
import type { NoticeMailer } from '../mail/send-deletion-notice.js';

/**
 * What one step of the retention schedule does. `audit-archive` is the
 * policy's `audit.retention`: events older than it move to the archive (C6).
 */
export type StepAction = 'soft-delete' | 'hard-delete' | 'anonymize' | 'notice' | 'erase-after-notice' | 'audit-archive';

/** One step the executor runs: a stage of an age rule, one half of an inactivity rule, or audit archival. */
export interface RetentionStep {
  /** The rule's id (`session-data`), or `audit.retention`. */
  rule: string;
  /** 1, 2 … for the stages of an age rule; inactivity rules have stage 1 (the notice) and 2 (the erasure). */
  stage: number;
  action: StepAction;
  /** The table the step acts on (the tenant table for tenant-wide rules, the subject's table for inactivity). */
  table?: string;
  /** `tenant` when a stage acts on everything a tenant owns (C15). */
  scope: 'rows' | 'tenant' | 'subject' | 'audit';
}

export interface RetentionRunOptions {
  /** Decisions use the database clock, read once at the start of a run; tests pass a clock to move time. */
  clock?: Clock;
  /** Only these rule ids (default: every rule, and audit archival when `auditArchive` is given). */
  rules?: readonly string[];
  /** Each batch statement aims to take about this long; batch sizes adapt to it. Default 500 ms. */
  batchBudgetMs?: number;
  /** Rows in the first batch of each step (default 1,000); later batches grow or shrink to the budget. */
  initialBatchRows?: number;
  /** Upper bound on rows per batch (default 50,000). */
  maxBatchRows?: number;
  /** Stops between batches; what committed stays, and the next run carries on. */
  signal?: AbortSignal;
  /** Called after every batch. */
  progress?: (p: RetentionProgress) => void;
  audit?: AuditAppender;
  /** Who runs it (default: the system, `custodian-retention`). */
  actor?: { type: ActorType; id: string };
  /** Sends the inactivity notices (C14); without it, inactivity rules are skipped and say so. */
  mailer?: NoticeMailer;
  /** Runs `audit.retention` (C6): where archive segments go and who signs them. Without it, that step is skipped and says so. */
  auditArchive?: Omit<ArchiveOptions, 'before' | 'tenant'>;
  /** How long a runner's claim on a rule lasts without renewal (default 60 s); each batch renews it. */
  leaseMs?: number;
  /** Names this runner in the lease table (default: host, process id and a random suffix). */
  holder?: string;
  /** Recorded with the run: `cli`, `job`, `test`. */
  trigger?: string;
}

export interface RetentionProgress {
  rule: string;
  stage: number;
  /** Rows this step has changed so far in this run. */
  rows: number;
  batches: number;
}

export type StepSkip = 'locked' | 'no-mailer' | 'no-archive';

export interface StepResult extends RetentionStep {
  /** Rows deleted, soft-deleted or anonymized; for notices, people notified; for erasures, people erased. */
  rows: number;
  batches: number;
  /** The slowest single batch statement, in ms. */
  longestStatementMs: number;
  ms: number;
  /** Set when the step did not run, with why. */
  skipped?: StepSkip;
  /** For inactivity erasures: notices cancelled (the person came back, is gone, or is held). */
  cancelled?: number;
  /** For inactivity notices: recipients the mail server refused. */
  failed?: number;
  /** Set when the step failed part-way: what it did before is in the counts and stays done; later steps still ran. */
  error?: { code: string; message: string };
}

export interface RetentionRunResult {
  runId: number;
  /** `failed` when any step failed (see each step's `error`); the other steps ran all the same. */
  state: 'succeeded' | 'failed';
  /** The time every decision of this run was measured against. */
  asOf: Date;
  steps: StepResult[];
  rows: number;
  ms: number;
}

export interface PlanOptions {
  clock?: Clock;
  /** How far ahead to look (default `30d`). */
  horizon?: string;
  rules?: readonly string[];
}

export interface PlannedStep extends RetentionStep {
  description: string;
  /**
   * What the step would act on if it ran now: rows; for a tenant-wide stage,
   * tenants (a run's `rows` counts every row it changes in them); for an
   * inactivity rule, people.
   */
  dueNow: number;
  /** Rows that fall due after now and within the horizon, given what is in the database now. */
  dueWithinHorizon: number;
  /** Rows due now that a legal hold keeps. */
  held: number;
}

export interface RetentionPlan {
  asOf: Date;
  horizon: string;
  steps: PlannedStep[];
}

/** A legal hold: while it stands, no retention step and no erasure deletes or anonymizes what it covers. */
export interface LegalHold {
  id: number;
  /** The tenant held, or the tenant of the held person. */
  tenant: string | null;
  /** The held person, when the hold is on one person. */
  subject: { subject: string; key: string } | null;
  reason: string;
  reference: string | null;
  setBy: { type: ActorType; id: string };
  setAt: Date;
  liftedAt: Date | null;
  liftedBy: { type: ActorType; id: string } | null;
  liftReason: string | null;
}
