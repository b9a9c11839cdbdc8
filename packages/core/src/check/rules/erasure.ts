import type { CheckContext } from '../context.js';
import { erasurePlan, type RowFate } from '../erasure-plan.js';
import { erasureOrder } from '../erasure-order.js';
import { columnLabel, normalizeTableName } from '../lookup.js';
import type { ForeignKey, TableInfo } from '../schema-types.js';

const REFERENCE_FIXES = new Set(['set-null', 'reassign']);

const arrow = (from: string, fk: ForeignKey) => `${from}(${fk.columns.join(', ')}) → ${fk.references.table}`;

/**
 * Works out the order in which erasure deletes a subject's rows, and reports
 * what would make those deletes fail or destroy too much: a cycle of keys no
 * order satisfies; a key from a row erasure leaves in place (a NO ACTION key
 * refuses the delete); a CASCADE into rows the policy keeps (A8's tax records
 * must outlive the account). Returns the order, children before parents.
 */
export function erasureRule(ctx: CheckContext): string[] {
  const plan = erasurePlan(ctx.policy);
  const policyName = new Map<string, string>();
  for (const { name, db } of ctx.tables) if (db) policyName.set(db.key, name);
  const fateOf = (key: string): RowFate => plan.get(normalizeTableName(policyName.get(key) ?? key)) ?? 'untouched';

  const deleted = ctx.tables.flatMap(({ db }) => (db && fateOf(db.key) === 'delete' ? [db.key] : []));
  const { order, cycles } = erasureOrder(deleted, ctx.schema);
  for (const cycle of cycles) {
    const first = policyName.get(cycle.tables[0]!)!;
    ctx.report(
      'erasure-cycle',
      `tables.${first}`,
      `tables ${cycle.tables.join(', ')} reference each other (${cycle.edges.map((e) => arrow(e.from, e.foreignKey)).join('; ')}) through NOT NULL foreign keys without an ON DELETE action, so no order deletes their rows`,
      'make one of these foreign keys ON DELETE CASCADE or SET NULL, nullable, or DEFERRABLE, or keep one table\'s rows on erasure',
    );
  }

  const deletedSet = new Set(deleted);
  for (const referencing of Object.values(ctx.schema.tables) as TableInfo[]) {
    if (deletedSet.has(referencing.key)) continue;
    const name = policyName.get(referencing.key);
    const columns = name ? ctx.policy.tables[name]?.columns ?? {} : {};
    const fate = fateOf(referencing.key);
    for (const fk of referencing.foreignKeys) {
      const target = fk.references.table;
      if (!deletedSet.has(target)) continue;
      if (fk.columns.some((c) => Object.hasOwn(columns, c) && REFERENCE_FIXES.has(columns[c]?.erase?.action ?? ''))) continue;
      const at = name ? `tables.${name}` : `tables.${policyName.get(target)}`;
      const label = fk.columns.length === 1 ? columnLabel(referencing, fk.columns[0]!) : `${referencing.key}(${fk.columns.join(', ')})`;
      const nullsNotNull = fk.onDelete === 'set-null' && (fk.onDeleteColumns ?? fk.columns).some((c) => referencing.columns[c]?.notNull);
      if (fk.onDelete === 'cascade' && (fate === 'keep' || fate === 'update')) {
        ctx.report(
          'erase-cascade-retained',
          at,
          `deleting rows of ${target} cascades through ${label} (ON DELETE CASCADE) into ${referencing.key}, whose rows the policy keeps on erasure`,
          `make the foreign key ON DELETE SET NULL (with a nullable column), or give ${label} erase: set-null or reassign`,
        );
      } else if (fk.onDelete === 'no-action' || fk.onDelete === 'restrict' || nullsNotNull) {
        ctx.report(
          'erase-blocked-by-reference',
          at,
          `${label} references ${target} (ON DELETE ${nullsNotNull ? 'SET NULL on a NOT NULL column' : fk.onDelete === 'restrict' ? 'RESTRICT' : 'NO ACTION'}): rows of ${referencing.key} that erasure leaves in place would block deleting rows of ${target}`,
          `make the foreign key ON DELETE SET NULL or CASCADE, give ${label} erase: set-null or reassign, or delete these rows on erasure too`,
        );
      }
    }
  }
  return order;
}
