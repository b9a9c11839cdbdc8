import type { Rule } from '../context.js';
import { TIME_KINDS } from '../column-kind.js';
import { columnLabel, suggest } from '../lookup.js';

/** Every table and declared column exists, and the soft-delete marker is a time. */
export const tablesRule: Rule = (ctx) => {
  const known = Object.keys(ctx.schema.tables);
  for (const { name, table, db } of ctx.tables) {
    const at = `tables.${name}`;
    if (!db) {
      ctx.report('table-missing', at, `table ${name} does not exist in the database`, suggest(name, known, 'create it with a migration, or remove it from the policy'));
      continue;
    }
    for (const column of Object.keys(table.columns ?? {})) ctx.column(db, column, `${at}.columns.${column}`);
    if (table.softDelete) {
      const column = ctx.column(db, table.softDelete, `${at}.softDelete`);
      if (column && !TIME_KINDS.has(column.kind)) {
        ctx.report(
          'soft-delete-type',
          `${at}.softDelete`,
          `soft-delete column ${columnLabel(db, column.name)} has type ${column.type}, not a timestamp`,
          'make it timestamptz (soft deletion records when), or name another column',
        );
      }
    }
  }
};
