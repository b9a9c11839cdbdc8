import type { DatabaseSchema } from '../check/schema-types.js';
import { quoteQualified } from '../db/identifier.js';
import type { Queryable } from '../db/types.js';
import type { Policy } from '../policy/index.js';
import type { Deferral } from './deferral.js';
import { erasureStatements, erasureTables, statementParams, type ColumnChange, type ErasureFate, type StatementKind } from './erasure-statements.js';
import type { SubjectRef, SubjectTable } from './subject-rows.js';

export type PlannedColumn = ColumnChange;

export interface PlannedTable {
  table: string;
  /** Rows about the person now. */
  rows: number;
  /** What erasure does to them now (`soft-delete` and `deferred`: a retention rule finishes later). */
  fate: ErasureFate;
  /** For `update`: each column's change. */
  columns: PlannedColumn[];
  /** The retention rule that removes the rows later, for `soft-delete` and `deferred`. */
  deferredTo?: Deferral;
  /** How the rows are reached: the subject table, an owner column, or a path of foreign keys (hops). */
  via: SubjectTable['via'];
  depth: number;
}

export interface PlannedStep {
  order: number;
  table: string;
  kind: StatementKind;
  /** Rows the statement changes or removes now (keys: 1 per key not yet destroyed). */
  rows: number;
  /** The statement that runs: the person's key is $1 and their tenant $2. */
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
  const erasing = erasureTables(policy, schema, subject.subject);
  const tables: PlannedTable[] = [];
  for (const t of erasing) {
    const sql = `SELECT count(*)::int AS n FROM ${quoteQualified(t.table)} t WHERE ${t.where}`;
    const { rows } = await db.query<{ n: number }>(sql, statementParams(sql, subject.key, subject.tenant));
    tables.push({ table: t.table, rows: rows[0]!.n, fate: t.fate, columns: t.columns, ...(t.deferredTo ? { deferredTo: t.deferredTo } : {}), via: t.via, depth: t.depth });
  }
  const steps: PlannedStep[] = [];
  for (const s of erasureStatements(policy, schema, subject.subject, erasing)) {
    const { rows } = await db.query<{ n: number }>(s.pendingSql, statementParams(s.pendingSql, subject.key, subject.tenant));
    if (rows[0]!.n > 0) steps.push({ order: steps.length + 1, table: s.table, kind: s.kind, rows: rows[0]!.n, sql: s.sql });
  }
  const rows = steps.reduce((n, s) => n + (s.kind === 'destroy-keys' ? 0 : s.rows), 0);
  return { subject, tables, steps, rows, estimateMs: Math.ceil(steps.length * MS_PER_STATEMENT + rows * MS_PER_ROW) };
}
