import { TIME_KINDS } from '../check/column-kind.js';
import { rowFate } from '../check/erasure-plan.js';
import { erasureOrder } from '../check/erasure-order.js';
import { findColumn, findTable, normalizeTableName, splitColumnRef } from '../check/lookup.js';
import type { DatabaseSchema, TableInfo } from '../check/schema-types.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import { columnChange, literal } from '../dsar/erasure-statements.js';
import { subjectTables } from '../dsar/subject-rows.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/define.js';
import { toInterval } from '../policy/duration.js';
import type { AgeRule, Condition, InactivityRule } from '../policy/schema/retention.js';

/**
 * The SQL of the retention steps, compiled from the policy against the
 * database's catalog. Every statement reads the run's time as `$1`
 * (timestamptz): decisions never read the clock themselves, so a run is
 * measured against one instant and tests can move time.
 */

/** A table's primary key, with the catalog's types to cast keyset parameters back. */
export interface KeyColumn {
  column: string;
  type: string;
}

/** Rows one step acts on, and what it does to them. */
export interface RowTarget {
  table: string;
  key: KeyColumn[];
  /** Over alias `t`: the row is due at `$1`. */
  due: string;
  /** Over alias `t`: no standing legal hold covers the row (`true` when none could). */
  free: string;
  /** `delete`, or the SET list of an UPDATE (may read `$1`). */
  change: 'delete' | { set: string };
  /**
   * The age column of the rule's own table, when the stage counts from one:
   * batches page by (this column, primary key) when an index leads with it,
   * so a scan stops where the due rows end instead of reading on to the end
   * of the table.
   */
  clock?: KeyColumn;
}

const UPDATES = new Set(['set-null', 'set-literal', 'pseudonymize']);

function refused(message: string, hint?: string): never {
  throw new CustodianError('ERR_RETENTION_REFUSED', message, hint === undefined ? {} : { hint });
}

export function tableInfo(schema: DatabaseSchema, table: string): TableInfo {
  const info = findTable(schema, table);
  if (!info) refused(`the database has no table ${table} that the retention policy names`, 'run custodian check');
  return info;
}

export function keyOf(schema: DatabaseSchema, table: string): KeyColumn[] {
  const info = tableInfo(schema, table);
  if (info.primaryKey.length === 0) refused(`table ${table} has no primary key, which retention sweeps page by`, 'add a primary key to the table');
  return info.primaryKey.map((column) => ({ column, type: findColumn(info, column)!.type }));
}

function conditionSql(c: Condition): string {
  const col = `t.${quoteIdent(c.column)}`;
  if ('isNull' in c) return `${col} IS ${c.isNull ? '' : 'NOT '}NULL`;
  return `${col} = ${literal(c.equals)}`;
}

/** `column <= $1 - period`, written so an index on the column serves it. */
function olderThan(column: string, period: string): string {
  return `${column} <= $1::timestamptz - interval '${toInterval(period)}'`;
}

/** Column changes that anonymize a table's rows: its columns' set-null, set-literal and pseudonymize actions. */
export function anonymizeChanges(policy: Policy, table: string): Array<{ column: string; set: string; pending: string }> {
  const columns = policy.tables[table]?.columns ?? {};
  return Object.entries(columns).flatMap(([column, c]) => (c.erase && UPDATES.has(c.erase.action) ? [columnChange({ column, action: c.erase }, 'text', undefined, '')] : []));
}

const holdCache = new WeakMap<Policy, WeakMap<DatabaseSchema, Map<string, string>>>();

/**
 * Over alias `t`: no standing legal hold covers the row — neither a hold on
 * its tenant, nor one on a person the policy says the row is about (found
 * the way an erasure finds that person's rows, with the hold's key in place
 * of the person's).
 */
export function freeOfHolds(policy: Policy, schema: DatabaseSchema, table: string): string {
  let bySchema = holdCache.get(policy);
  if (!bySchema) holdCache.set(policy, (bySchema = new WeakMap()));
  let cache = bySchema.get(schema);
  if (!cache) bySchema.set(schema, (cache = new Map()));
  const cacheKey = normalizeTableName(table);
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit;
  const clauses: string[] = [];
  const tenant = policy.tables[table]?.tenant;
  if (tenant) {
    clauses.push(`NOT EXISTS (SELECT 1 FROM custodian.legal_holds lh WHERE lh.lifted_at IS NULL AND lh.subject_key IS NULL AND lh.tenant_id = t.${quoteIdent(tenant)}::text)`);
  }
  for (const name of Object.keys(policy.subjects)) {
    const found = subjectTables(policy, schema, name).find((s) => normalizeTableName(s.table) === normalizeTableName(table));
    if (!found) continue;
    const where = found.where.replace(/\$1\b/g, 'lh.subject_key').replace(/\$2\b/g, 'lh.tenant_id');
    clauses.push(`NOT EXISTS (SELECT 1 FROM custodian.legal_holds lh WHERE lh.lifted_at IS NULL AND lh.subject_type = ${literal(name)} AND (${where}))`);
  }
  const sql = clauses.length === 0 ? 'true' : clauses.join(' AND ');
  cache.set(cacheKey, sql);
  return sql;
}

