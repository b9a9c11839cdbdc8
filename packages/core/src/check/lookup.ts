import { closest } from '../policy/problems.js';
import type { ColumnInfo, DatabaseSchema, ForeignKey, TableInfo, UniqueKey } from './schema-types.js';

/** A policy names `public.users` and `users` alike; the schema keys `public` tables by plain name. */
export function normalizeTableName(name: string): string {
  return name.startsWith('public.') ? name.slice('public.'.length) : name;
}

export function findTable(schema: DatabaseSchema, name: string): TableInfo | undefined {
  const key = normalizeTableName(name);
  return Object.hasOwn(schema.tables, key) ? schema.tables[key] : undefined;
}

export function findColumn(table: TableInfo | undefined, name: string): ColumnInfo | undefined {
  return table && Object.hasOwn(table.columns, name) ? table.columns[name] : undefined;
}

/** `users.email` → users / email; `app.users.email` → app.users / email. */
export function splitColumnRef(ref: string): { table: string; column: string } {
  const dot = ref.lastIndexOf('.');
  return { table: normalizeTableName(ref.slice(0, dot)), column: ref.slice(dot + 1) };
}

/** A "did you mean" hint for a misspelt table or column, or the fallback. */
export function suggest(word: string, candidates: Iterable<string>, fallback: string): string {
  const guess = closest(word, candidates);
  return guess ? `did you mean ${guess}? Otherwise ${fallback}` : fallback;
}

/**
 * The foreign key through which `column` of `table` references `target`
 * (`table.column`), when one exists. A composite key counts when `column`
 * sits at the position that references the target column.
 */
export function foreignKeyFor(table: TableInfo, column: string, target?: { table: string; column: string }): ForeignKey | undefined {
  return table.foreignKeys.find((fk) => {
    const at = fk.columns.indexOf(column);
    if (at < 0) return false;
    if (!target) return true;
    return fk.references.table === normalizeTableName(target.table) && fk.references.columns[at] === target.column;
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whether an index expression mentions `name` as a whole identifier, quoted or not. */
const word = (name: string) => new RegExp(`(^|[^a-z0-9_$])"?${escape(name)}"?([^a-z0-9_$]|$)`);

/**
 * Unique keys that make two rows with the same value in `column` collide.
 * Partial indexes are left out (whether they bite depends on rows), and so
 * is a key that contains a smaller unique key without `column`, which already
 * keeps rows apart. An expression key such as `lower(email)` counts for the
 * one column it names.
 */
export function uniqueKeysOn(table: TableInfo, column: string): UniqueKey[] {
  const effective = (u: UniqueKey): string[] | null => {
    if (u.partial) return null;
    if (u.expressions.length === 0) return u.columns;
    if (u.columns.length === 0 && u.expressions.length === 1) {
      const named = Object.keys(table.columns).filter((c) => word(c).test(u.expressions[0]!));
      return named.length === 1 ? named : null;
    }
    return null;
  };
  const keys = table.uniques.flatMap((u) => {
    const cols = effective(u);
    return cols ? [{ key: u, cols }] : [];
  });
  return keys
    .filter(({ cols }) => cols.includes(column))
    .filter(({ cols }) => !keys.some((other) => !other.cols.includes(column) && other.cols.length < cols.length && other.cols.every((c) => cols.includes(c))))
    .map(({ key }) => key);
}

/** `users.email` style, with the schema only outside `public`. */
export function columnLabel(table: TableInfo | string, column: string): string {
  return `${typeof table === 'string' ? table : table.key}.${column}`;
}
