import { z } from 'zod';
import { approxSeconds, DURATION_PATTERN } from '../duration.js';
import { duration, email, httpsUrl, identifier, isoDate, slug, tableName, text } from './common.js';

export const organizationSchema = z.strictObject({
  name: text,
  legalName: text.optional(),
  url: httpsUrl,
  address: text.optional(),
  country: z.string().regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166-1 alpha-2 country code such as US' }).optional(),
});

const contact = z.strictObject({
  email,
  url: httpsUrl.optional(),
});

export const contactsSchema = z.strictObject({
  privacy: contact,
  /** Feeds `/.well-known/security.txt` (RFC 9116). */
  security: contact.extend({
    /** How long a served security.txt stays valid; RFC 9116 advises under a year. */
    expiresAfter: duration.default('180d').refine((d) => !DURATION_PATTERN.test(d) || approxSeconds(d) <= 365 * 86_400, {
      error: 'must be at most a year (RFC 9116 advises Expires less than a year ahead)',
    }),
    encryption: httpsUrl.optional(),
    acknowledgments: httpsUrl.optional(),
    policy: httpsUrl.optional(),
    hiring: httpsUrl.optional(),
    preferredLanguages: z.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/)).default(['en']),
  }),
  dpo: contact.optional(),
});

export const subprocessorSchema = z.strictObject({
  name: text,
  purpose: text,
  /** Where it processes data, e.g. `United States` or `EU (Frankfurt)`. */
  location: text,
  url: httpsUrl.optional(),
  categories: z.array(slug).default([]),
});

/** One announced version of the policy (C26). */
export const changeSchema = z.strictObject({
  version: text,
  announced: isoDate,
  effective: isoDate,
  /** A material change must take effect at least 30 days after it is announced. */
  material: z.boolean(),
  summary: text,
});

/** The table with one row per tenant (a company, a workspace); tenant columns elsewhere refer to its key. */
export const tenantsSchema = z.strictObject({
  table: tableName,
  key: identifier.default('id'),
  /** Its column naming the tenant's data region (B10, B11). */
  region: identifier.optional(),
});

export const regionSchema = z.strictObject({
  code: z.string().regex(/^[a-z]{2}(-[a-z]+)*$/, { error: 'must be a region code such as `us`, `eu` or `me-south`' }),
  name: text,
  default: z.boolean().default(false),
  /** The AI or other provider region work for this region's workspaces is sent to (B10). */
  providerRegion: text.optional(),
  /** The legal context that applies, e.g. `GDPR` (B10). */
  legalContext: text.optional(),
  /** Environment variable holding this region's database URL, for physical separation (B11). */
  databaseUrlEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'must be an environment variable name such as DATABASE_URL_EU' }).optional(),
});
