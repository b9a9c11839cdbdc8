import type { Queryable } from '../db/types.js';
import type { Policy } from '../policy/define.js';
import { isPersonal } from '../policy/personal.js';
import { ownersOf } from '../policy/semantics.js';
import { createContext, type Rule } from './context.js';
import { isSubjectTable } from './erasure-plan.js';
import { introspect, type IntrospectOptions } from './introspect.js';
import type { CheckProblem, CheckReport } from './report-types.js';
import { coverageRule } from './rules/coverage.js';
import { encryptionRule } from './rules/encryption.js';
import { eraseActionsRule } from './rules/erase-actions.js';
import { erasureRule } from './rules/erasure.js';
import { ownersRule } from './rules/owners.js';
import { retentionRule } from './rules/retention.js';
import { subjectsRule } from './rules/subjects.js';
import { tablesRule } from './rules/tables.js';
import { tenancyRule, tenantTableRule } from './rules/tenancy.js';
import type { DatabaseSchema } from './schema-types.js';

/** In this order, so a missing table is reported before anything about its columns. */
const RULES: Rule[] = [tablesRule, subjectsRule, ownersRule, eraseActionsRule, encryptionRule, retentionRule, tenancyRule, tenantTableRule, coverageRule];

/**
 * Checks a validated policy against a database's structure, as `introspect`
 * read it. Pure: the same inputs give the same report. Every problem names
 * where in the policy to fix it; none carries a row value.
 *
 * @example
 * const report = checkPolicy(policy, await introspect(db));
 * if (!report.ok) console.error(formatCheckReport(report));
 */
export function checkPolicy(policy: Policy, schema: DatabaseSchema): CheckReport {
  const problems: CheckProblem[] = [];
  const ctx = createContext(policy, schema, problems);
  for (const rule of RULES) rule(ctx);
  const erasureOrder = erasureRule(ctx);

  let columns = 0;
  let personalColumns = 0;
  let encryptedColumns = 0;
  let ownedTables = 0;
  for (const [name, table] of Object.entries(policy.tables)) {
    if (ownersOf(table).length > 0 || isSubjectTable(policy, name)) ownedTables++;
    for (const column of Object.values(table.columns ?? {})) {
      columns++;
      if (isPersonal(column)) personalColumns++;
      if (column.encryption) encryptedColumns++;
    }
  }
  // Errors first; within a severity, the order the rules found them (a table before its columns).
  const sorted = [...problems.filter((p) => p.severity === 'error'), ...problems.filter((p) => p.severity === 'warning')];
  const errors = problems.length - problems.filter((p) => p.severity === 'warning').length;
  return {
    ok: errors === 0,
    problems: sorted,
    erasureOrder,
    summary: {
      tables: Object.keys(policy.tables).length,
      databaseTables: Object.keys(schema.tables).length,
      columns,
      personalColumns,
      encryptedColumns,
      subjects: Object.keys(policy.subjects).length,
      ownedTables,
      errors,
      warnings: problems.length - errors,
    },
  };
}

/** Introspects `db` and checks `policy` against it. */
export async function checkDatabase(db: Queryable, policy: Policy, options: IntrospectOptions = {}): Promise<CheckReport> {
  return checkPolicy(policy, await introspect(db, options));
}
