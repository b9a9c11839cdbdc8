// The hiring product's own read endpoints, served by Custodian's API: each is
// tenant-scoped (a company), gated by a permission of the policy's matrix, and
// reads through the company's transaction as the application role, so row-level
// security binds the company and, for session data, the member's role (C18).
import { z } from 'zod';
import type { Database } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import { targetKey } from '@custodian/core/limits';
import type { ApiOptions } from '@custodian/server';
import { tenantParams } from '@custodian/server';
import { hashInviteToken } from './seed/tokens.js';

/** The routes, given the database: the candidate's invite lookup reads before any tenant is known. */
export function routesFor(db: Database): NonNullable<ApiOptions['routes']> {
  return (api) => {
    tenantRoutes(api);
    candidateInviteRoute(api, db);
  };
}

/**
 * C20, C23: a candidate opens the link in their invite email; the page asks
 * this route which assessment it is for. A token is looked up by its SHA-256
 * (the only thing stored); every way it can fail gives one answer; failed
 * lookups count toward brute-force blocks per address and per invite, and a
 * blocked address is refused before the lookup.
 */
function candidateInviteRoute(api: Parameters<NonNullable<ApiOptions['routes']>>[0], db: Database): void {
  api.route({
    method: 'POST',
    url: '/v1/candidate-invites/lookup',
    tag: 'app',
    summary: 'Which assessment a candidate\'s invite token is for',
    access: { kind: 'public' },
    // In the body, never the URL, so the token is in no request log.
    body: z.strictObject({ token: z.string().max(200) }),
    limit: {
      class: 'invite-lookup',
      failures: ['ERR_INVITE_INVALID'],
      target: ({ body }) => ({
        key: targetKey('candidate-invite', body.token),
        tenants: async () => (await db.query<{ id: string }>(`SELECT company_id::text AS id FROM invites WHERE token_hash = $1`, [hashInviteToken(body.token)])).rows.map((r) => r.id),
      }),
    },
    responses: { 200: { description: 'The company and when the invite expires.' } },
    handler: async ({ body }) => {
      const { rows } = await db.query<{ company: string; expires_at: Date; usable: boolean }>(
        `SELECT c.name AS company, i.expires_at, (i.used_at IS NULL AND i.expires_at > now()) AS usable
           FROM invites i JOIN companies c ON c.id = i.company_id
          WHERE i.token_hash = $1`,
        [hashInviteToken(body.token)],
      );
      const invite = rows[0];
      if (!invite?.usable) throw new CustodianError('ERR_INVITE_INVALID', 'this invite link is unknown, expired or already used');
      return { company: invite.company, expiresAt: new Date(invite.expires_at).toISOString() };
    },
  });
}

function tenantRoutes(api: Parameters<NonNullable<ApiOptions['routes']>>[0]): void {
  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/sessions',
    tag: 'app',
    summary: 'The company\'s assessment sessions (no recorded events)',
    // C18: members with a sufficient role only; a viewer gets 403 here and zero rows from the database.
    access: { kind: 'tenant', permission: 'sessions.read' },
    params: tenantParams,
    responses: { 200: { description: 'Sessions, newest first: id, candidate, title, status and score.' } },
    handler: async ({ tenant }) =>
      tenant!.tx(
        async (tx) => ({
          sessions: (
            await tx.query(
              `SELECT id::text, candidate_id::text AS "candidateId", title, status, score::float8 AS score,
                      started_at AS "startedAt", completed_at AS "completedAt"
                 FROM assessment_sessions WHERE deleted_at IS NULL
                ORDER BY started_at DESC, id`,
            )
          ).rows,
        }),
        { readOnly: true },
      ),
  });

  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/candidates',
    tag: 'app',
    summary: 'The company\'s candidates',
    access: { kind: 'tenant', permission: 'candidates.read' },
    params: tenantParams,
    responses: { 200: { description: 'Candidates, newest first, without those who asked to be deleted.' } },
    handler: async ({ tenant }) =>
      tenant!.tx(
        async (tx) => ({
          candidates: (
            await tx.query(
              `SELECT id::text, email, full_name AS "fullName", last_invited_at AS "lastInvitedAt"
                 FROM candidates WHERE deleted_at IS NULL
                ORDER BY created_at DESC, id`,
            )
          ).rows,
        }),
        { readOnly: true },
      ),
  });
}
