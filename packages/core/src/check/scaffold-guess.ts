import type { DatabaseSchema, ForeignKey, TableInfo } from './schema-types.js';
import { findTable } from './lookup.js';

/** Tables that usually hold one row per person, most likely first. */
const SUBJECT_TABLES = ['users', 'candidates', 'accounts', 'customers', 'people', 'persons', 'members', 'employees', 'contacts', 'patients', 'students', 'applicants'];

const PLAIN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether a policy can name this table and column: plain lower-case identifiers only. */
export function isNameable(name: string): boolean {
  return PLAIN.test(name);
}

export interface SubjectGuess {
  /** The subject's name in the policy, e.g. `user` for `users`. */
  name: string;
  table: TableInfo;
  key: string;
  /** The leading column of a tenant-first primary key, e.g. `company_id` in (company_id, id). */
  tenant?: string;
}

export function singular(word: string): string {
  if (word === 'people') return 'person';
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('ses') || word.endsWith('xes')) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * The column that names one row: the primary key's only column, or in a
 * tenant-first key such as (company_id, id), `id` or else the last column.
 */
export function rowKey(t: TableInfo): string | undefined {
  if (t.primaryKey.length === 1) return t.primaryKey[0];
  if (t.primaryKey.length === 0) return undefined;
  return t.primaryKey.includes('id') ? 'id' : t.primaryKey[t.primaryKey.length - 1];
}

/** `tenant_id`, or the leading column of a tenant-first key on a table with row-level security. */
export function tenantColumn(t: TableInfo): string | undefined {
  if (Object.hasOwn(t.columns, 'tenant_id')) return 'tenant_id';
  const lead = t.primaryKey[0];
  if (t.rowLevelSecurity && t.primaryKey.length > 1 && lead?.endsWith('_id') && lead !== rowKey(t)) return lead;
  return undefined;
}

/**
 * The table of people the policy is about: the one named, else the first of
 * the usual names, else the table that most foreign keys point at. Undefined
 * when the database has no candidate at all.
 */
export function guessSubject(schema: DatabaseSchema, named?: string): SubjectGuess | undefined {
  const tables = Object.values(schema.tables).filter((t) => isNameable(t.name) && isNameable(t.schema) && rowKey(t));
  let table = named ? findTable(schema, named) : undefined;
  if (!table) table = SUBJECT_TABLES.map((n) => tables.find((t) => t.name === n)).find(Boolean);
  if (!table) {
    const incoming = (t: TableInfo) => tables.reduce((n, other) => n + other.foreignKeys.filter((fk) => fk.references.table === t.key).length, 0);
    table = [...tables].sort((a, b) => incoming(b) - incoming(a))[0];
  }
  const key = table && rowKey(table);
  if (!table || !key) return undefined;
  const name = singular(table.name).replace(/_/g, '-').replace(/^[^a-z]+/, '') || 'subject';
  const lead = table.primaryKey.length === 2 ? table.primaryKey.find((c) => c !== key) : undefined;
  return lead && isNameable(lead) ? { name, table, key, tenant: lead } : { name, table, key };
}

export type OwnerGuess = { column: string } | { path: Array<{ column: string; references: string }> };

/** The column of `fk` to follow toward `target`: the one referencing `key`, else `id`, else the last (a tenant column leads). */
function hopColumn(fk: ForeignKey, key: string | undefined): { column: string; references: string } | undefined {
  let at = key === undefined ? -1 : fk.references.columns.indexOf(key);
  if (at < 0 && key === undefined) at = fk.references.columns.indexOf('id');
  if (at < 0 && key === undefined) at = fk.columns.length - 1;
  if (at < 0 || !isNameable(fk.columns[at]!) || !isNameable(fk.references.columns[at]!)) return undefined;
  return { column: fk.columns[at]!, references: `${fk.references.table}.${fk.references.columns[at]}` };
}

/**
 * How rows of `table` could belong to the subject: every foreign key straight
 * to the subject key, else the shortest chain of foreign keys (at most 8
 * hops, the policy's limit) that ends there. Empty when none leads there.
 */
export function guessOwners(schema: DatabaseSchema, table: TableInfo, subject: SubjectGuess): OwnerGuess[] {
  if (table === subject.table) return [{ column: subject.key }];
  const direct = table.foreignKeys
    .filter((fk) => fk.references.table === subject.table.key)
    .flatMap((fk) => hopColumn(fk, subject.key) ?? [])
    .map((hop) => ({ column: hop.column }));
  if (direct.length > 0) return direct;

  const seen = new Set([table.key]);
  let frontier: Array<{ at: TableInfo; path: Array<{ column: string; references: string }> }> = [{ at: table, path: [] }];
  for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const { at, path } of frontier) {
      for (const fk of at.foreignKeys) {
        const toSubject = fk.references.table === subject.table.key;
        const hop = hopColumn(fk, toSubject ? subject.key : undefined);
        if (!hop) continue;
        if (toSubject) return [{ path: [...path, hop] }];
        const target = schema.tables[fk.references.table];
        if (!target || seen.has(target.key)) continue;
        seen.add(target.key);
        next.push({ at: target, path: [...path, hop] });
      }
    }
    frontier = next;
  }
  return [];
}
