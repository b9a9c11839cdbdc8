import { erasureOrder } from '../check/erasure-order.js';
import { rowFate, type RowFate } from '../check/erasure-plan.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { Queryable } from '../db/types.js';
import type { EraseAction, Policy } from '../policy/index.js';
import { subjectTables, type SubjectRef, type SubjectTable } from './subject-rows.js';

export interface PlannedColumn {
  column: string;
  action: EraseAction;
}

export interface PlannedTable {
  table: string;
  /** Rows about the person now. */
  rows: number;
  fate: Exclude<RowFate, 'untouched'>;
  /** For `update`: each column's change. */
  columns: PlannedColumn[];
  /** How the rows are reached: the subject table, an owner column, or a path of foreign keys (hops). */
  via: SubjectTable['via'];
  depth: number;
}

export interface PlannedStep {
  order: number;
  table: string;
  kind: 'update' | 'delete' | 'destroy-keys';
  rows: number;
  /** The statement, for people: values shown, keys as $1 (the person) and $2 (the tenant). */
  sql: string;
}

export interface ErasurePlan {
  subject: SubjectRef;
  tables: PlannedTable[];
  steps: PlannedStep[];
  /** Rows changed or removed in all. */
  rows: number;
  /** A rough figure: a fixed cost per statement and per row, measured on a small server (docs/dsar.md). */
  estimateMs: number;
}

/** Per statement and per row, in milliseconds: what a set-based statement costs on a 2-core PostgreSQL, rounded up. */
const MS_PER_STATEMENT = 2;
const MS_PER_ROW = 0.02;

/**
 * A real dry run of erasing one person: from the policy and the catalog,
 * every table holding rows about them, how many rows each holds right now,
 * what happens to them (columns nulled, replaced, pseudonymised, reassigned,
 * rows deleted, or kept under a retention rule), the statements in the order
 * foreign keys require, and a time estimate. It reads; it changes nothing.
 *
 * @example
 * const [ada] = await findSubjects(db, policy, schema, { subject: 'candidate', identity: 'email', value: 'ada@example.com' });
 * const plan = await planErasure(db, policy, schema, ada);
 */
export async function planErasure(db: Queryable, policy: Policy, schema: DatabaseSchema, subject: SubjectRef): Promise<ErasurePlan> {
  const params = subject.tenant === undefined ? [subject.key] : [subject.key, subject.tenant];
  const tables: PlannedTable[] = [];
  for (const t of subjectTables(policy, schema, subject.subject)) {
    const spec = policy.tables[t.table]!;
    const fate = rowFate(policy, t.table, spec);
    if (fate === 'untouched') continue;
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteQualified(t.table)} t WHERE ${t.where}`, params);
    const columns = fate === 'update' ? Object.entries(spec.columns).flatMap(([column, c]) => (c.erase && isUpdate(c.erase) ? [{ column, action: c.erase }] : [])) : [];
    tables.push({ table: t.table, rows: rows[0]!.n, fate, columns, via: t.via, depth: t.depth });
  }

  const where = new Map(subjectTables(policy, schema, subject.subject).map((t) => [t.table, t.where]));
  const steps: PlannedStep[] = [];
  // Updates first (they remove nothing a key could need), then deletes children before parents.
  for (const t of tables.filter((x) => x.fate === 'update' && x.rows > 0)) {
    const sets = t.columns.map((c) => `${quoteIdent(c.column)} = ${describe(c.action, policy, subject)}`).join(', ');
    steps.push({ order: 0, table: t.table, kind: 'update', rows: t.rows, sql: `UPDATE ${quoteQualified(t.table)} t SET ${sets} WHERE ${where.get(t.table)}` });
  }
  const deleting = tables.filter((x) => x.fate === 'delete' && x.rows > 0).map((x) => x.table);
  for (const table of erasureOrder(deleting, schema).order) {
    const t = tables.find((x) => x.table === table)!;
    steps.push({ order: 0, table, kind: 'delete', rows: t.rows, sql: `DELETE FROM ${quoteQualified(table)} t WHERE ${where.get(table)}` });
  }
  if (usesSubjectKeys(policy, tables)) {
    steps.push({ order: 0, table: 'custodian.data_keys', kind: 'destroy-keys', rows: 1, sql: `UPDATE custodian.data_keys SET wrapped = NULL, state = 'destroyed' WHERE scope = 'subject' AND scope_id = $1` });
  }
  steps.forEach((s, i) => (s.order = i + 1));
  const rows = steps.reduce((n, s) => n + (s.kind === 'destroy-keys' ? 0 : s.rows), 0);
  return { subject, tables, steps, rows, estimateMs: Math.ceil(steps.length * MS_PER_STATEMENT + rows * MS_PER_ROW) };
}

const UPDATES = new Set(['set-null', 'set-literal', 'pseudonymize', 'reassign']);
const isUpdate = (a: EraseAction) => UPDATES.has(a.action);

function describe(action: EraseAction, policy: Policy, subject: SubjectRef): string {
  switch (action.action) {
    case 'set-null':
      return 'NULL';
    case 'set-literal':
      return typeof action.value === 'string' ? `'${action.value.replace(/'/g, "''")}'` : String(action.value);
    case 'pseudonymize':
      return `'${action.template.replace(/'/g, "''")}'`;
    case 'reassign':
      return `'${(policy.subjects[subject.subject]?.placeholder?.key ?? '').replace(/'/g, "''")}' /* placeholder */`;
    default:
      return 'DEFAULT';
  }
}

function usesSubjectKeys(policy: Policy, tables: readonly PlannedTable[]): boolean {
  return tables.some((t) => t.rows > 0 && Object.values(policy.tables[t.table]?.columns ?? {}).some((c) => c.encryption?.keyScope === 'subject'));
}
