import { z } from 'zod';
import { listGrants, openGrant, revokeGrant } from '@custodian/core/auth';
import type { Database } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import { approxSeconds, parseDuration, type Policy } from '@custodian/core/policy';
import type { Api } from '../api/index.js';
import { isoDateTime, tenantId, uuid } from '../api/schemas.js';

const grantOut = z.object({ id: uuid, operatorId: uuid, tenant: z.string(), justification: z.string(), ticket: z.string().nullable(), startsAt: isoDateTime, expiresAt: isoDateTime, revokedAt: isoDateTime.nullable() });

/**
 * Platform operators' admin endpoints (C4, C19): open a time-boxed,
 * justified grant to read one tenant, list and revoke grants. Every call is
 * itself an `admin.access` event (in the target tenant's chain when there is
 * one), beside the grant's own `operator.grant.*` events.
 */
export function adminRoutes(api: Api, options: { db: Database; policy: Policy }): void {
  const { db, policy } = options;

  api.route({
    method: 'POST',
    url: '/v1/admin/grants',
    tag: 'admin',
    summary: 'Open a time-boxed grant to read one tenant\'s data',
    access: { kind: 'operator', auditTenant: ({ body }) => (typeof body?.tenant === 'string' ? body.tenant : undefined) },
    body: z.strictObject({
      tenant: tenantId,
      justification: z.string().trim().min(10).max(1000),
      ticket: z.string().trim().min(1).max(200).optional(),
      duration: z.string().regex(/^[1-9][0-9]{0,5}(s|min|h|d)$/, { error: 'must be a duration such as 30min or 2h' }),
    }),
    responses: { 201: { description: 'The grant; it ends by itself at expiresAt.', schema: z.object({ grant: grantOut }) } },
    handler: async ({ body, caller, reply }) => {
      const seconds = parseDuration(body.duration) ? approxSeconds(body.duration) : NaN;
      const grant = await openGrant(db, policy, { operatorId: caller!.session.account.id, tenant: body.tenant, justification: body.justification, ticket: body.ticket ?? null, durationSeconds: seconds });
      return reply.code(201).send({ grant });
    },
  });

  api.route({
    method: 'GET',
    url: '/v1/admin/grants',
    tag: 'admin',
    summary: 'Your grants, newest first',
    access: { kind: 'operator' },
    responses: { 200: { description: 'Grants.', schema: z.object({ grants: z.array(grantOut) }) } },
    handler: async ({ caller }) => ({ grants: await listGrants(db, { operatorId: caller!.session.account.id }) }),
  });

  api.route({
    method: 'DELETE',
    url: '/v1/admin/grants/:grant',
    tag: 'admin',
    summary: 'End one of your grants early',
    access: { kind: 'operator' },
    params: z.strictObject({ grant: uuid }),
    responses: { 200: { description: 'The revoked grant.', schema: z.object({ grant: grantOut }) } },
    handler: async ({ params, caller }) => {
      const grant = await revokeGrant(db, { grantId: params.grant, operatorId: caller!.session.account.id });
      if (!grant) throw new CustodianError('ERR_HTTP_NOT_FOUND', 'no live grant of yours has that id');
      return { grant };
    },
  });
}
