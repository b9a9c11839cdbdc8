import { isPersonal } from '../../policy/personal.js';
import { ownersOf } from '../../policy/semantics.js';
import type { Owner } from '../../policy/schema/tables.js';
import type { CheckContext, Rule } from '../context.js';
import { isSubjectTable } from '../erasure-plan.js';
import { columnLabel, findTable, foreignKeyFor, splitColumnRef, suggest } from '../lookup.js';
import type { TableInfo } from '../schema-types.js';

/**
 * Follows one owner through the database. A direct owner column should be a
 * foreign key to the subject key (a warning when not: a plain column still
 * finds the rows, but nothing keeps it pointing at a real subject). Each hop
 * of a path must be a real foreign key, since erasure and export walk exactly
 * these keys. Returns whether the owner reaches its subject.
 */
function resolveOwner(ctx: CheckContext, db: TableInfo, owner: Owner, at: string): boolean {
  const subject = ctx.policy.subjects?.[owner.subject];
  if (!subject) return false;
  const subjectDb = findTable(ctx.schema, subject.table);
  const key = subject.key ?? 'id';
  if ('column' in owner) {
    const column = ctx.column(db, owner.column, `${at}.column`);
    if (!column || !subjectDb) return false;
    const isOwnKey = subjectDb === db && owner.column === key;
    if (!isOwnKey && !foreignKeyFor(db, owner.column, { table: subjectDb.key, column: key })) {
      ctx.report(
        'owner-column-not-foreign-key',
        `${at}.column`,
        `owner column ${columnLabel(db, owner.column)} is not a foreign key to ${columnLabel(subjectDb, key)}`,
        `add FOREIGN KEY (${owner.column}) REFERENCES ${subjectDb.key} (${key}) so it cannot point at a subject that does not exist`,
      );
    }
    return true;
  }
  let current: TableInfo | undefined = db;
  let reached = true;
  for (const [i, hop] of owner.path.entries()) {
    const hopAt = `${at}.path[${i}]`;
    const ref = splitColumnRef(hop.references);
    const column = ctx.column(current, hop.column, `${hopAt}.column`);
    const target = findTable(ctx.schema, ref.table);
    if (!target) {
      ctx.report('table-missing', `${hopAt}.references`, `table ${ref.table} does not exist in the database`, suggest(ref.table, Object.keys(ctx.schema.tables), 'name the table this hop\'s foreign key references'));
      return false;
    }
    const refColumn = ctx.column(target, ref.column, `${hopAt}.references`);
    if (!column || !refColumn || !current) reached = false;
    else if (!foreignKeyFor(current, hop.column, { table: target.key, column: ref.column })) {
      ctx.report(
        'owner-hop-not-foreign-key',
        hopAt,
        `hop ${i + 1} of the owner path: ${columnLabel(current, hop.column)} has no foreign key to ${columnLabel(target, ref.column)}`,
        `add FOREIGN KEY (${hop.column}) REFERENCES ${target.key} (${ref.column}), or follow an existing foreign key of ${current.key}`,
      );
      reached = false;
    }
    current = target;
  }
  return reached && current === subjectDb;
}

/** Owners name real columns, their paths follow real foreign keys, and personal data is reached. */
export const ownersRule: Rule = (ctx) => {
  for (const { name, table, db } of ctx.tables) {
    if (!db) continue;
    const owners = ownersOf(table);
    const many = Array.isArray(table.owner);
    const reached = owners.map((o, i) => resolveOwner(ctx, db, o, many ? `tables.${name}.owner[${i}]` : `tables.${name}.owner`));
    if (owners.length === 0 || reached.some(Boolean) || isSubjectTable(ctx.policy, name)) continue;
    const personal = Object.entries(table.columns ?? {}).filter(([, c]) => isPersonal(c)).map(([c]) => c);
    if (personal.length > 0) {
      ctx.report(
        'personal-unreachable',
        `tables.${name}.owner`,
        `table ${db.key} holds personal data (${personal.join(', ')}) but no owner reaches a subject in the database`,
        'fix the owner so it follows existing foreign keys to the subject table; see the problems reported on the owner',
      );
    }
  }
};
