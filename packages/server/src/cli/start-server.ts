import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Database } from '@custodian/core/db';
import { resolveRootKey, type RootKey } from '@custodian/core/crypto';
import { LocalArtifactStore, dsarRunTask, exportLinkKey, standardHandlers } from '@custodian/core/dsar';
import { ConfigError, CustodianError } from '@custodian/core/errors';
import { openLimitStore, parseNetwork } from '@custodian/core/limits';
import { createWorker } from '@custodian/core/jobs';
import type { Policy } from '@custodian/core/policy';
import { buildServer } from '../app.js';
import type { ApiOptions } from '../api/index.js';
import { providersFromEnv } from '../auth/providers-from-env.js';
import { createLogger, redactorForPolicy } from '../logging/index.js';
import { retentionInterval, retentionSweepTask, scheduleRetentionSweep } from '../retention-job.js';
import { auditArchiveFor, noticeMailer } from '../retention-options.js';
import { info, yellow } from './output.js';

export type Mode = 'development' | 'production';

export function modeFrom(flag: boolean | undefined): Mode {
  return flag || process.env.NODE_ENV === 'production' ? 'production' : 'development';
}

export interface StartOptions {
  policy: Policy;
  db: Database;
  mode: Mode;
  host: string;
  port: number;
  /** Folder for development-only state such as a generated key; exports wait in its `exports` folder. */
  stateDir: string;
  /** The demo's sign-in by email alone; refused in production. */
  devSignIn?: boolean;
  /** The application's own API routes (an example's `routes`). */
  routes?: ApiOptions['routes'];
}

/**
 * The root key (production refuses to start without one); in development a
 * generated key file, announced loudly.
 */
export function rootKeyFor(mode: Mode, stateDir: string): RootKey {
  const rootKey = resolveRootKey({ mode, developmentKeyFile: join(stateDir, 'dev-root-key') });
  if (rootKey.source !== 'environment') {
    info(yellow(`development mode: using a development root key ${rootKey.source === 'development-generated' ? 'generated now ' : ''}in ${rootKey.file} — never use it in production`));
  }
  return rootKey;
}

/**
 * Resolves the root key (production refuses to start without one), builds the
 * server and listens. Closes the server and the database on SIGINT/SIGTERM so
 * the embedded database is flushed to disk.
 */
