import type { Rule } from '../context.js';
import { literalMisfit, TIME_KINDS } from '../column-kind.js';
import { columnLabel, findTable, splitColumnRef } from '../lookup.js';

/** Age rules measure from a real timestamp, and their conditions compare real columns with values of their type. */
export const retentionRule: Rule = (ctx) => {
  for (const [i, rule] of (ctx.policy.retention ?? []).entries()) {
    if (rule.kind === 'inactivity') continue;
    const at = `retention[${i}]`;
    const db = findTable(ctx.schema, rule.table);
    if (!db) continue;
    const from = rule.from.includes('.') ? splitColumnRef(rule.from) : { table: db.key, column: rule.from };
    const fromDb = findTable(ctx.schema, from.table);
    if (!fromDb && from.table !== db.key) {
      ctx.report('table-missing', `${at}.from`, `table ${from.table} does not exist in the database`, 'measure from a column of the rule\'s table or of its owning subject\'s table');
    }
    const fromColumn = ctx.column(fromDb, from.column, `${at}.from`);
    if (fromColumn && fromDb && !TIME_KINDS.has(fromColumn.kind)) {
      ctx.report(
        'retention-from-type',
        `${at}.from`,
        `retention rule ${rule.id} measures age from ${columnLabel(fromDb, from.column)}, whose type ${fromColumn.type} is not a timestamp`,
        'measure from a timestamptz or date column, such as created_at or completed_at',
      );
    }
    for (const [j, stage] of rule.stages.entries()) {
      if (!stage.mark) continue;
      const mark = ctx.column(db, stage.mark, `${at}.stages[${j}].mark`);
      if (mark && !TIME_KINDS.has(mark.kind)) {
        ctx.report('retention-from-type', `${at}.stages[${j}].mark`, `retention rule ${rule.id} marks its stage in ${columnLabel(db, stage.mark)}, whose type ${mark.type} is not a timestamp`, 'mark stages in a timestamptz column such as anonymized_at');
      }
    }
    for (const [j, condition] of (rule.where ?? []).entries()) {
      const column = ctx.column(db, condition.column, `${at}.where[${j}].column`);
      if (!column || !('equals' in condition)) continue;
      const misfit = literalMisfit(condition.equals, column);
      if (misfit) {
        ctx.report('retention-where-type', `${at}.where[${j}].equals`, `retention rule ${rule.id} compares ${columnLabel(db, column.name)} with a value that does not fit: ${misfit}`, `compare with a value of type ${column.type}`);
      }
    }
  }
};
