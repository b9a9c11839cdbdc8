import type { FastifyInstance } from 'fastify';
import type { Policy } from '@custodian/core/policy';
import { renderHomePage } from '../pages/home.js';
import { PATHS } from '../paths.js';

/** `GET /`: links to every generated page. */
export function homeRoute(app: FastifyInstance, policy: Policy): void {
  const page = renderHomePage(policy, PATHS.home);
  app.get(PATHS.home, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
