import type { FastifyInstance } from 'fastify';
import { can, permissionMatrix, type Role } from '@custodian/core/auth';
import type { FieldCrypto } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import type { Limits } from '@custodian/core/limits';
import { ConfigError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import { createOidcClient, type OidcClient, type OidcProviderSettings } from '../auth/oidc-client.js';
import { adminRoutes } from '../routes/api-admin.js';
import { auditRoutes } from '../routes/api-audit.js';
import { meRoutes } from '../routes/api-me.js';
import { requestRoutes } from '../routes/api-requests.js';
import { signInRoutes } from '../routes/api-signin.js';
import { tenantRoutes } from '../routes/api-tenants.js';
import { openApiDocument } from './openapi.js';
import { defineRoute, type RouteRegistry, type RouteSpec } from './route.js';

export { API_BODY_LIMIT } from './route.js';

/** Settings of the JSON API beyond the policy. */
export interface ApiOptions {
  /** Client settings of each OpenID provider the policy names (`auth.providers`), by id. */
  providers?: OidcProviderSettings[] | undefined;
  /** The demo's sign-in by email alone; production refuses to start with it on. */
  devSignIn?: boolean | undefined;
  /** This server's public origin (`https://privacy.example.com`), for sign-in redirect URIs. */
  publicUrl?: string | undefined;
  /** Opens columns the policy exports decrypted, for the self-service export. */
  fields?: FieldCrypto | undefined;
  /**
   * The application's own routes, registered through the same machinery:
   * Zod-validated input, a declared permission checked against the caller's
   * role, the tenant's transaction run as the application role under RLS,
   * and an entry in `/openapi.json`.
   *
   * @example
   * routes: (api) => api.route({ method: 'GET', url: '/v1/tenants/:tenant/messages', tag: 'app', summary: 'Messages',
   *   access: { kind: 'tenant', permission: 'messages.read' }, params: tenantParams, responses: { 200: { description: 'Messages' } },
   *   handler: ({ tenant }) => tenant!.tx(async (tx) => ({ messages: (await tx.query('SELECT id, body FROM messages')).rows }), { readOnly: true }) })
   */
  routes?: ((api: Api) => void) | undefined;
}

declare module '../app.js' {
  interface ServerOptions {
    /** The JSON API's settings; the API is served whenever the server has a database. */
    api?: ApiOptions | undefined;
  }
}

/** What route files register through: validation, authorisation and the OpenAPI entry come with every route. */
export interface Api {
  route<P, Q, B>(spec: RouteSpec<P, Q, B>): void;
  /** The policy's permission matrix, for checks a route makes beyond its declared permission. */
  can(role: Role, permission: string): boolean;
}


/**
 * The JSON API under `/v1`: sign-in (OIDC, and the development sign-in when
 * enabled), the signed-in person's own routes, tenants and members, data
 * subject requests, the audit log, operator grants, and `/openapi.json`.
 */
export function registerApi(app: FastifyInstance, options: { db: Database; policy: Policy; mode: 'development' | 'production'; limits: Limits; api?: ApiOptions | undefined }): void {
  const { db, policy, limits } = options;
  const settings = options.api ?? {};
  if (settings.devSignIn && options.mode === 'production') {
    throw new ConfigError('the development sign-in cannot be enabled in production', 'remove devSignIn, and sign in through an OpenID provider');
  }
  // A provider's `sub` names one person only together with its issuer; with several providers, only an email links records.
  if (policy.auth.subject && policy.auth.subject.identity !== 'email' && policy.auth.providers.length > 1) {
    throw new ConfigError('auth.subject.identity must be `email` when the policy names several sign-in providers', 'link signed-in people to their records by email');
  }
  const clients = new Map<string, OidcClient>();
  for (const provider of settings.providers ?? []) {
    if (!policy.auth.providers.some((p) => p.id === provider.id)) {
      throw new ConfigError(`sign-in provider \`${provider.id}\` is not declared in the policy's auth.providers`, 'declare it there, so the privacy page lists it');
    }
    clients.set(provider.id, createOidcClient(provider));
  }
  const publicUrl = settings.publicUrl?.replace(/\/$/, '');
  const matrix = permissionMatrix(policy);
  const registry: RouteRegistry = [];
  const deps = { db, matrix, cookie: policy.auth.session, limits };
  const api: Api = {
    route: (spec) => defineRoute(app, deps, registry, spec),
    can: (role, permission) => can(matrix, role, permission),
  };

  signInRoutes(api, { db, policy, clients, publicUrl });
  meRoutes(api, { db, policy, fields: settings.fields, devSignIn: settings.devSignIn ?? false });
  tenantRoutes(api, { db, policy });
  requestRoutes(api, { db, policy });
  auditRoutes(api, { db });
  adminRoutes(api, { db, policy, limits });
  settings.routes?.(api);

  app.get('/openapi.json', async (_request, reply) => reply.header('cache-control', 'no-cache').send(openApiDocument(policy, registry)));
}
