import type { Column } from './schema/tables.js';

/** Categories that describe no person unless a column says otherwise. */
const NOT_PERSONAL = new Set(['none', 'business']);

/** Whether a column holds data about a person: its own flag, else its category decides. */
export function isPersonal(column: Pick<Column, 'category' | 'personal'>): boolean {
  return column.personal ?? !NOT_PERSONAL.has(column.category);
}