/**
 * Where a stage's clock starts: the rule's `from` for the first stage; for a
 * later one, the column the previous stage wrote when it ran — its `mark`, or
 * the soft-delete column a soft delete sets (C13).
 */
function stageClock(policy: Policy, rule: AgeRule, stage: number): string {
  if (stage === 0) return rule.from;
  const previous = rule.stages[stage - 1]!;
  if (previous.mark) return previous.mark;
  const softDelete = policy.tables[rule.table]?.softDelete;
  if (previous.action === 'soft-delete' && softDelete) return softDelete;
  return refused(
    `retention rule ${rule.id}: stage ${stage + 1} counts from when stage ${stage} ran, which records no time`,
    `give stage ${stage} a mark column (e.g. mark: 'anonymized_at')`,
  );
}

/**
 * The age condition for a clock column: on the rule's table, or on another
 * table reached through the rule table's owner (`users.deleted_at` for a
 * profile owned by its user) or its tenant column (the tenant table).
 */
function ageCondition(policy: Policy, schema: DatabaseSchema, rule: AgeRule, clock: string, period: string): string {
  if (!clock.includes('.')) return olderThan(`t.${quoteIdent(clock)}`, period);
  const { table: other, column } = splitColumnRef(clock);
  const link = linkTo(policy, schema, rule.table, other);
  if (!link) {
    return refused(
      `retention rule ${rule.id} measures from ${clock}, but ${rule.table} reaches ${other} neither through an owner nor through its tenant column`,
      'measure from a column of the rule’s table, of its owning subject’s table, or of the tenant table',
    );
  }
  return `EXISTS (SELECT 1 FROM ${quoteQualified(other)} o WHERE ${link} AND ${olderThan(`o.${quoteIdent(column)}`, period)})`;
}

/** A condition tying row `t` of `table` to row `o` of `other`, or undefined. */
function linkTo(policy: Policy, schema: DatabaseSchema, table: string, other: string): string | undefined {
  for (const [name, subject] of Object.entries(policy.subjects)) {
    if (normalizeTableName(subject.table) !== other) continue;
    const found = subjectTables(policy, schema, name).find((s) => normalizeTableName(s.table) === normalizeTableName(table));
    if (!found) continue;
    const tenant = subject.tenant ? `o.${quoteIdent(subject.tenant)}` : 'NULL';
    return `(${found.where.replace(/\$1\b/g, `o.${quoteIdent(subject.key)}`).replace(/\$2\b/g, tenant)})`;
  }
  const tenants = policy.tenants;
  const tenantColumn = policy.tables[table]?.tenant;
  if (tenants && tenantColumn && normalizeTableName(tenants.table) === other) return `o.${quoteIdent(tenants.key)} = t.${quoteIdent(tenantColumn)}`;
  return undefined;
}

/** Over `t`: the stage has not yet been applied to the row. */
function notYetDone(policy: Policy, rule: AgeRule, stage: number): string[] {
  const s = rule.stages[stage]!;
  if (s.action === 'hard-delete') return [];
  if (s.mark) return [`t.${quoteIdent(s.mark)} IS NULL`];
  if (s.action === 'soft-delete') return [`t.${quoteIdent(policy.tables[rule.table]!.softDelete!)} IS NULL`];
  const pending = anonymizeChanges(policy, rule.table).map((c) => c.pending);
  if (pending.length === 0) refused(`retention rule ${rule.id} anonymizes ${rule.table}, whose columns have no erase actions`, 'run custodian check');
  return [`(${pending.join(' OR ')})`];
}

/** The rows stage `stage` (0-based) of an age rule acts on, and how. */
export function ageTarget(policy: Policy, schema: DatabaseSchema, rule: AgeRule, stage: number): RowTarget {
  const s = rule.stages[stage]!;
  const due = [
    ageCondition(policy, schema, rule, stageClock(policy, rule, stage), s.after),
    ...rule.where.map(conditionSql),
    ...notYetDone(policy, rule, stage),
  ].join(' AND ');
  const mark = s.mark ? [`${quoteIdent(s.mark)} = $1::timestamptz`] : [];
  let change: RowTarget['change'];
  if (s.action === 'hard-delete') change = 'delete';
  else if (s.action === 'soft-delete') {
    const column = policy.tables[rule.table]?.softDelete;
    if (!column) refused(`retention rule ${rule.id} soft-deletes ${rule.table}, which names no softDelete column`, 'run custodian check');
    change = { set: [`${quoteIdent(column)} = $1::timestamptz`, ...mark.filter((m) => !m.startsWith(`${quoteIdent(column)} `))].join(', ') };
  } else {
    change = { set: [...anonymizeChanges(policy, rule.table).map((c) => c.set), ...mark].join(', ') };
  }
  const clock = stageClock(policy, rule, stage);
  const own = clock.includes('.') ? undefined : { column: clock, type: columnType(schema, rule.table, clock) };
  return { table: rule.table, key: keyOf(schema, rule.table), due, free: freeOfHolds(policy, schema, rule.table), change, ...(own ? { clock: own } : {}) };
}

