// The workspace product's own read endpoint, served by Custodian's API: scoped
// to one workspace (the tenant), gated by the policy's `workspace.read`, and
// read through the workspace's transaction as the application role, so
// row-level security returns that workspace's rows only (B9, B10).
import type { ApiOptions } from '@custodian/server';
import { tenantParams } from '@custodian/server';

export const routes: NonNullable<ApiOptions['routes']> = (api) => {
  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/workrooms',
    tag: 'app',
    summary: 'The workspace\'s workrooms, with how many messages each holds',
    access: { kind: 'tenant', permission: 'workspace.read' },
    params: tenantParams,
    // Message content is sealed (B1) and stays out of listings; only counts are shown.
    responses: { 200: { description: 'Workrooms, newest first: id, name, when created and archived, message count.' } },
    handler: async ({ tenant }) =>
      tenant!.tx(
        async (tx) => ({
          workrooms: (
            await tx.query(
              `SELECT w.id::text, w.name, w.created_at AS "createdAt", w.archived_at AS "archivedAt",
                      (SELECT count(*)::int FROM messages m WHERE m.workspace_id = w.workspace_id AND m.workroom_id = w.id) AS messages
                 FROM workrooms w
                ORDER BY w.created_at DESC, w.id`,
            )
          ).rows,
        }),
        { readOnly: true },
      ),
  });
};
