import type { FastifyInstance } from 'fastify';
import type { Policy } from '@custodian/core/policy';
import { renderSecurityTxt } from '../pages/security-txt.js';
import { PATHS } from '../paths.js';

/** `GET /.well-known/security.txt` (RFC 9116, C24); rendered per request because `Expires` counts from now. */
export function securityTxtRoute(app: FastifyInstance, policy: Policy, now: () => Date): void {
  app.get(PATHS.securityTxt, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(renderSecurityTxt(policy, now())));
}
