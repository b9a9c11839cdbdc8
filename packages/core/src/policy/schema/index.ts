import { z } from 'zod';
import { email, isoDate, slug, tableName, text } from './common.js';
import { changeSchema, contactsSchema, organizationSchema, regionSchema, subprocessorSchema, tenantsSchema } from './organization.js';
import { accessSchema, auditSchema, authSchema, blocklistSchema, bruteForceSchema, loggingSchema, rateLimitSchema, requestsSchema, sandboxSchema } from './operations.js';
import { retentionRuleSchema } from './retention.js';
import { subjectSchema } from './subjects.js';
import { tableSchema } from './tables.js';

export const policySchema = z.strictObject({
  /** The policy's version as published, e.g. `2026-11-01` or `3.2`. */
  version: text,
  /** When this version takes effect. */
  effectiveDate: isoDate,
  /** Earlier and current announced versions (C26). */
  changes: z.array(changeSchema).default([]),
  organization: organizationSchema,
  contacts: contactsSchema,
  subprocessors: z.array(subprocessorSchema).default([]),
  regions: z
    .array(regionSchema)
    .min(1, { error: 'declare at least one data region' })
    .default([{ code: 'us', name: 'United States', default: true }]),
  tenants: tenantsSchema.optional(),
  subjects: z.record(slug, subjectSchema).refine((r) => Object.keys(r).length > 0, { error: 'declare at least one subject' }),
  tables: z.record(tableName, tableSchema),
  retention: z.array(retentionRuleSchema).default([]),
  audit: auditSchema.prefault({}),
  requests: requestsSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  rateLimits: z.record(slug, rateLimitSchema).default({}),
  bruteForce: bruteForceSchema.optional(),
  blocklist: blocklistSchema.optional(),
  access: accessSchema.prefault({}),
  auth: authSchema.prefault({}),
  sandbox: sandboxSchema.optional(),
  /** Where people send requests when they cannot sign in. */
  requestsContact: email.optional(),
});

export type PolicyInput = z.input<typeof policySchema>;
export type PolicyData = z.output<typeof policySchema>;
