import { CustodianError } from '../errors.js';
import type { CheckReport } from './report-types.js';

/**
 * Thrown by `assertPolicyFits` when a check finds errors, for callers that
 * must refuse to start (a server, a migration) rather than print a report.
 * The problems travel in `report`, not in the message.
 */
export class PolicyCheckError extends CustodianError {
  readonly report: CheckReport;
  constructor(report: CheckReport) {
    const n = report.summary.errors;
    super('ERR_POLICY_CHECK_FAILED', `the policy does not fit the database: ${n} problem${n === 1 ? '' : 's'}`, {
      hint: 'run `custodian check` to see each problem with its path and a fix',
    });
    this.report = report;
  }
}

/** Throws `PolicyCheckError` unless the report has no errors; warnings pass. */
export function assertPolicyFits(report: CheckReport): void {
  if (!report.ok) throw new PolicyCheckError(report);
}
