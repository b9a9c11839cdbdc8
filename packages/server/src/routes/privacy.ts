import type { FastifyInstance } from 'fastify';
import type { Policy } from '@custodian/core/policy';
import { renderPrivacyPage } from '../pages/privacy.js';
import { PATHS } from '../paths.js';

/** `GET /privacy`: rendered once at start-up, since the policy cannot change while the server runs. */
export function privacyRoute(app: FastifyInstance, policy: Policy): void {
  const page = renderPrivacyPage(policy, PATHS.privacy);
  app.get(PATHS.privacy, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
