import { z } from 'zod';
import { duration, httpsUrl, slug, text } from './common.js';

export const auditSchema = z.strictObject({
  /** How long events stay in the primary database before archiving (C6). */
  retention: duration.default('2y'),
  archive: z.enum(['local', 's3', 'none']).default('local'),
  checkpoint: z
    .strictObject({
      everyEvents: z.number().int().min(1).max(1_000_000).default(1000),
      every: duration.default('1h'),
    })
    .prefault({}),
});

export const REQUEST_KINDS = ['access', 'deletion', 'rectification', 'restriction', 'objection'] as const;

export const requestsSchema = z.strictObject({
  jurisdictions: z
    .record(
      slug,
      z.strictObject({
        name: text,
        deadline: duration,
        /** How much longer a request may take when an extension is recorded with a reason. */
        extension: duration.optional(),
      }),
    )
    .default({ gdpr: { name: 'GDPR', deadline: '30d', extension: '60d' }, ccpa: { name: 'CCPA', deadline: '45d', extension: '45d' } }),
  defaultJurisdiction: slug.default('gdpr'),
  kinds: z.array(z.enum(REQUEST_KINDS)).default([...REQUEST_KINDS]),
  /** How long the signed link to an export works (B5: 7 days). */
  exportLinkTtl: duration.default('7d'),
  /** Self-service endpoints offered to the signed-in subject (C10, C11). */
  selfService: z.strictObject({ export: z.boolean().default(true), deletion: z.boolean().default(true) }).prefault({}),
});

export const loggingSchema = z.strictObject({
  /** Request log fields: an allowlist; bodies are never logged (A4). */
  requestFields: z.array(z.enum(['method', 'path', 'status', 'duration', 'userId', 'requestId', 'tenantId'])).default([
    'method',
    'path',
    'status',
    'duration',
    'userId',
  ]),
  redact: z
    .strictObject({
      /** Object keys whose values are always replaced, added to the built-in list. */
      denyKeys: z.array(z.string().min(1)).default([]),
      /** Extra patterns (JavaScript regular expressions) applied to every string. */
      patterns: z.array(z.strictObject({ name: slug, pattern: z.string().min(1) })).default([]),
      /** Keep a non-secret prefix such as `sk_live_` or `AKIA` in the marker. */
      keepPrefixes: z.boolean().default(false),
    })
    .prefault({}),
  /** A6: 30 days hot, 90 days cold archive, then deleted. */
  retention: z.strictObject({ hot: duration, cold: duration.optional() }).optional(),
});

const limitSchema = z.strictObject({
  points: z.number().int().min(1).max(1_000_000),
  per: duration,
  /** Block for this long once the limit is exceeded. */
  blockFor: duration.optional(),
});

/**
 * The longest rate-limit window or block, in seconds: in-process counters
 * expire on Node timers, which cannot wait longer than 2^31 ms (24.8 days).
 */
export const MAX_LIMIT_SECONDS = 24 * 86_400;

export const rateLimitSchema = z.strictObject({
  perIp: limitSchema.optional(),
  perIdentity: limitSchema.optional(),
  /** When the shared store (Redis) fails: a bounded in-process limiter, let through, or refuse. */
  onStoreFailure: z.enum(['local-fallback', 'allow', 'deny']).default('local-fallback'),
});

export const bruteForceSchema = z.strictObject({
  /** Failed attempts per IP or per target within `per` before a block (C23). */
  maxFailures: z.number().int().min(1).max(10_000),
  per: duration,
  blockFor: duration,
  /** Each repeated block lasts this many times longer than the last. */
  escalation: z.number().min(1).max(100).default(2),
  /** Route classes (keys of `rateLimits`) whose failures count, e.g. `invite-lookup`, `signin` (C23). */
  routeClasses: z.array(slug).default([]),
});

/** The incident-response IP blocklist (C22). */
export const blocklistSchema = z.strictObject({
  /** How long an entry lasts when it is added without an expiry. */
  defaultExpiry: duration.default('30d'),
  /** The longest expiry an entry may carry. */
  maxExpiry: duration.default('1y'),
});

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

export const accessSchema = z.strictObject({
  roles: z.array(z.enum(ROLES)).default([...ROLES]),
  /** Permission name → roles granted it (B9, C18). */
  permissions: z.record(z.string().regex(/^[a-z][a-z0-9_.-]*$/), z.array(z.enum(ROLES))).default({}),
  operators: z
    .strictObject({
      /** Longest time-boxed operator grant (C19). */
      maxGrant: duration.default('4h'),
      requireTicket: z.boolean().default(true),
    })
    .prefault({}),
});

export const authSchema = z.strictObject({
  providers: z
    .array(
      z.strictObject({
        id: slug,
        kind: z.literal('oidc'),
        name: text,
        issuer: httpsUrl,
      }),
    )
    .default([]),
  /** A10: no passwords are stored; a policy cannot turn this on. */
  passwords: z.literal(false).default(false),
  session: z
    .strictObject({
      ttl: duration.default('30d'),
      sameSite: z.enum(['lax', 'strict']).default('lax'),
    })
    .prefault({}),
  invites: z.strictObject({ ttl: duration.default('14d') }).prefault({}),
  /**
   * Which data subject a signed-in person is in the application's tables, and
   * the identity that finds them from their sign-in (their verified email, or
   * the provider's subject id): the self-service export and deletion (C10, C11)
   * act on that person's rows.
   */
  subject: z.strictObject({ name: slug, identity: slug.default('email') }).optional(),
});

/** Promises about untrusted AI-generated apps (A12–A19). */
export const sandboxSchema = z.strictObject({
  userFields: z.array(z.enum(['id', 'name', 'email', 'avatar'])).default(['id', 'name', 'email', 'avatar']),
  runtimeApi: z.array(z.string()).default(['useUser', 'useProjectData', 'useDataAgent']),
  importAllowlist: z.array(z.string().min(1)).default(['react']),
  sourceMaps: z.literal(false).default(false),
  gate: z
    .strictObject({
      evaluator: z.enum(['llm', 'none']).default('llm'),
      onEvaluatorError: z.enum(['publish', 'hold']).default('publish'),
    })
    .prefault({}),
});
