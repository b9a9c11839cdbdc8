import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { listGrants, openGrant, revokeGrant } from '@custodian/core/auth';
import type { Database } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import { addBlock, listBlocks, NetworkMatcher, parseNetwork, removeBlock, type BlockEntry, type Limits } from '@custodian/core/limits';
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
export function adminRoutes(api: Api, options: { db: Database; policy: Policy; limits: Limits }): void {
  const { db, policy } = options;
  grantRoutes(api, db, policy);
  blocklistRoutes(api, db, options.limits);
}

const DURATION = z.string().regex(/^[1-9][0-9]{0,5}(s|min|h|d)$/, { error: 'must be a duration such as 30min or 2h' });

function grantRoutes(api: Api, db: Database, policy: Policy): void {

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
      duration: DURATION,
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

const blockOut = z.object({
  id: uuid,
  network: z.string(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
  removedAt: isoDateTime.nullable(),
  removedBy: z.string().nullable(),
});

const blockJson = (e: BlockEntry) => ({
  ...e,
  createdAt: e.createdAt.toISOString(),
  expiresAt: e.expiresAt.toISOString(),
  removedAt: e.removedAt?.toISOString() ?? null,
});

/**
 * The incident-response blocklist (C22): list, add (with a reason and an
 * expiry) and remove entries. Each change is audited in the platform chain
 * and in the chains of tenants whose members signed in from the network;
 * this server applies it at once, others within seconds.
 */
function blocklistRoutes(api: Api, db: Database, limits: Limits): void {
  api.route({
    method: 'GET',
    url: '/v1/admin/blocklist',
    tag: 'admin',
    summary: 'Blocklist entries in force (or every entry ever made, with all=true)',
    access: { kind: 'operator' },
    query: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Entries, newest first.', schema: z.object({ entries: z.array(blockOut) }) } },
    handler: async ({ query }) => ({ entries: (await listBlocks(db, { all: query.all === 'true' })).map(blockJson) }),
  });

  api.route({
    method: 'POST',
    url: '/v1/admin/blocklist',
    tag: 'admin',
    summary: 'Block an address or range, with a reason and an expiry',
    access: { kind: 'operator' },
    body: z.strictObject({
      network: z.string().max(64),
      reason: z.string().trim().min(1).max(500),
      expiresIn: DURATION.optional(),
    }),
    responses: { 201: { description: 'The entry, in force on this server now and on others within seconds.', schema: z.object({ entry: blockOut }) } },
    handler: async ({ body, caller, request, reply }) => {
      // An operator cannot lock themselves out through the API by mistake; the command line can, deliberately.
      const network = parseNetwork(body.network);
      if (!('error' in network)) {
        const own = new NetworkMatcher<true>();
        own.add(network, true);
        if (own.match(request.ip)) {
          throw new CustodianError('ERR_BLOCKLIST_ENTRY_INVALID', 'the network holds your own address; use `custodian blocklist add` if that is intended');
        }
      }
      const entry = await addBlock(
        db,
        { network: body.network, reason: body.reason, expiresInSeconds: body.expiresIn ? approxSeconds(body.expiresIn) : undefined, actor: { type: 'operator', id: caller!.session.account.id } },
        limits.blocklistExpiry,
      );
      await reloadBlocklist(limits, db, request);
      return reply.code(201).send({ entry: blockJson(entry) });
    },
  });

  api.route({
    method: 'DELETE',
    url: '/v1/admin/blocklist/:entry',
    tag: 'admin',
    summary: 'Remove a blocklist entry before it expires',
    access: { kind: 'operator' },
    params: z.strictObject({ entry: uuid }),
    responses: { 200: { description: 'The removed entry.', schema: z.object({ entry: blockOut }) } },
    handler: async ({ params, caller, request }) => {
      const entry = await removeBlock(db, { id: params.entry, actor: { type: 'operator', id: caller!.session.account.id } });
      if (!entry) throw new CustodianError('ERR_BLOCKLIST_ENTRY_NOT_FOUND', 'no blocklist entry in force has that id');
      await reloadBlocklist(limits, db, request);
      return { entry: blockJson(entry) };
    },
  });
}

/**
 * Applies a change on this server at once. The change is already stored and
 * audited; if the reload fails the answer is still success (a retry would add
 * a second entry), and the regular reload picks it up within seconds.
 */
async function reloadBlocklist(limits: Limits, db: Database, request: FastifyRequest): Promise<void> {
  await limits.blocklist.refresh(db).catch((error: unknown) => {
    request.log.warn({ code: (error as CustodianError).code ?? 'unknown' }, 'blocklist reload after a change failed; the regular reload will apply it');
  });
}
