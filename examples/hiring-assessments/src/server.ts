// The hiring product's own read endpoints, served by Custodian's API: each is
// tenant-scoped (a company), gated by a permission of the policy's matrix, and
// reads through the company's transaction as the application role, so row-level
// security binds the company and, for session data, the member's role (C18).
import type { ApiOptions } from '@custodian/server';
import { tenantParams } from '@custodian/server';

export const routes: NonNullable<ApiOptions['routes']> = (api) => {
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
};
