import { z } from 'zod';
import { acceptInvite, changeRole, createInvite, hashToken, listGrants, listInvites, listMembers, removeMember, revokeInvite, type Role } from '@custodian/core/auth';
import type { Database } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import { targetKey } from '@custodian/core/limits';
import { approxSeconds, type Policy } from '@custodian/core/policy';
import type { Api } from '../api/index.js';
import type { TenantScope } from '../api/route.js';
import { email, isoDateTime, role, tenantId, tenantParams, uuid } from '../api/schemas.js';

const member = z.object({ accountId: uuid, email: z.string().nullable(), name: z.string().nullable(), role, joinedAt: isoDateTime });
const memberParams = z.strictObject({ tenant: tenantId, account: uuid });
const inviteParams = z.strictObject({ tenant: tenantId, invite: uuid });

/** The acting member; an operator under a grant only reads, so never reaches a write route. */
function actingMember(tenant: TenantScope | null, accountId: string): { id: string; role: Role } {
  if (!tenant || tenant.role === 'operator') throw new CustodianError('ERR_AUTH_FORBIDDEN', 'operators only read under a grant');
  return { id: accountId, role: tenant.role };
}

/** Members, invites and the operator access a tenant can see (B9, C18, C20, C8). */
export function tenantRoutes(api: Api, options: { db: Database; policy: Policy }): void {
  const { db, policy } = options;
  const inviteTtl = approxSeconds(policy.auth.invites.ttl);

  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/members',
    tag: 'tenants',
    summary: 'The tenant\'s members and their roles',
    access: { kind: 'tenant', permission: 'members.read' },
    params: tenantParams,
    responses: { 200: { description: 'Members, oldest first.', schema: z.object({ members: z.array(member) }) } },
    handler: async ({ tenant }) => ({ members: await listMembers(db, tenant!.id) }),
  });

  api.route({
    method: 'PATCH',
    url: '/v1/tenants/:tenant/members/:account',
    tag: 'tenants',
    summary: 'Change a member\'s role',
    access: { kind: 'tenant', permission: 'members.manage' },
    params: memberParams,
    body: z.strictObject({ role }),
    responses: { 200: { description: 'The member with the new role.', schema: z.object({ member }) } },
    handler: async ({ tenant, params, body, caller }) => {
      const changed = await changeRole(db, tenant!.id, { accountId: params.account, role: body.role, by: actingMember(tenant, caller!.session.account.id) });
      if (!changed) throw new CustodianError('ERR_HTTP_NOT_FOUND', 'no such member');
      return { member: changed };
    },
  });

  api.route({
    method: 'DELETE',
    url: '/v1/tenants/:tenant/members/:account',
    tag: 'tenants',
    summary: 'Remove a member (or leave, when it is yourself)',
    // Leaving needs only membership; removing someone else is checked again against members.manage.
    access: { kind: 'tenant', permission: 'members.read' },
    params: memberParams,
    responses: { 204: { description: 'Removed.' } },
    handler: async ({ tenant, params, caller, reply }) => {
      const by = actingMember(tenant, caller!.session.account.id);
      if (params.account !== by.id && !api.can(by.role, 'members.manage')) {
        throw new CustodianError('ERR_AUTH_FORBIDDEN', `your role (${by.role}) does not have the members.manage permission`);
      }
      if (!(await removeMember(db, tenant!.id, { accountId: params.account, by }))) throw new CustodianError('ERR_HTTP_NOT_FOUND', 'no such member');
      return reply.code(204).send();
    },
  });

  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/invites',
    tag: 'tenants',
    summary: 'The tenant\'s invites (tokens are never shown again)',
    access: { kind: 'tenant', permission: 'members.manage' },
    params: tenantParams,
    responses: {
      200: {
        description: 'Invites, newest first.',
        schema: z.object({ invites: z.array(z.object({ id: uuid, email: z.string(), role, createdAt: isoDateTime, expiresAt: isoDateTime, state: z.enum(['pending', 'used', 'expired', 'revoked']) })) }),
      },
    },
    handler: async ({ tenant }) => ({ invites: await listInvites(db, tenant!.id) }),
  });

  api.route({
    method: 'POST',
    url: '/v1/tenants/:tenant/invites',
    tag: 'tenants',
    summary: 'Invite someone by email (C20: the token is shown once and stored only as a hash)',
    access: { kind: 'tenant', permission: 'members.manage' },
    params: tenantParams,
    body: z.strictObject({ email, role }),
    responses: {
      201: {
        description: 'The invite, with its token: send it to the invitee, who signs in and posts it to /v1/invites/accept; it cannot be shown again.',
        schema: z.object({ id: uuid, token: z.string(), expiresAt: isoDateTime }),
      },
    },
    handler: async ({ tenant, body, caller, reply }) => {
      const by = actingMember(tenant, caller!.session.account.id);
      const invite = await createInvite(db, { tenant: tenant!.id, email: body.email, role: body.role, ttlSeconds: inviteTtl, by: { type: 'member', ...by } });
      return reply.code(201).header('cache-control', 'no-store').send({ id: invite.id, token: invite.token, expiresAt: invite.expiresAt.toISOString() });
    },
  });

  api.route({
    method: 'DELETE',
    url: '/v1/tenants/:tenant/invites/:invite',
    tag: 'tenants',
    summary: 'Revoke a pending invite',
    access: { kind: 'tenant', permission: 'members.manage' },
    params: inviteParams,
    responses: { 204: { description: 'Revoked.' } },
    handler: async ({ tenant, params, caller, reply }) => {
      const by = actingMember(tenant, caller!.session.account.id);
      if (!(await revokeInvite(db, tenant!.id, params.invite, { type: 'member', ...by }))) throw new CustodianError('ERR_HTTP_NOT_FOUND', 'no pending invite with that id');
      return reply.code(204).send();
    },
  });

  api.route({
    method: 'POST',
    url: '/v1/invites/accept',
    tag: 'tenants',
    summary: 'Accept an invite with its token (single use, expiring, for the address it was sent to)',
    access: { kind: 'session' },
    // The token travels in the body, never the URL, so it is not in any request log.
    body: z.strictObject({ token: z.string().max(200) }),
    // C23: a failed lookup counts against the address and against the invite (a real one's tenant sees the block).
    limit: {
      class: 'invite-lookup',
      failures: ['ERR_INVITE_INVALID'],
      target: ({ body }) => ({ key: targetKey('invite', body.token), tenants: () => inviteTenants(db, body.token) }),
    },
    responses: { 200: { description: 'Joined.', schema: z.object({ tenant: z.string(), role }) } },
    handler: async ({ body, caller }) => acceptInvite(db, body.token, caller!.session.account),
  });

  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/operator-access',
    tag: 'tenants',
    summary: 'Operator access grants on this tenant (C8, C19)',
    access: { kind: 'tenant', permission: 'operator-access.read' },
    params: tenantParams,
    responses: {
      200: {
        description: 'Grants, newest first; each request made under one is an `operator.access` event in the audit log.',
        schema: z.object({ grants: z.array(z.object({ id: uuid, operatorId: uuid, justification: z.string(), ticket: z.string().nullable(), startsAt: isoDateTime, expiresAt: isoDateTime, revokedAt: isoDateTime.nullable() })) }),
      },
    },
    handler: async ({ tenant }) => {
      // Read as the application role in the tenant's context: RLS shows only this tenant's grants.
      const grants = await tenant!.tx(async (tx) => listGrants(tx, { tenant: tenant!.id }), { readOnly: true });
      return { grants: grants.map(({ tenant: _t, ...g }) => g) };
    },
  });
}

/** The tenant of the invite a token names, if it names one. */
async function inviteTenants(db: Database, token: string): Promise<string[]> {
  const hash = hashToken(token);
  if (!hash) return [];
  const { rows } = await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM custodian.invites WHERE token_hash = $1`, [hash]);
  return rows.map((r) => r.tenant_id);
}