export async function startServer(options: StartOptions & { rootKey?: RootKey }): Promise<string> {
  // Resolving it checks the configuration: production stops here without a key.
  const rootKey = options.rootKey ?? rootKeyFor(options.mode, options.stateDir);
  // Checked before listening, like the key: a mistyped CUSTODIAN_RETENTION_INTERVAL stops the start.
  const retentionEvery = retentionInterval();
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', redactor: redactorForPolicy(options.policy, rootKey.key) });
  const store = new LocalArtifactStore(join(options.stateDir, 'exports'));
  const linkKey = exportLinkKey(rootKey.key);
  // Known before listening: redirect URIs and invite links are built from it.
  let publicUrl = (process.env.CUSTODIAN_PUBLIC_URL ?? `http://${options.host === '127.0.0.1' || options.host === '0.0.0.0' ? 'localhost' : options.host}:${options.port}`).replace(/\/$/, '');
  const { providers, missing } = providersFromEnv(options.policy, options.mode);
  for (const m of missing) logger.warn(`sign-in with ${m.id} is off: ${m.variable} is not set`);
  const trustProxy = trustProxyFromEnv();
  // C21: counters shared through Redis when REDIS_URL is set, so every instance enforces one limit; else in this process.
  const limitStore = openLimitStore({
    redisUrl: process.env.REDIS_URL,
    timeoutMs: process.env.CUSTODIAN_LIMITS_TIMEOUT_MS === undefined ? undefined : envInt('CUSTODIAN_LIMITS_TIMEOUT_MS', process.env.CUSTODIAN_LIMITS_TIMEOUT_MS),
    // The URL may carry a password: the log names the state change only.
    onStoreEvent: (event) => (event.kind === 'store-up' ? logger.info('rate-limit store (Redis) connected') : logger.warn({ reason: event.reason }, 'rate-limit store (Redis) unreachable; each route class follows its onStoreFailure mode')),
  });
  logger.info({ store: limitStore.kind, trustProxy: process.env.CUSTODIAN_TRUST_PROXY || 'false' }, 'rate limits');
  if (trustProxy === true) {
    logger.warn('CUSTODIAN_TRUST_PROXY=true trusts the left-most X-Forwarded-For, which a client can write: name your proxies (addresses or a hop count) unless yours replaces the header');
  }
  let app: Awaited<ReturnType<typeof buildServer>>;
  try {
    app = await buildServer({
      policy: options.policy,
      db: options.db,
      logger,
      mode: options.mode,
      limitStore,
      trustProxy,
      exports: { store, linkKey },
      api: { providers, publicUrl, devSignIn: options.devSignIn ?? false, routes: options.routes },
    });
  } catch (error) {
    // An open Redis client would keep reconnecting and the process from exiting.
    await limitStore.close();
    throw error;
  }
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    await limitStore.close();
    const code = (error as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'is not allowed for this user' : code === 'EADDRNOTAVAIL' ? 'names an address this machine does not have' : 'failed';
    throw new CustodianError('ERR_SERVER_LISTEN_FAILED', `listening on ${options.host}:${options.port} ${reason}`, {
      cause: error,
      hint: 'choose another --port or --host',
    });
  }
  // With --port 0 the port is known only now (sign-in then needs CUSTODIAN_PUBLIC_URL; export links use the real port).
  if (!process.env.CUSTODIAN_PUBLIC_URL && options.port === 0) publicUrl = address.replace('127.0.0.1', 'localhost').replace(/\/$/, '');
  const smtp = process.env.CUSTODIAN_SMTP_URL;
  // Data subject requests and retention sweeps run here, on the Postgres job queue: with several instances, each job is claimed by one.
  const worker = createWorker(options.db, {
    tasks: {
      ...dsarRunTask(options.db, {
        handlers: standardHandlers({
          policy: options.policy,
          access: { store, linkKey, url: (token) => `${publicUrl}/v1/exports?token=${token}`, ...(smtp ? { mail: { smtp } } : {}) },
        }),
      }),
      ...(retentionEvery ? retentionTask(options, retentionEvery, smtp, logger) : {}),
    },
    onEvent: (event) => {
      if (event.type === 'succeeded') logger.info({ job: event.job.id, task: event.job.task }, 'job done');
      else if (event.type === 'error') logger.error({ code: event.error.code }, event.error.message);
      else logger.warn({ job: event.job.id, task: event.job.task, ...('error' in event ? { code: event.error.code } : {}) }, `job ${event.type}`);
    },
  });
  worker.start();
  if (retentionEvery) {
    // The server is up by now: a queue that cannot be written to is logged, not fatal; the next start schedules again.
    await scheduleRetentionSweep(options.db).then(
      () => logger.info({ interval: retentionEvery }, 'retention sweeps scheduled'),
      (error: unknown) => logger.error({ code: (error as { code?: string }).code ?? 'ERR_INTERNAL' }, 'retention sweeps could not be scheduled'),
    );
  }
  const shutdown = async () => {
    info('shutting down');
    await worker.stop({ graceMs: 10_000 });
    await app.close();
    await limitStore.close();
    await options.db.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return address.replace('127.0.0.1', 'localhost');
}

/**
 * The `retention.sweep` task (see retention-job.ts), with notices mailed
 * through CUSTODIAN_SMTP_URL and audit events archived where
 * `custodian audit archive` puts them; what is missing is logged once and
 * reported as skipped by every sweep.
 */
function retentionTask(options: StartOptions, interval: string, smtp: string | undefined, logger: ReturnType<typeof createLogger>) {
  const mailer = noticeMailer(options.policy, smtp);
  const archive = auditArchiveFor(options.policy, { mode: options.mode, stateDir: options.stateDir });
  if (!mailer && options.policy.retention.some((r) => r.kind === 'inactivity')) logger.warn('retention: no CUSTODIAN_SMTP_URL, so inactivity rules are skipped');
  if (archive.why) logger.warn(`retention: audit.retention is skipped: ${archive.why}`);
  return retentionSweepTask(options.db, {
    policy: options.policy,
    interval,
    ...(mailer ? { mailer } : {}),
    ...(archive.archive ? { auditArchive: archive.archive } : {}),
    onResult: (r) => {
      const fields = { run: r.runId, rows: r.rows, ms: r.ms, skipped: r.steps.filter((s) => s.skipped).map((s) => `${s.rule}:${s.skipped}`) };
      if (r.state === 'succeeded') logger.info(fields, 'retention sweep done');
      // The failed steps are retried by the next sweep; the rest of this one ran.
      else logger.warn({ ...fields, failed: r.steps.filter((s) => s.error).map((s) => `${s.rule}#${s.stage}:${s.error!.code}`) }, 'retention sweep done with failed steps');
    },
  });
}

function envInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be a whole number of milliseconds`, `e.g. ${name}=100`);
  return n;
}

/**
 * CUSTODIAN_TRUST_PROXY: behind a load balancer every request comes from the
 * balancer's address, and per-address limits and the blocklist would see one
 * client. `true` trusts X-Forwarded-For from any hop, a number trusts that many
 * hops, a comma-separated list trusts those proxy addresses or ranges.
 */
export function trustProxyFromEnv(value = process.env.CUSTODIAN_TRUST_PROXY): boolean | string[] | ((address: string, hop: number) => boolean) | undefined {
  if (value === undefined || value === '' || value === 'false') return undefined;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  const list = value.split(',').map((v) => v.trim()).filter(Boolean);
  for (const item of list) {
    if ('error' in parseNetwork(item) && isIP(item) === 0) {
      throw new ConfigError('CUSTODIAN_TRUST_PROXY must be true, a number of hops, or a comma-separated list of proxy addresses or ranges', 'e.g. CUSTODIAN_TRUST_PROXY=10.0.0.0/8');
    }
  }
  return list;
}
