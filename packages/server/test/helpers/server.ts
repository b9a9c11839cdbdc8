import type { FastifyInstance } from 'fastify';
import type { Policy } from '@custodian/core/policy';
import { buildServer, createLogger, type ServerOptions } from '@custodian/server';
import { testPolicy } from './policy.js';

export interface TestServer {
  app: FastifyInstance;
  /** Every log line written, as the raw text pino produced. */
  raw: string[];
  /** The same lines, parsed. */
  lines: () => Record<string, unknown>[];
}

/** A server on the test policy whose log output is captured in memory, not mocked: pino writes to a real stream. */
export async function testServer(options: Partial<ServerOptions> & { policy?: Policy } = {}): Promise<TestServer> {
  const raw: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void raw.push(line) } });
  const app = await buildServer({ mode: 'development', logger, ...options, policy: options.policy ?? testPolicy() });
  return { app, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
