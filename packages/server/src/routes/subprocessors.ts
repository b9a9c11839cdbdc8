import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Policy } from '@custodian/core/policy';
import { renderSubprocessorsPage, subprocessorsJson } from '../pages/subprocessors.js';
import { PATHS } from '../paths.js';

/** Quality of a media type in an Accept header: exact, then `type/*`, then `*\/*`; 0 when absent. */
function quality(accept: string, type: string): number {
  let best = -1;
  let q = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === type ? 2 : range === `${type.split('/')[0]}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    best = specificity;
    q = Number.isFinite(value) ? value : 0;
  }
  return q;
}

/** JSON when asked by `?format=json`, or when the Accept header prefers JSON to HTML. */
function wantsJson(request: FastifyRequest<{ Querystring: { format?: 'html' | 'json' } }>): boolean {
  if (request.query.format) return request.query.format === 'json';
  const accept = request.headers.accept;
  if (!accept) return false;
  return quality(accept, 'application/json') > quality(accept, 'text/html');
}

/** `GET /legal/subprocessors` (C25): an HTML table, or the same list as JSON. */
export function subprocessorsRoute(app: FastifyInstance, policy: Policy): void {
  const page = renderSubprocessorsPage(policy, PATHS.subprocessors);
  const json = JSON.stringify(subprocessorsJson(policy));
  app.get<{ Querystring: { format?: 'html' | 'json' } }>(
    PATHS.subprocessors,
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: ['html', 'json'] } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      reply.header('vary', 'Accept');
      if (wantsJson(request)) return reply.type('application/json; charset=utf-8').send(json);
      return reply.type('text/html; charset=utf-8').send(page);
    },
  );
}
