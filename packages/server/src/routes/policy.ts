import type { FastifyInstance } from 'fastify';
import type { Policy } from '@custodian/core/policy';
import { PATHS } from '../paths.js';

/** `GET /v1/policy`: the validated policy, with every default filled in, exactly as enforced. */
export function policyRoute(app: FastifyInstance, policy: Policy): void {
  const body = JSON.stringify(policy);
  app.get(PATHS.policy, async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
}
