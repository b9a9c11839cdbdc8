import { z } from 'zod';
import { DURATION_PATTERN } from '../duration.js';

/** A plain SQL identifier: what Custodian will quote into statements it builds. */
export const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a plain lower-case SQL identifier (letters, digits, underscores)' });

/** `table` or `schema.table`. */
export const tableName = z
  .string()
  .regex(/^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a table name such as `users` or `app.users`' });

/** `table.column` or `schema.table.column`. */
export const columnRef = z
  .string()
  .regex(/^([a-z_][a-z0-9_]{0,62}\.){1,2}[a-z_][a-z0-9_]{0,62}$/, { error: 'must name a column as `table.column`' });

export const duration = z
  .string()
  .regex(DURATION_PATTERN, { error: 'must be a duration such as `30d`, `180d`, `2y`, `12h` or `6mo`' });

export const isoDate = z.iso.date({ error: 'must be a date as YYYY-MM-DD' });

export const email = z.email({ error: 'must be an email address' });

/** Published links (security.txt, the privacy page) must be https (RFC 9116 §2.5). */
export const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });

export const text = z.string().trim().min(1, { error: 'must not be empty' });

/** Identifiers for rules, subjects, regions and purposes: kebab or snake case. */
export const slug = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, { error: 'must be lower-case letters, digits, `-` or `_`' });
