import type { Rule } from '../context.js';

/**
 * A tenant column promises isolation; row-level security is what enforces it
 * against the application role. Off is not wrong for every deployment (one
 * tenant per database), so this warns.
 */
export const tenancyRule: Rule = (ctx) => {
  for (const { name, table, db } of ctx.tables) {
    if (!db || !table.tenant) continue;
    const column = ctx.column(db, table.tenant, `tables.${name}.tenant`);
    if (column && !db.rowLevelSecurity) {
      ctx.report(
        'rls-disabled',
        `tables.${name}.tenant`,
        `table ${db.key} declares tenant column ${column.name} but row-level security is off`,
        `run ALTER TABLE ${db.key} ENABLE ROW LEVEL SECURITY and add a policy comparing ${column.name} with custodian.current_tenant()`,
      );
    }
  }
};
