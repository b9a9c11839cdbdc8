import { erasureEdges, erasureOrder } from '../check/erasure-order.js';
import { rowFate } from '../check/erasure-plan.js';
import { findColumn, findTable, normalizeTableName } from '../check/lookup.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import { CustodianError } from '../errors.js';
import type { EraseAction, Policy } from '../policy/index.js';
import { deferralOf, type Deferral } from './deferral.js';
import { subjectTables, type SubjectTable } from './subject-rows.js';

/**
 * What erasing a person does to one table now:
 * - `delete`: their rows go;
 * - `update`: their rows stay with columns nulled, replaced, pseudonymised or reassigned
 *   (and the soft-delete column set, when the table has one);
 * - `soft-delete`: only the soft-delete column is set now; a retention rule finishes later;
 * - `deferred`: nothing now; a retention rule removes the rows later (counting from a soft delete);
 * - `keep`: the rows stay as they are (`retain` until a legal rule, or `keep`).
 */
export type ErasureFate = 'delete' | 'update' | 'soft-delete' | 'deferred' | 'keep';

export interface ColumnChange {
  column: string;
  action: EraseAction;
}

export interface ErasureTable extends SubjectTable {
  fate: ErasureFate;
  columns: ColumnChange[];
  /** For `soft-delete` and `deferred`: the retention rule that finishes the job. */
  deferredTo?: Deferral;
}

export type StatementKind = 'update' | 'soft-delete' | 'delete' | 'destroy-keys';

/**
 * One set-based statement of an erasure. Each selects the person's rows
 * afresh when it runs (rows written after a plan are caught) and touches only
 * rows not yet in their erased state, so running it again changes nothing.
 * `$1` is the person's key and `$2` their tenant, when `sql` mentions it.
 */
export interface ErasureStatement {
  table: string;
  kind: StatementKind;
  sql: string;
  /** The same change for at most `limit` rows, for erasures committed batch by batch. */
  batch(limit: number): string;
  /** Counts the rows the statement would change now. */
  pendingSql: string;
}

const UPDATES = new Set(['set-null', 'set-literal', 'pseudonymize', 'reassign']);

/** Every table holding rows about the kind of person, with what erasing one does to it now (`defer: false`: no retention rule finishes later). */
export function erasureTables(policy: Policy, schema: DatabaseSchema, subjectName: string, options: { defer?: boolean } = {}): ErasureTable[] {
  const out: ErasureTable[] = [];
  for (const t of subjectTables(policy, schema, subjectName)) {
    const spec = policy.tables[t.table]!;
    const base = rowFate(policy, t.table, spec);
    if (base === 'untouched') continue;
    const columns = base === 'update' ? Object.entries(spec.columns).flatMap(([column, c]) => (c.erase && UPDATES.has(c.erase.action) ? [{ column, action: c.erase }] : [])) : [];
    // Without deferral (an inactivity erasure, whose notice period was the grace), soft deletes become the final action now.
    const deferredTo = base === 'keep' || options.defer === false ? undefined : deferralOf(policy, t.table);
    const fate: ErasureFate = deferredTo ? (spec.softDelete ? 'soft-delete' : 'deferred') : base;
    out.push({ ...t, fate, columns, ...(deferredTo ? { deferredTo } : {}) });
  }
  return out;
}

/**
 * The statements that erase one person, in an order that works: every
 * statement runs before any other changes what its WHERE reads (a session
 * event found through its session goes before the session is deleted or
 * reassigned), deletes go children before parents as the foreign keys need,
 * and otherwise updates come first. The person's data keys are destroyed
 * last, when the policy seals any of their columns under per-subject keys.
 */
