import type { FastifyInstance } from 'fastify';
import type { Database } from '@custodian/core/db';
import { errorFields } from '../logging/error-fields.js';
import { PATHS } from '../paths.js';

export interface HealthOptions {
  db?: Database | undefined;
  /** How long `select 1` may take before the database counts as unavailable. */
  timeoutMs: number;
}

type Check = 'ok' | 'unavailable';

async function probe(db: Database, timeoutMs: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('health check timed out')), timeoutMs);
  });
  try {
    await Promise.race([db.query('select 1'), timeout]);
    return 'ok';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz`: 200 when the server answers and its database does; 503 when
 * the database fails or hangs, so a load balancer takes the instance out.
 */
export function healthRoute(app: FastifyInstance, { db, timeoutMs }: HealthOptions): void {
  app.get(PATHS.health, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!db) return { status: 'ok' };
    try {
      return { status: 'ok', database: await probe(db, timeoutMs) };
    } catch (error) {
      app.log.warn({ error: errorFields(error) }, 'health check: database unavailable');
      return reply.code(503).send({ status: 'unavailable', database: 'unavailable' });
    }
  });
}
