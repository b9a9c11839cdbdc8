import type { CheckProblem, CheckReport } from './report-types.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function line(problem: CheckProblem): string {
  const mark = problem.severity === 'error' ? '✗' : '⚠';
  return `  ${mark} ${problem.path}  ${problem.message} — hint: ${problem.hint} [${problem.code}]`;
}

/**
 * The report as text for a terminal: errors, then warnings, one line each
 * with the policy path to fix, the problem, a hint and the stable code; then a
 * summary and the erasure order. No colour, so it reads the same in a log.
 */
export function formatCheckReport(report: CheckReport): string {
  const { summary: s } = report;
  const out: string[] = [];
  const errors = report.problems.filter((p) => p.severity === 'error');
  const warnings = report.problems.filter((p) => p.severity === 'warning');
  out.push(
    report.ok
      ? `✓ the policy fits the database${warnings.length ? ` (${plural(warnings.length, 'warning')})` : ''}`
      : `✗ the policy does not fit the database: ${plural(errors.length, 'error')}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}`,
  );
  if (errors.length > 0) out.push('', `Errors (${errors.length})`, ...errors.map(line));
  if (warnings.length > 0) out.push('', `Warnings (${warnings.length})`, ...warnings.map(line));
  out.push(
    '',
    `Checked ${plural(s.tables, 'table')} (${s.databaseTables} in the database), ${plural(s.columns, 'column')} ` +
      `(${s.personalColumns} personal, ${s.encryptedColumns} encrypted), ${plural(s.subjects, 'subject')}, ${s.ownedTables} owned by a subject.`,
    `Erasure order: ${report.erasureOrder.length > 0 ? report.erasureOrder.join(' → ') : '(no table\'s rows are deleted on erasure)'}`,
  );
  return out.join('\n');
}
