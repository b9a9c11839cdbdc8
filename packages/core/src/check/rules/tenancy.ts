import type { Rule } from '../context.js';
import { findTable } from '../lookup.js';

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

/** The declared tenant table exists with its key and region columns. */
export const tenantTableRule: Rule = (ctx) => {
  const tenants = ctx.policy.tenants;
  if (!tenants) return;
  const db = findTable(ctx.schema, tenants.table);
  if (!db) {
    ctx.report('table-missing', 'tenants.table', `table ${tenants.table} does not exist in the database`, 'name the table with one row per tenant');
    return;
  }
  ctx.column(db, tenants.key, 'tenants.key');
  if (tenants.region) ctx.column(db, tenants.region, 'tenants.region');
};
