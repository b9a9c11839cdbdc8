import { z } from 'zod';
import { CATEGORY_IDS } from './categories.js';
import { columnRef, identifier, slug, text } from './common.js';

export const ALGORITHMS = ['xchacha20-poly1305', 'aes-256-gcm', 'xsalsa20-poly1305'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** A value kept for display in place of the secret, e.g. the last 4 characters of an API key (C1). */
export const maskSchema = z.strictObject({
  /** The column that stores the masked form. */
  column: identifier,
  keep: z.enum(['last', 'first']).default('last'),
  /** Characters kept (counted as characters, not bytes). */
  length: z.number().int().min(1).max(16).default(4),
});

export const blindIndexSchema = z.strictObject({
  /** The column that stores the HMAC used for equality lookups. */
  column: identifier,
  normalize: z.array(z.enum(['trim', 'lowercase'])).default(['trim', 'lowercase']),
});

export const encryptionSchema = z.strictObject({
  algorithm: z.enum(ALGORITHMS).default('xchacha20-poly1305'),
  /** Whose data key seals the value: one per tenant, one per subject (crypto-shredding), or the root's. */
  keyScope: z.enum(['root', 'tenant', 'subject']).default('tenant'),
  /** Every decrypt writes an audit row before the plaintext is returned (C2). */
  auditDecrypt: z.boolean().default(false),
  /** The only purposes a decrypt may name (A3); empty means any named purpose. */
  purposes: z.array(slug).default([]),
  /** Plaintext is never stored anywhere, only the ciphertext and the mask (C1). */
  blindIndex: blindIndexSchema.optional(),
  mask: maskSchema.optional(),
  /** How this column appears in a data-subject export (B5 keeps message content encrypted). */
  export: z.enum(['encrypted', 'decrypted', 'omit']).default('encrypted'),
});

/** What erasing a subject does to one column of one of their rows. */
export const eraseSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('set-null') }),
  z.strictObject({ action: z.literal('set-literal'), value: z.union([z.string(), z.number(), z.boolean()]) }),
  /** `{uuid}` becomes a fresh UUID per row, e.g. `deleted-{uuid}@deleted.invalid` (B6). */
  z.strictObject({ action: z.literal('pseudonymize'), template: text }),
  /** Points the row at the subject's placeholder (A7: rows in other creators' projects). */
  z.strictObject({ action: z.literal('reassign') }),
  z.strictObject({ action: z.literal('delete-row') }),
  /** Kept until a legal retention rule removes it (A8 tax records), even after the account is gone. */
  z.strictObject({ action: z.literal('retain'), until: slug, reason: text }),
  /** Not changed by erasure, with a reason (e.g. the row's own primary key). */
  z.strictObject({ action: z.literal('keep'), reason: text }),
]);

export const ERASE_ACTIONS = ['set-null', 'set-literal', 'pseudonymize', 'reassign', 'delete-row', 'retain', 'keep'] as const;
export type EraseAction = z.output<typeof eraseSchema>;

export const columnSchema = z.strictObject({
  category: z.enum(CATEGORY_IDS),
  description: text.optional(),
  /** Whether the column holds data about a person; defaults from the category. */
  personal: z.boolean().optional(),
  encryption: encryptionSchema.optional(),
  erase: eraseSchema.optional(),
  /** Credentials and secrets: never exported in plaintext, always redacted in logs. */
  secret: z.boolean().default(false),
});

/** One foreign-key hop from a table toward the subject. */
export const hopSchema = z.strictObject({
  column: identifier,
  /** The referenced column, as `table.column`. */
  references: columnRef,
});

/**
 * How a table's rows belong to a subject: directly by a column, or through a
 * path of foreign keys (event → session → candidate), several hops deep.
 */
export const ownerSchema = z.union([
  z.strictObject({ subject: slug, column: identifier }),
  z.strictObject({ subject: slug, path: z.array(hopSchema).min(1, { error: 'a path needs at least one hop' }).max(8) }),
]);

export const tableSchema = z.strictObject({
  description: text,
  /** Why the data is kept, in words for the privacy page. */
  purpose: text,
  /** One owner, or several when a row is about more than one person. */
  owner: z.union([ownerSchema, z.array(ownerSchema).min(1)]).optional(),
  /** Set when the table holds no data about a person, with the reason. */
  notAboutPersons: text.optional(),
  /** Column naming the tenant; row-level security keys on it. */
  tenant: identifier.optional(),
  /** Column that soft deletion sets (A7's `deleted_at`). */
  softDelete: identifier.optional(),
  /** Default erase action for the whole row; columns may override it. */
  erase: eraseSchema.optional(),
  columns: z.record(identifier, columnSchema).default({}),
});

export type TableInput = z.input<typeof tableSchema>;
export type Table = z.output<typeof tableSchema>;
export type Column = z.output<typeof columnSchema>;
export type Owner = z.output<typeof ownerSchema>;
export type Encryption = z.output<typeof encryptionSchema>;
