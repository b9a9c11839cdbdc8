import { z } from 'zod';
import { columnRef, identifier, slug, tableName, text } from './common.js';

/**
 * How an identity value is compared when looking a subject up:
 * - `exact`: equality on the stored column;
 * - `normalized`: trimmed and lower-cased on both sides (emails);
 * - `blind-index`: HMAC of the normalised value against a blind-index column,
 *   for encrypted columns (the encryption module computes it);
 * - `sha256`: the stored column holds the SHA-256 of the value (invite tokens).
 */
export const LOOKUPS = ['exact', 'normalized', 'blind-index', 'sha256'] as const;

export const identitySchema = z.strictObject({
  kind: z.enum(['id', 'email', 'invite-token', 'oauth-subject', 'handle', 'external']),
  /** Table that holds the identity; defaults to the subject's own table. */
  table: tableName.optional(),
  column: identifier,
  lookup: z.enum(LOOKUPS).default('exact'),
  /** When `table` is not the subject table: the column in `table` that holds the subject's key. */
  subjectColumn: identifier.optional(),
});

export const subjectSchema = z.strictObject({
  description: text,
  /** The table with one row per subject. */
  table: tableName,
  /** Its key column. */
  key: identifier.default('id'),
  /** Column of the subject table naming its tenant, when subjects belong to one. */
  tenant: identifier.optional(),
  identities: z.record(slug, identitySchema).refine((r) => Object.keys(r).length > 0, {
    error: 'a subject needs at least one identity to be found by',
  }),
  /**
   * The row that erased subjects' contributions are reassigned to, e.g. a
   * "Deleted user" account (A7). Its key value, as text.
   */
  placeholder: z.strictObject({ key: text, description: text.optional() }).optional(),
  /** Columns that show the subject is active (last sign-in, last invite), for inactivity rules (C14). */
  activity: z.array(columnRef).default([]),
});

export type SubjectInput = z.input<typeof subjectSchema>;
export type Subject = z.output<typeof subjectSchema>;
