import type { FastifyInstance } from 'fastify';
import type { Policy } from '@custodian/core/policy';
import { renderDataMap } from '../pages/data-map.js';
import { PATHS } from '../paths.js';

/** `GET /data-map`: every table → columns → category, encryption, erase action, owner path. */
export function dataMapRoute(app: FastifyInstance, policy: Policy): void {
  const page = renderDataMap(policy, PATHS.dataMap);
  app.get(PATHS.dataMap, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
