import { ownersOf } from '../policy/semantics.js';
import type { PolicyData } from '../policy/schema/index.js';
import type { Table } from '../policy/schema/tables.js';
import { normalizeTableName } from './lookup.js';

/**
 * What erasing a subject does to the rows of a table:
 * - `delete`: the rows go (`erase: delete-row` on the table or a column, or
 *   a table the subject owns that says nothing about erasure at all: by
 *   default a person's rows leave with them);
 * - `update`: the rows stay, some columns are nulled, pseudonymised or reassigned;
 * - `keep`: the rows stay as they are (`retain` until a legal rule, or `keep`);
 * - `untouched`: no subject owns the table, so erasure never visits it.
 */
export type RowFate = 'delete' | 'update' | 'keep' | 'untouched';

const UPDATES = new Set(['set-null', 'set-literal', 'pseudonymize', 'reassign']);

export function isSubjectTable(policy: PolicyData, name: string): boolean {
  return Object.values(policy.subjects ?? {}).some((s) => normalizeTableName(s.table) === normalizeTableName(name));
}

export function rowFate(policy: PolicyData, name: string, table: Table): RowFate {
  if (ownersOf(table).length === 0 && !isSubjectTable(policy, name)) return 'untouched';
  const actions = Object.values(table.columns ?? {}).flatMap((c) => (c.erase ? [c.erase.action] : []));
  const rowAction = table.erase?.action;
  if (rowAction === 'delete-row' || actions.includes('delete-row')) return 'delete';
  if (actions.some((a) => UPDATES.has(a))) return 'update';
  if (rowAction === 'retain' || rowAction === 'keep' || actions.length > 0) return 'keep';
  return 'delete';
}

/** The fate of every table the policy declares, keyed by its normalised name. */
export function erasurePlan(policy: PolicyData): Map<string, RowFate> {
  const plan = new Map<string, RowFate>();
  for (const [name, table] of Object.entries(policy.tables ?? {})) plan.set(normalizeTableName(name), rowFate(policy, name, table));
  return plan;
}
