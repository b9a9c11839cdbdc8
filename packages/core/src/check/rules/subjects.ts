import type { Rule } from '../context.js';
import { literalMisfit, TEXT_KINDS, TIME_KINDS, CIPHERTEXT_KINDS } from '../column-kind.js';
import { columnLabel, findTable, splitColumnRef } from '../lookup.js';

/** Each subject's key, tenant, identities, activity columns and placeholder fit the database. */
export const subjectsRule: Rule = (ctx) => {
  for (const [name, subject] of Object.entries(ctx.policy.subjects ?? {})) {
    const at = `subjects.${name}`;
    const db = findTable(ctx.schema, subject.table);
    const key = ctx.column(db, subject.key ?? 'id', `${at}.key`);
    if (subject.tenant) ctx.column(db, subject.tenant, `${at}.tenant`);

    for (const [idName, identity] of Object.entries(subject.identities ?? {})) {
      const idAt = `${at}.identities.${idName}`;
      const idTable = findTable(ctx.schema, identity.table ?? subject.table);
      const column = ctx.column(idTable, identity.column, `${idAt}.column`);
      if (identity.subjectColumn) ctx.column(idTable, identity.subjectColumn, `${idAt}.subjectColumn`);
      if (!column || !idTable) continue;
      const lookup = identity.lookup ?? 'exact';
      if (lookup === 'sha256' && !CIPHERTEXT_KINDS.has(column.kind)) {
        ctx.report('identity-column-type', `${idAt}.lookup`, `sha256 lookup on ${columnLabel(idTable, column.name)}, whose type ${column.type} cannot hold a digest`, 'store the SHA-256 of the value in a bytea (or hex text) column');
      } else if (lookup === 'normalized' && !TEXT_KINDS.has(column.kind)) {
        ctx.report('identity-column-type', `${idAt}.lookup`, `normalized lookup on ${columnLabel(idTable, column.name)}, whose type ${column.type} is not text`, 'use `exact` for non-text identities');
      }
    }

    for (const [i, ref] of (subject.activity ?? []).entries()) {
      const { table, column } = splitColumnRef(ref);
      const actTable = findTable(ctx.schema, table);
      const info = ctx.column(actTable, column, `${at}.activity[${i}]`);
      if (info && actTable && !TIME_KINDS.has(info.kind)) {
        ctx.report('activity-column-type', `${at}.activity[${i}]`, `activity column ${columnLabel(actTable, column)} has type ${info.type}, not a timestamp`, 'name a timestamptz column that records when the subject was last active');
      }
    }

    if (subject.placeholder && key && db) {
      const misfit = literalMisfit(subject.placeholder.key, key);
      if (misfit) {
        ctx.report('placeholder-key-type', `${at}.placeholder.key`, `placeholder key for subject ${name}: ${misfit} (key column ${columnLabel(db, key.name)})`, `give the key of an existing ${db.key} row, written as a ${key.type}`);
      }
    }
  }
};
