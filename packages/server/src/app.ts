import { fastify, LogController, type FastifyInstance } from 'fastify';
import type { Database } from '@custodian/core/db';
import { ConfigError, PolicyInvalidError } from '@custodian/core/errors';
import { createLimits, openLimitStore, type LimitStore } from '@custodian/core/limits';
import { validatePolicy, type Policy } from '@custodian/core/policy';
import { createLogger, type Logger } from './logging/logger.js';
import { redactorForPolicy } from './logging/redactor.js';
import { requestLogging, requestLogWriter } from './logging/request-log.js';
import { STYLE_CSP_SOURCE } from './pages/layout.js';
import { errorHandling, frameworkErrorHandler } from './plugins/errors.js';
import { applySecurityHeaders, securityHeaderSet, securityHeaders } from './plugins/security-headers.js';
import { registerApi } from './api/index.js';
import { abuseProtection } from './api/limits.js';
import { requestIdentity } from './request-identity.js';
import { dataMapRoute } from './routes/data-map.js';
import { exportsRoute } from './routes/exports.js';
import { healthRoute } from './routes/healthz.js';
import { homeRoute } from './routes/home.js';
import { policyRoute } from './routes/policy.js';
import { privacyRoute } from './routes/privacy.js';
import { securityTxtRoute } from './routes/security-txt.js';
import { subprocessorsRoute } from './routes/subprocessors.js';

export interface ServerOptions {
  /** The validated policy (from `definePolicy` or `loadPolicyFile`); every page is generated from it. */
  policy: Policy;
  /** The database `/healthz` probes; without one, health reports the server alone. */
  db?: Database | undefined;
  /** A logger from `createLogger`; by default one at level `info` on standard output. */
  logger?: Logger | undefined;
  /** `production` adds Strict-Transport-Security; `development` leaves it off for plain-HTTP local use. */
  mode: 'development' | 'production';
  /** Largest request body accepted, in bytes; 1 MiB by default. */
  bodyLimit?: number | undefined;
  /** The clock, for `security.txt`'s `Expires`; tests pass a fixed one. */
  now?: (() => Date) | undefined;
  /** How long the health check's `select 1` may take; 2 s by default. */
  healthTimeoutMs?: number | undefined;
  /**
   * Passed to Fastify: trust `X-Forwarded-*` from a proxy in front (`true`, a
   * number of hops, or the proxies' addresses). Off by default. Behind a proxy
   * it must be set, or per-address limits and the blocklist see only the proxy.
   */
  trustProxy?: boolean | string[] | ((address: string, hop: number) => boolean) | undefined;
  /**
   * Where rate-limit and brute-force counters live: `openLimitStore({ redisUrl })`
   * to share them between instances. This process's memory by default. The
   * caller closes a store it passes in.
   */
  limitStore?: LimitStore | undefined;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Builds the HTTP server: security headers, allowlisted request logging and
 * JSON errors on every response, and the pages generated from the policy.
 * Returns the instance without listening, so callers can add routes (which
 * inherit the same hooks) and then `listen()` or `inject()`.
 *
 * @example
 * const app = await buildServer({ policy, db, mode: 'development' });
 * await app.listen({ port: 3000 });
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  // Fail at start-up, loudly, rather than serve a page generated from an invalid policy.
  const checked = validatePolicy(options.policy);
  if (!checked.ok) throw new PolicyInvalidError(checked.problems);
  if (options.mode !== 'development' && options.mode !== 'production') {
    throw new ConfigError('mode must be `development` or `production`', 'pass mode: "development" or "production"');
  }
  const policy = checked.policy;
  const logger = options.logger ?? createLogger({ redactor: redactorForPolicy(policy) });
  const headers = securityHeaderSet({ production: options.mode === 'production', styleSources: [STYLE_CSP_SOURCE] });
  const writeRequestLog = requestLogWriter(logger, policy.logging.requestFields);

  // Typed as the default instance: pino's Logger satisfies FastifyBaseLogger, but the generic parameter would follow every caller.
  const app = fastify({
    loggerInstance: logger,
    // Our own onResponse hook writes the one allowlisted line per request (A4).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    frameworkErrors: frameworkErrorHandler((request, reply) => applySecurityHeaders(request, reply, headers), writeRequestLog),
  }) as unknown as FastifyInstance;

  requestIdentity(app);
  // C21–C23: limits from the policy; the blocklist is checked before any other hook does work.
  const limitStore = options.limitStore ?? openLimitStore();
  const limits = createLimits(policy, limitStore);
  abuseProtection(app, limits, options.db);
  if (!options.limitStore) app.addHook('onClose', async () => limitStore.close());
  securityHeaders(app, headers);
  requestLogging(app, writeRequestLog);
  errorHandling(app);

  healthRoute(app, { db: options.db, timeoutMs: options.healthTimeoutMs ?? 2000 });
  homeRoute(app, policy);
  privacyRoute(app, policy);
  dataMapRoute(app, policy);
  subprocessorsRoute(app, policy);
  securityTxtRoute(app, policy, options.now ?? (() => new Date()));
  policyRoute(app, policy);
  exportsRoute(app, options);
  if (options.db) registerApi(app, { db: options.db, policy, mode: options.mode, limits, api: options.api });
  return app;
}