/** One table's share of a tenant-wide stage (C15): delete the tenant's rows, or anonymize them. */
export interface TenantPart {
  table: string;
  kind: 'delete' | 'anonymize';
  /** A statement changing at most `limit` of the tenant's rows (the tenant is `$1`), in a transaction of its own. */
  batch(limit: number): string;
}

/** What a tenant-wide stage does to one tenant, in order; the tenant row's own change comes last. */
export interface TenantTarget {
  /** The tenant table's rows due, over `t`; `free` excludes tenants under any standing hold. */
  tenants: RowTarget;
  tenantKey: KeyColumn;
  parts: TenantPart[];
  /** Anonymizes the tenant row `$2` and sets the mark: the tenant is done. */
  finish: string;
}

export function tenantTarget(policy: Policy, schema: DatabaseSchema, rule: AgeRule, stage: number): TenantTarget {
  const tenants = policy.tenants;
  if (!tenants || normalizeTableName(tenants.table) !== normalizeTableName(rule.table)) {
    refused(`retention rule ${rule.id} is tenant-wide but is not on the tenant table`, 'run custodian check');
  }
  const s = rule.stages[stage]!;
  if (s.action !== 'anonymize') refused(`retention rule ${rule.id}: a tenant-wide stage must anonymize; ${s.action} is not supported there`, 'use action: anonymize with a mark column');
  if (!s.mark) refused(`retention rule ${rule.id}: a tenant-wide stage needs a mark column, which records that the tenant is done`, "add mark: 'anonymized_at'");
  const tenantKey = keyOf(schema, rule.table).find((k) => k.column === tenants.key) ?? { column: tenants.key, type: findColumn(tableInfo(schema, rule.table), tenants.key)?.type ?? 'text' };
  const due = [ageCondition(policy, schema, rule, stageClock(policy, rule, stage), s.after), ...rule.where.map(conditionSql), `t.${quoteIdent(s.mark)} IS NULL`].join(' AND ');
  // Any standing hold in the tenant — on it, or on one of its people — keeps the whole tenant as it is.
  const free = `NOT EXISTS (SELECT 1 FROM custodian.legal_holds lh WHERE lh.lifted_at IS NULL AND lh.tenant_id = t.${quoteIdent(tenants.key)}::text)`;
  const owned = Object.entries(policy.tables).filter(([name, spec]) => spec.tenant && normalizeTableName(name) !== normalizeTableName(rule.table));
  const parts: TenantPart[] = [];
  for (const [name, spec] of owned) {
    if (rowFate(policy, name, spec) !== 'update') continue;
    const changes = anonymizeChanges(policy, name);
    if (changes.length === 0) continue;
    const where = `t.${quoteIdent(spec.tenant!)} = $1::${columnType(schema, name, spec.tenant!)} AND (${changes.map((c) => c.pending).join(' OR ')})`;
    parts.push({ table: name, kind: 'anonymize', batch: (limit) => `UPDATE ${quoteQualified(name)} t SET ${changes.map((c) => c.set).join(', ')} WHERE ${limited(schema, name, where, limit)}` });
  }
  const deleting = owned.filter(([name, spec]) => rowFate(policy, name, spec) === 'delete').map(([name]) => name);
  for (const name of erasureOrder(deleting, schema).order) {
    const spec = policy.tables[name]!;
    const where = `t.${quoteIdent(spec.tenant!)} = $1::${columnType(schema, name, spec.tenant!)}`;
    parts.push({ table: name, kind: 'delete', batch: (limit) => `DELETE FROM ${quoteQualified(name)} t WHERE ${limited(schema, name, where, limit)}` });
  }
  const sets = [...anonymizeChanges(policy, rule.table).map((c) => c.set), `${quoteIdent(s.mark)} = $1::timestamptz`];
  const finish = `UPDATE ${quoteQualified(rule.table)} t SET ${sets.join(', ')} WHERE t.${quoteIdent(tenants.key)} = $2::${tenantKey.type} AND t.${quoteIdent(s.mark)} IS NULL`;
  return {
    tenants: { table: rule.table, key: keyOf(schema, rule.table), due, free, change: { set: sets.join(', ') } },
    tenantKey,
    parts,
    finish,
  };
}

