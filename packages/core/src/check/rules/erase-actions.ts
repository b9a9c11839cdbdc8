import { ownersOf } from '../../policy/semantics.js';
import type { EraseAction, Table } from '../../policy/schema/tables.js';
import type { CheckContext, Rule } from '../context.js';
import { literalMisfit, templateLength, TEXT_KINDS } from '../column-kind.js';
import { columnLabel, findTable, foreignKeyFor, uniqueKeysOn } from '../lookup.js';
import type { ColumnInfo, TableInfo, UniqueKey } from '../schema-types.js';

const WRITES = new Set<EraseAction['action']>(['set-null', 'set-literal', 'pseudonymize', 'reassign']);

/** "users_email_key" or "users_tenant_email_key (with tenant_id)": which key, and what else is in it. */
function describeKey(key: UniqueKey, column: string): string {
  const others = key.columns.filter((c) => c !== column);
  return others.length > 0 ? `${key.name} (together with ${others.join(', ')})` : key.name;
}

function checkColumn(ctx: CheckContext, table: Table, db: TableInfo, column: ColumnInfo, erase: EraseAction, at: string): void {
  const label = columnLabel(db, column.name);
  const unique = uniqueKeysOn(db, column.name);
  if (WRITES.has(erase.action) && (column.generated || column.identity === 'always')) {
    ctx.report(
      'erase-generated-column',
      at,
      `${erase.action} on ${column.generated ? 'generated' : 'identity'} column ${label}, which cannot be written`,
      'use delete-row for the row, or keep with a reason',
    );
    return;
  }
  switch (erase.action) {
    case 'set-null':
      if (column.notNull) {
        ctx.report(
          'set-null-not-null',
          at,
          `set-null on NOT NULL column ${label}`,
          `use pseudonymize or set-literal instead, or make the column nullable (ALTER TABLE ${db.key} ALTER COLUMN ${column.name} DROP NOT NULL)`,
        );
      }
      break;
    case 'set-literal': {
      const misfit = literalMisfit(erase.value, column);
      if (misfit) ctx.report('set-literal-type', at, `set-literal on ${label}: ${misfit}`, `give a value of type ${column.type}, or use set-null`);
      const key = unique[0];
      if (key) {
        ctx.report(
          'set-literal-unique',
          at,
          `set-literal on ${label}, which unique key ${describeKey(key, column.name)} covers: every erased row would get the same value and collide`,
          'use pseudonymize with a {uuid} in the template, or set-null',
        );
      }
      break;
    }
    case 'pseudonymize': {
      if (!TEXT_KINDS.has(column.kind)) {
        ctx.report('pseudonym-column-type', at, `pseudonymize on ${label}, whose type ${column.type} does not hold text`, 'pseudonymize text columns only; use set-null or set-literal here');
        break;
      }
      const key = unique[0];
      if (key && !erase.template.includes('{uuid}')) {
        ctx.report(
          'pseudonym-not-unique',
          at,
          `pseudonymize on ${label}, which unique key ${describeKey(key, column.name)} covers, with a template that has no {uuid}: erased rows would collide`,
          'put {uuid} in the template, e.g. deleted-{uuid}@deleted.invalid',
        );
      }
      const length = templateLength(erase.template);
      if (column.maxLength !== null && length > column.maxLength) {
        ctx.report('pseudonym-too-long', `${at}.template`, `the pseudonym is ${length} characters; column ${label} (${column.type}) holds ${column.maxLength}`, 'shorten the template ({uuid} is 36 characters) or widen the column');
      }
      break;
    }
    case 'reassign': {
      const owner = ownersOf(table).find((o) => 'column' in o && o.column === column.name);
      const subject = owner ? ctx.policy.subjects?.[owner.subject] : undefined;
      const subjectDb = subject ? findTable(ctx.schema, subject.table) : undefined;
      if (!subject || !subjectDb) break;
      const key = subject.key ?? 'id';
      if (!foreignKeyFor(db, column.name, { table: subjectDb.key, column: key })) {
        ctx.report(
          'reassign-not-foreign-key',
          at,
          `reassign on ${label}, which is not a foreign key to ${columnLabel(subjectDb, key)}`,
          `add FOREIGN KEY (${column.name}) REFERENCES ${subjectDb.key} (${key}), or use another erase action`,
        );
      }
      const uniqueKey = unique[0];
      if (uniqueKey) {
        ctx.report(
          'reassign-unique-collision',
          at,
          `reassign on ${label}, which unique key ${describeKey(uniqueKey, column.name)} covers: rows reassigned to the one placeholder would collide`,
          'delete these rows instead (erase: delete-row), or drop the unique key',
        );
      }
      break;
    }
    default:
      break;
  }
}

/** Each column's erase action can be carried out on that column as the database defines it. */
export const eraseActionsRule: Rule = (ctx) => {
  for (const { name, table, db } of ctx.tables) {
    if (!db) continue;
    for (const [colName, column] of Object.entries(table.columns ?? {})) {
      const info = db.columns[colName];
      if (column.erase && info) checkColumn(ctx, table, db, info, column.erase, `tables.${name}.columns.${colName}.erase`);
    }
  }
};
