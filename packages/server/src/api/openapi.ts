import { z, type ZodType } from 'zod';
import type { Policy } from '@custodian/core/policy';
import { errorBody } from './schemas.js';
import { DEFAULT_ROUTE_CLASS } from './limits.js';
import type { RouteRegistry } from './route.js';

const jsonSchema = (schema: ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });

/** `/v1/tenants/:tenant/members` → `/v1/tenants/{tenant}/members`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

function parameters(schema: ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s }));
}

const ACCESS_TEXT = {
  public: 'No sign-in needed.',
  session: 'Needs a signed-in session.',
  operator: 'Platform operators only; every call is audited (C4).',
} as const;

/**
 * The OpenAPI 3.0 document of the JSON API, generated from the same Zod
 * schemas that validate each request, so the two cannot drift.
 */
export function openApiDocument(policy: Policy, registry: RouteRegistry): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of registry) {
    const path = (paths[openApiPath(route.url)] ??= {});
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema) } } } : {}),
      };
    }
    const errorContent = { 'application/json': { schema: jsonSchema(errorBody) } };
    // C21/C23: a route whose class the policy limits says so, with the headers a client should read.
    const className = route.limit?.class ?? DEFAULT_ROUTE_CLASS;
    const declared = policy.rateLimits[className];
    if (declared && !responses['429']) {
      const brute = policy.bruteForce?.routeClasses.includes(className) && route.limit?.failures?.length;
      responses['429'] = {
        description: `Rate limited (class \`${className}\`${brute ? ', or blocked after repeated failures' : ''}): wait \`Retry-After\` seconds. \`ERR_RATE_LIMITED\`${brute ? ' or `ERR_TOO_MANY_FAILURES`' : ''}.`,
        headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
        content: errorContent,
      };
    }
    responses.default = { description: 'An error with a stable code (docs/errors.md); 403 `ERR_IP_BLOCKED` for an address on the blocklist (C22).', content: errorContent };
    path[route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      description:
        route.access.kind === 'tenant'
          ? `Needs the \`${route.access.permission}\` permission in the tenant.`
          : ACCESS_TEXT[route.access.kind],
      ...(route.access.kind === 'public' ? { security: [] } : {}),
      ...(route.access.kind === 'tenant' ? { 'x-permission': route.access.permission } : {}),
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: `${policy.organization.name} API`, version: '1', description: 'Sign-in, tenants, members, data subject requests and the audit log.' },
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: '__Host-custodian_session' } } },
    security: [{ session: [] }],
    paths,
  };
}