function columnType(schema: DatabaseSchema, table: string, column: string): string {
  const info = findColumn(tableInfo(schema, table), column);
  if (!info) refused(`the database has no column ${table}.${column} that the policy names`, 'run custodian check');
  return info.type;
}

/** At most `limit` rows matching `where`, by primary key. */
function limited(schema: DatabaseSchema, table: string, where: string, limit: number): string {
  const key = keyOf(schema, table).map((k) => `t.${quoteIdent(k.column)}`);
  const tuple = key.length === 1 ? key[0]! : `(${key.join(', ')})`;
  return `${tuple} IN (SELECT ${key.join(', ')} FROM ${quoteQualified(table)} t WHERE ${where} LIMIT ${Math.max(1, Math.floor(limit))})`;
}

/** An inactivity rule's people (C14): who is due a notice, and how to read them. */
export interface InactivityTarget {
  subject: string;
  table: string;
  key: KeyColumn[];
  /** The subject's key column, its tenant column and its email column. */
  keyColumn: string;
  keyType: string;
  tenantColumn: string | undefined;
  tenantType: string | undefined;
  emailColumn: string;
  /** Over `t`: the person's latest activity. */
  lastActivity: string;
  /** Over `t`: inactive for the rule's period at `$1`, not soft-deleted, no open notice. */
  due: string;
  free: string;
}

export function inactivityTarget(policy: Policy, schema: DatabaseSchema, rule: InactivityRule): InactivityTarget {
  const subject = policy.subjects[rule.subject];
  if (!subject) refused(`retention rule ${rule.id} names subject ${rule.subject}, which the policy does not declare`, 'run custodian check');
  const home = normalizeTableName(subject.table);
  const activity = subject.activity.map((ref) => {
    const { table, column } = splitColumnRef(ref);
    if (table !== home) refused(`retention rule ${rule.id}: activity column ${ref} is not on ${subject.table}`, `keep ${rule.subject}'s activity in columns of ${subject.table} (e.g. last_login_at, last_invited_at)`);
    columnType(schema, subject.table, column);
    return `t.${quoteIdent(column)}`;
  });
  if (activity.length === 0) refused(`retention rule ${rule.id}: subject ${rule.subject} declares no activity columns`, 'run custodian check');
  const email = Object.values(subject.identities).find((i) => i.kind === 'email' && (i.table === undefined || normalizeTableName(i.table) === home));
  if (!email) refused(`retention rule ${rule.id}: subject ${rule.subject} has no email identity on ${subject.table} to send the notice to`, `add an identity of kind 'email' to subjects.${rule.subject}`);
  if (policy.tables[subject.table]?.columns[email.column]?.encryption) {
    refused(`retention rule ${rule.id}: ${subject.table}.${email.column} is encrypted; notices to encrypted addresses are not supported yet`, 'keep the notice address in a plaintext column');
  }
  // Someone who never signed in counts from when their row was created, when the table records that:
  // written as coalesce(activity, created_at) so an index on the same expression serves the sweep.
  const created = findColumn(tableInfo(schema, subject.table), 'created_at');
  const since = created && TIME_KINDS.has(created.kind) ? activity.map((a) => `coalesce(${a}, t."created_at")`) : activity;
  const lastActivity = since.length === 1 ? since[0]! : `greatest(${since.join(', ')})`;
  const softDelete = policy.tables[subject.table]?.softDelete;
  const due = [
    olderThan(lastActivity, rule.after),
    ...(softDelete ? [`t.${quoteIdent(softDelete)} IS NULL`] : []),
    // Nobody to tell, nobody erased for inactivity: a notice must come first.
    `t.${quoteIdent(email.column)} IS NOT NULL`,
    `NOT EXISTS (SELECT 1 FROM custodian.retention_notices n WHERE n.state = 'pending' AND n.rule_id = ${literal(rule.id)} AND n.subject_type = ${literal(rule.subject)}
       AND n.subject_key = t.${quoteIdent(subject.key)}::text AND n.tenant_id IS NOT DISTINCT FROM ${subject.tenant ? `t.${quoteIdent(subject.tenant)}::text` : 'NULL::text'})`,
  ].join(' AND ');
  return {
    subject: rule.subject,
    table: subject.table,
    key: keyOf(schema, subject.table),
    keyColumn: subject.key,
    keyType: columnType(schema, subject.table, subject.key),
    tenantColumn: subject.tenant,
    tenantType: subject.tenant ? columnType(schema, subject.table, subject.tenant) : undefined,
    emailColumn: email.column,
    lastActivity,
    due,
    free: freeOfHolds(policy, schema, subject.table),
  };
}
