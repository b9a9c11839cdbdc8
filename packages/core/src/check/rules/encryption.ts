import type { Rule } from '../context.js';
import { CIPHERTEXT_KINDS, TEXT_KINDS } from '../column-kind.js';
import { columnLabel } from '../lookup.js';

/**
 * An encrypted column stores an envelope (bytes, or their text encoding), so
 * nothing else fits; the mask is text shown in place of the secret; the blind
 * index is an HMAC, stored as bytes or hex.
 */
export const encryptionRule: Rule = (ctx) => {
  for (const { name, table, db } of ctx.tables) {
    if (!db) continue;
    for (const [colName, column] of Object.entries(table.columns ?? {})) {
      const enc = column.encryption;
      if (!enc) continue;
      const at = `tables.${name}.columns.${colName}`;
      const info = db.columns[colName];
      if (info && !CIPHERTEXT_KINDS.has(info.kind)) {
        ctx.report(
          'encrypted-column-type',
          `${at}.encryption`,
          `encrypted column ${columnLabel(db, colName)} has type ${info.type}; ciphertext needs bytea or text`,
          `change the column to bytea with a migration (ALTER TABLE ${db.key} ALTER COLUMN ${colName} TYPE bytea …)`,
        );
      }
      if (enc.mask) {
        const mask = ctx.column(db, enc.mask.column, `${at}.encryption.mask.column`);
        if (mask && !TEXT_KINDS.has(mask.kind)) {
          ctx.report('mask-column-type', `${at}.encryption.mask.column`, `mask column ${columnLabel(db, mask.name)} has type ${mask.type}, not text`, 'store the mask in a text or varchar column');
        } else if (mask && mask.maxLength !== null && mask.maxLength < enc.mask.length) {
          ctx.report('mask-column-type', `${at}.encryption.mask.column`, `mask column ${columnLabel(db, mask.name)} (${mask.type}) is shorter than the ${enc.mask.length} characters kept`, 'widen the column or keep fewer characters');
        }
      }
      if (enc.blindIndex) {
        const index = ctx.column(db, enc.blindIndex.column, `${at}.encryption.blindIndex.column`);
        if (index && !CIPHERTEXT_KINDS.has(index.kind)) {
          ctx.report('blind-index-column-type', `${at}.encryption.blindIndex.column`, `blind-index column ${columnLabel(db, index.name)} has type ${index.type}; an HMAC needs bytea or text`, 'store the blind index in a bytea column');
        }
      }
    }
  }
};