export function erasureStatements(policy: Policy, schema: DatabaseSchema, subjectName: string, tables: readonly ErasureTable[] = erasureTables(policy, schema, subjectName)): ErasureStatement[] {
  const subject = policy.subjects[subjectName]!;
  const keyType = findColumn(findTable(schema, subject.table), subject.key)!.type;
  const planned: Planned[] = [];
  for (const t of tables) {
    const softDelete = policy.tables[t.table]!.softDelete;
    if (t.fate === 'update') {
      const changes = t.columns.map((c) => columnChange(c, keyType, subject.placeholder?.key, subjectName));
      if (softDelete) changes.push({ column: softDelete, set: `${quoteIdent(softDelete)} = coalesce(t.${quoteIdent(softDelete)}, now())`, pending: `t.${quoteIdent(softDelete)} IS NULL` });
      planned.push({ statement: updateStatement(schema, t, 'update', changes), reads: t.reads, writes: changes.map((c) => c.column) });
    } else if (t.fate === 'soft-delete') {
      const change = { column: softDelete!, set: `${quoteIdent(softDelete!)} = now()`, pending: `t.${quoteIdent(softDelete!)} IS NULL` };
      planned.push({ statement: updateStatement(schema, t, 'soft-delete', [change]), reads: t.reads, writes: [change.column] });
    }
  }
  const deleting = tables.filter((t) => t.fate === 'delete');
  const fkOrder = erasureOrder(deleting.map((t) => t.table), schema).order;
  for (const name of fkOrder) {
    const t = deleting.find((x) => x.table === name)!;
    planned.push({ statement: deleteStatement(schema, t), reads: t.reads, writes: '*' });
  }
  const out = ordered(planned, erasureEdges(fkOrder, schema));
  // Shred the person's keys when the policy seals their erased data under them — but not while a
  // table the policy keeps (a legal record) holds values sealed under them: those must stay readable.
  const sealsUnderSubjectKeys = (t: ErasureTable) => Object.values(policy.tables[t.table]?.columns ?? {}).some((c) => c.encryption?.keyScope === 'subject');
  if (tables.some((t) => t.fate !== 'keep' && sealsUnderSubjectKeys(t)) && !tables.some((t) => t.fate === 'keep' && sealsUnderSubjectKeys(t))) {
    const sql = `UPDATE custodian.data_keys SET wrapped = NULL, state = 'destroyed', destroyed_at = now() WHERE scope = 'subject' AND scope_id = $1::text AND state <> 'destroyed'`;
    out.push({ table: 'custodian.data_keys', kind: 'destroy-keys', sql, batch: () => sql, pendingSql: `SELECT count(*)::int AS n FROM custodian.data_keys WHERE scope = 'subject' AND scope_id = $1::text AND state <> 'destroyed'` });
  }
  return out;
}

interface Planned {
  statement: ErasureStatement;
  reads: ErasureTable['reads'];
  /** Columns the statement changes, or every column (a delete). */
  writes: string[] | '*';
}

/**
 * A topological order: A before B when B changes a column A's WHERE reads,
 * and child before parent for deletes; among the ready, the first planned.
 */
function ordered(planned: readonly Planned[], fkEdges: ReturnType<typeof erasureEdges>): ErasureStatement[] {
  const same = (a: string, b: string) => normalizeTableName(a) === normalizeTableName(b);
  const before = planned.map(() => new Set<number>());
  planned.forEach((a, i) =>
    planned.forEach((b, j) => {
      if (i === j) return;
      const changesWhatAReads = a.reads.some((r) => same(r.table, b.statement.table) && (b.writes === '*' || b.writes.includes(r.column)));
      if (changesWhatAReads) before[j]!.add(i);
    }),
  );
  for (const e of fkEdges) {
    const child = planned.findIndex((p) => p.writes === '*' && same(p.statement.table, e.from));
    const parent = planned.findIndex((p) => p.writes === '*' && same(p.statement.table, e.to));
    if (child >= 0 && parent >= 0 && !e.breakable) before[parent]!.add(child);
  }
  const out: ErasureStatement[] = [];
  const placed = new Set<number>();
  while (placed.size < planned.length) {
    const next = planned.findIndex((_, i) => !placed.has(i) && [...before[i]!].every((j) => placed.has(j)));
    if (next < 0) {
      throw new CustodianError('ERR_DSAR_REFUSED', 'the erasure statements depend on each other in a cycle: each changes what another uses to find the person’s rows', {
        hint: 'run custodian check; change an erase action so one of the tables keeps the column the others follow',
      });
    }
    placed.add(next);
    out.push(planned[next]!.statement);
  }
  return out;
}

/** The parameters a statement takes: the tenant only when it mentions `$2`. */
export function statementParams(sql: string, key: string, tenant: string | undefined): unknown[] {
  if (!/\$2\b/.test(sql)) return [key];
  if (tenant === undefined) throw new CustodianError('ERR_CONFIG_INVALID', 'the person has no tenant, but the policy scopes their rows by one', { hint: 'pass the tenant the person belongs to' });
  return [key, tenant];
}

