// @custodian/core/retention — every kind of data lives exactly as long as the policy says (docs/retention.md).
export { retentionSchedule, type ScheduleEntry, type ScheduleAction, type ScheduleBasis } from './schedule.js';
export { retentionSteps } from './steps.js';
export { runRetention } from './run.js';
export { planRetention } from './plan.js';
export { placeHold, liftHold, listHolds, type PlaceHoldInput } from './holds.js';
export type {
  RetentionStep,
  StepAction,
  RetentionRunOptions,
  RetentionProgress,
  StepResult,
  StepSkip,
  RetentionRunResult,
  PlanOptions,
  PlannedStep,
  RetentionPlan,
  LegalHold,
} from './types.js';
export type { NoticeMailer } from '../mail/send-deletion-notice.js';
