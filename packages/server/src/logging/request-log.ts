import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PolicyData } from '@custodian/core/policy';
import { redactQuery } from './logger.js';

export type RequestLogField = PolicyData['logging']['requestFields'][number];

/** Each allowed field and how to read it; a field not listed here cannot reach the log. */
const READERS: Record<RequestLogField, [key: string, read: (request: FastifyRequest, reply: FastifyReply) => unknown]> = {
  method: ['method', (req) => req.method],
  path: ['path', (req) => redactQuery(req.url)],
  status: ['status', (_req, reply) => reply.statusCode],
  duration: ['durationMs', (_req, reply) => Math.round(reply.elapsedTime * 100) / 100],
  userId: ['userId', (req) => req.userId],
  requestId: ['requestId', (req) => req.id],
  tenantId: ['tenantId', (req) => req.tenantId],
};

/** Builds the writer of a request's log line: exactly the allowlisted fields, nothing else. */
export function requestLogWriter(logger: FastifyBaseLogger, fields: readonly RequestLogField[]) {
  const readers = fields.map((f) => READERS[f]);
  return (request: FastifyRequest, reply: FastifyReply): void => {
    const line: Record<string, unknown> = {};
    for (const [key, read] of readers) {
      const value = read(request, reply);
      if (value !== undefined && value !== null) line[key] = value;
    }
    logger.info(line, 'request');
  };
}

/**
 * One log line per request with exactly the policy's allowlisted fields (A4):
 * method, path without query values, status, duration, user id. Never
 * headers, bodies or query values. Fastify's own request logging is off, so
 * this is the only request line written.
 */
export function requestLogging(app: FastifyInstance, write: (request: FastifyRequest, reply: FastifyReply) => void): void {
  app.addHook('onResponse', async (request, reply) => write(request, reply));
}