interface Change {
  column: string;
  set: string;
  /** True for a row whose column is not yet in its erased state. */
  pending: string;
}

export function columnChange(c: ColumnChange, keyType: string, placeholder: string | undefined, subjectName: string): Change {
  const col = `t.${quoteIdent(c.column)}`;
  const target = quoteIdent(c.column);
  switch (c.action.action) {
    case 'set-null':
      return { column: c.column, set: `${target} = NULL`, pending: `${col} IS NOT NULL` };
    case 'set-literal': {
      const value = literal(c.action.value);
      return { column: c.column, set: `${target} = ${value}`, pending: `${col} IS DISTINCT FROM ${value}` };
    }
    case 'pseudonymize': {
      // A value already in the template's shape (or NULL) is left alone, so a second run keeps the first run's pseudonym.
      const shape = literal(templatePattern(c.action.template));
      const fresh = `replace(${literal(c.action.template)}, '{uuid}', gen_random_uuid()::text)`;
      return { column: c.column, set: `${target} = CASE WHEN ${col} IS NULL OR ${col}::text ~ ${shape} THEN ${col} ELSE ${fresh} END`, pending: `${col}::text !~ ${shape}` };
    }
    case 'reassign': {
      if (placeholder === undefined) {
        throw new CustodianError('ERR_CONFIG_INVALID', `the policy reassigns a column to subject ${subjectName}'s placeholder, but declares none`, { hint: 'add placeholder: { key } to the subject' });
      }
      // Only the person's own references move; a row reached through another owner keeps its writer.
      return { column: c.column, set: `${target} = CASE WHEN ${col} = $1::${keyType} THEN ${literal(placeholder)}::${keyType} ELSE ${col} END`, pending: `${col} = $1::${keyType}` };
    }
    default:
      throw new CustodianError('ERR_CONFIG_INVALID', `erase action ${c.action.action} does not change a column`);
  }
}

function updateStatement(schema: DatabaseSchema, t: ErasureTable, kind: 'update' | 'soft-delete', changes: Change[]): ErasureStatement {
  const table = quoteQualified(t.table);
  const pending = changes.map((c) => c.pending).join(' OR ');
  const where = `(${t.where}) AND (${pending})`;
  const sets = changes.map((c) => c.set).join(', ');
  return {
    table: t.table,
    kind,
    sql: `UPDATE ${table} t SET ${sets} WHERE ${where}`,
    batch: (limit) => `UPDATE ${table} t SET ${sets} WHERE ${rowsOf(schema, t.table, where, limit)}`,
    pendingSql: `SELECT count(*)::int AS n FROM ${table} t WHERE ${where}`,
  };
}

function deleteStatement(schema: DatabaseSchema, t: ErasureTable): ErasureStatement {
  const table = quoteQualified(t.table);
  return {
    table: t.table,
    kind: 'delete',
    sql: `DELETE FROM ${table} t WHERE ${t.where}`,
    batch: (limit) => `DELETE FROM ${table} t WHERE ${rowsOf(schema, t.table, t.where, limit)}`,
    pendingSql: `SELECT count(*)::int AS n FROM ${table} t WHERE ${t.where}`,
  };
}

/**
 * A condition naming at most `limit` of the rows `where` selects, by primary
 * key (or `ctid` without one). The sub-query declares its own alias `t`,
 * which hides the outer statement's inside it, so `where` reads the same there.
 */
function rowsOf(schema: DatabaseSchema, name: string, where: string, limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new CustodianError('ERR_CONFIG_INVALID', 'the batch size must be a positive integer');
  const pk = findTable(schema, name)?.primaryKey ?? [];
  const keys = pk.length > 0 ? pk.map((c) => `t.${quoteIdent(c)}`) : ['t.ctid'];
  const tuple = keys.length === 1 ? keys[0]! : `(${keys.join(', ')})`;
  return `${tuple} IN (SELECT ${keys.join(', ')} FROM ${quoteQualified(name)} t WHERE ${where} LIMIT ${limit})`;
}

/** A SQL literal for a value from the policy (never from a request). */
export function literal(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CustodianError('ERR_CONFIG_INVALID', 'an erase literal must be a finite number');
    return String(value);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/** A POSIX regular expression matching the template's output: `{uuid}` a UUID, the rest literally. */
function templatePattern(template: string): string {
  const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
  return `^${template.split('{uuid}').map((part) => part.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join(uuid)}$`;
}
