import type { PolicyData } from '../policy/schema/index.js';
import type { Table } from '../policy/schema/tables.js';
import { CHECK_CODES, type CheckCode } from './codes.js';
import { columnLabel, findColumn, findTable, suggest } from './lookup.js';
import type { CheckProblem } from './report-types.js';
import type { ColumnInfo, DatabaseSchema, TableInfo } from './schema-types.js';

/** What every rule gets: the policy, the database, and a way to report. */
export interface CheckContext {
  policy: PolicyData;
  schema: DatabaseSchema;
  /** The policy's tables with their database counterpart; `db` is undefined when the table is missing. */
  tables: Array<{ name: string; table: Table; db: TableInfo | undefined }>;
  report(code: CheckCode, path: string, message: string, hint: string): void;
  /**
   * The column `name` of database table `db`, or undefined after reporting
   * `column-missing` at `path`. Quiet when the table itself is missing: that
   * is reported once, where the table is declared.
   */
  column(db: TableInfo | undefined, name: string, path: string): ColumnInfo | undefined;
}

export type Rule = (ctx: CheckContext) => void;

export function createContext(policy: PolicyData, schema: DatabaseSchema, problems: CheckProblem[]): CheckContext {
  const seen = new Set<string>();
  const report: CheckContext['report'] = (code, path, message, hint) => {
    const key = `${code}\u0000${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ code, path, message, hint, severity: CHECK_CODES[code].severity });
  };
  return {
    policy,
    schema,
    tables: Object.entries(policy.tables ?? {}).map(([name, table]) => ({ name, table, db: findTable(schema, name) })),
    report,
    column(db, name, path) {
      if (!db) return undefined;
      const column = findColumn(db, name);
      if (!column) {
        report(
          'column-missing',
          path,
          `column ${columnLabel(db, name)} does not exist`,
          suggest(name, Object.keys(db.columns), `add it with a migration, or correct the name in the policy`),
        );
      }
      return column;
    },
  };
}
