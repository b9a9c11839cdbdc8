import type { CheckCode, Severity } from './codes.js';

/** One way the policy does not fit the database. Names tables, columns and types; never a row value. */
export interface CheckProblem {
  code: CheckCode;
  /** Where in the policy to fix it, e.g. `tables.users.columns.email.erase`. */
  path: string;
  message: string;
  hint: string;
  severity: Severity;
}

export interface CheckSummary {
  /** Tables the policy declares. */
  tables: number;
  /** Tables found in the database (outside Custodian's own schema). */
  databaseTables: number;
  /** Columns the policy declares. */
  columns: number;
  personalColumns: number;
  encryptedColumns: number;
  subjects: number;
  /** Policy tables whose rows belong to a subject (an owner, or the subject table itself). */
  ownedTables: number;
  errors: number;
  warnings: number;
}

/** The result of checking a policy against a database; plain data, safe to print as JSON. */
export interface CheckReport {
  /** True when there is no error; warnings alone do not fail a check. */
  ok: boolean;
  problems: CheckProblem[];
  /**
   * The tables whose rows erasing a subject deletes, in an order that
   * deletes referencing rows before the rows they reference.
   */
  erasureOrder: string[];
  summary: CheckSummary;
}
