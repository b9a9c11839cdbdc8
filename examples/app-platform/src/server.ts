// The app platform's own read endpoint, served by Custodian's API. The product
// has no tenants: a person's projects are theirs alone, so the route is for any
// signed-in person and reads only the rows of the `users` row their verified
// email names, as the application role.
import { APP_ROLE, type Database } from '@custodian/core/db';
import type { ApiOptions } from '@custodian/server';

/** The routes need the database themselves: a session route gets no tenant transaction to read through. */
export function routesFor(db: Database): NonNullable<ApiOptions['routes']> {
  return (api) => {
    api.route({
      method: 'GET',
      url: '/v1/me/projects',
      tag: 'app',
      summary: 'The signed-in person\'s own projects',
      access: { kind: 'session' },
      responses: { 200: { description: 'Projects the person created, newest first, hidden and unpublished ones included.' } },
      handler: async ({ caller }) => {
        const email = caller!.session.account.email;
        // No verified email, no match: an unverified address must never reach anyone's rows.
        if (!email) return { projects: [] };
        return db.transaction(
          async (tx) => ({
            projects: (
              await tx.query(
                `SELECT p.id::text, p.slug, p.name, p.visibility, p.published, p.hidden, p.created_at AS "createdAt"
                   FROM projects p JOIN users u ON u.id = p.owner_id
                  WHERE u.kind = 'person' AND u.deleted_at IS NULL AND lower(u.email) = lower($1)
                  ORDER BY p.created_at DESC, p.id`,
                [email],
              )
            ).rows,
          }),
          { role: APP_ROLE, readOnly: true },
        );
      },
    });
  };
}
