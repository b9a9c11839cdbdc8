import { ownersOf } from '../../policy/semantics.js';
import type { Table } from '../../policy/schema/tables.js';
import type { Rule } from '../context.js';
import { columnLabel } from '../lookup.js';
import { guessPersonal } from '../personal-names.js';

/** Columns the policy names for a purpose other than holding data: owner links, tenant, markers, masks, indexes. */
function structuralColumns(table: Table): Set<string> {
  const names = new Set<string>();
  if (table.tenant) names.add(table.tenant);
  if (table.softDelete) names.add(table.softDelete);
  for (const owner of ownersOf(table)) {
    if ('column' in owner) names.add(owner.column);
    else for (const hop of owner.path) names.add(hop.column);
  }
  for (const column of Object.values(table.columns ?? {})) {
    if (column.encryption?.mask) names.add(column.encryption.mask.column);
    if (column.encryption?.blindIndex) names.add(column.encryption.blindIndex.column);
  }
  return names;
}

/**
 * What the database holds that the policy does not mention: columns and
 * tables whose names suggest personal data. Warnings, since a name is only a
 * hint; declaring the column (with `personal: false` if need be) settles it.
 */
export const coverageRule: Rule = (ctx) => {
  const declared = new Set<string>();
  for (const { name, table, db } of ctx.tables) {
    if (!db) continue;
    declared.add(db.key);
    const known = structuralColumns(table);
    for (const column of Object.values(db.columns)) {
      if (Object.hasOwn(table.columns ?? {}, column.name) || known.has(column.name)) continue;
      const guess = guessPersonal(db, column);
      if (!guess) continue;
      ctx.report(
        'column-undeclared',
        `tables.${name}.columns.${column.name}`,
        `column ${columnLabel(db, column.name)} looks like ${guess.category} data (${guess.reason}) but the policy does not declare it`,
        `declare it under tables.${name}.columns with its category, or with personal: false if it holds nothing about a person`,
      );
    }
  }
  for (const db of Object.values(ctx.schema.tables)) {
    if (declared.has(db.key)) continue;
    const personal = Object.values(db.columns).filter((c) => guessPersonal(db, c)).map((c) => c.name);
    if (personal.length === 0) continue;
    ctx.report(
      'table-undeclared',
      `tables.${db.key}`,
      `table ${db.key} is not in the policy but has columns that look personal (${personal.join(', ')})`,
      'declare it under tables with an owner, or with notAboutPersons and a reason; `custodian init` drafts the entry',
    );
  }
};
