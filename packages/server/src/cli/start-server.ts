import { join } from 'node:path';
import type { Database } from '@custodian/core/db';
import { resolveRootKey, type RootKey } from '@custodian/core/crypto';
import { LocalArtifactStore, dsarRunTask, exportLinkKey, standardHandlers } from '@custodian/core/dsar';
import { CustodianError } from '@custodian/core/errors';
import { createWorker } from '@custodian/core/jobs';
import type { Policy } from '@custodian/core/policy';
import { buildServer } from '../app.js';
import { createLogger, redactorForPolicy } from '../logging/index.js';
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
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', redactor: redactorForPolicy(options.policy, rootKey.key) });
  const store = new LocalArtifactStore(join(options.stateDir, 'exports'));
  const linkKey = exportLinkKey(rootKey.key);
  const app = await buildServer({ policy: options.policy, db: options.db, logger, mode: options.mode, exports: { store, linkKey } });
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    const code = (error as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'is not allowed for this user' : code === 'EADDRNOTAVAIL' ? 'names an address this machine does not have' : 'failed';
    throw new CustodianError('ERR_SERVER_LISTEN_FAILED', `listening on ${options.host}:${options.port} ${reason}`, {
      cause: error,
      hint: 'choose another --port or --host',
    });
  }
  const publicUrl = (process.env.CUSTODIAN_PUBLIC_URL ?? address.replace('127.0.0.1', 'localhost')).replace(/\/$/, '');
  const smtp = process.env.CUSTODIAN_SMTP_URL;
  // Data subject requests run here, on the Postgres job queue: with several instances, each job is claimed by one.
  const worker = createWorker(options.db, {
    tasks: dsarRunTask(options.db, {
      handlers: standardHandlers({
        policy: options.policy,
        access: { store, linkKey, url: (token) => `${publicUrl}/v1/exports?token=${token}`, ...(smtp ? { mail: { smtp } } : {}) },
      }),
    }),
    onEvent: (event) => {
      if (event.type === 'succeeded') logger.info({ job: event.job.id, task: event.job.task }, 'job done');
      else if (event.type === 'error') logger.error({ code: event.error.code }, event.error.message);
      else logger.warn({ job: event.job.id, task: event.job.task, ...('error' in event ? { code: event.error.code } : {}) }, `job ${event.type}`);
    },
  });
  worker.start();
  const shutdown = async () => {
    info('shutting down');
    await worker.stop({ graceMs: 10_000 });
    await app.close();
    await options.db.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return address.replace('127.0.0.1', 'localhost');
}
