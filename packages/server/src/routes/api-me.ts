import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { accountRecord, deleteAccount, listSessions, membershipsOf, signIn } from '@custodian/core/auth';
import { allAuditEvents } from '@custodian/core/audit';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import { createRequest, enqueueRequest, exportSubject, findSubjects, jurisdictionsOf, listRequests, OPEN_STATUSES, PLATFORM_TENANT, type SubjectRef } from '@custodian/core/dsar';
import { targetKey } from '@custodian/core/limits';
import { CustodianError } from '@custodian/core/errors';
import type { Database } from '@custodian/core/db';
import type { FieldCrypto } from '@custodian/core/crypto';
import { approxSeconds, type Policy } from '@custodian/core/policy';
import { endBrowserSession, replaceBrowserSession } from '../auth/browser-session.js';
import { clearSessionCookie } from '../auth/cookies.js';
import { email, isoDateTime, uuid } from '../api/schemas.js';
import { requestOrigin } from '../api/route.js';
import type { Api } from '../api/index.js';

export interface MeOptions {
  db: Database;
  policy: Policy;
  fields?: FieldCrypto | undefined;
  /** The demo's sign-in by email alone; refused in production before this is reached. */
  devSignIn: boolean;
}

const accountOut = z.object({ id: uuid, email: z.string().nullable(), name: z.string().nullable() });

/**
 * The signed-in person's own routes: who am I, sign out (A11), my data
 * (C10), delete me (C11, A7) — and, in development only, a sign-in by email.
 */
export function meRoutes(api: Api, options: MeOptions): void {
  const { db, policy } = options;
  const ttlSeconds = approxSeconds(policy.auth.session.ttl);
  let schema: DatabaseSchema | undefined;
  const schemaOf = async () => (schema ??= await introspect(db));

  /** The application's rows about this person: their subject found by the identity the policy names. */
  const peopleOf = async (account: { email: string | null; subject: string }): Promise<{ people: SubjectRef[]; identity: string | null }> => {
    const link = policy.auth.subject;
    if (!link) return { people: [], identity: null };
    const value = link.identity === 'email' ? account.email : account.subject;
    if (!value) return { people: [], identity: link.identity };
    return { people: await findSubjects(db, policy, await schemaOf(), { subject: link.name, identity: link.identity, value }), identity: link.identity };
  };

  if (options.devSignIn) {
    api.route({
      method: 'POST',
      url: '/v1/auth/dev/signin',
      tag: 'auth',
      summary: 'Development sign-in by email alone (never enabled in production)',
      access: { kind: 'public' },
      body: z.strictObject({ email, name: z.string().trim().min(1).max(200).optional() }),
      // Counted per address, and per address signed in as, like any sign-in.
      limit: { class: 'signin', identity: ({ body }) => targetKey('email', body.email) },
      responses: { 200: { description: 'Signed in; the session cookie is set.', schema: z.object({ account: accountOut }) } },
      handler: async ({ request, reply, body }) => {
        const { account, session } = await signIn(db, { issuer: 'development', subject: body.email, email: body.email, name: body.name ?? null }, { ttlSeconds, ...requestOrigin(request) });
        await replaceBrowserSession(db, request, reply, session, policy.auth.session);
        return { account };
      },
    });
  }

  api.route({
    method: 'POST',
    url: '/v1/auth/signout',
    tag: 'auth',
    summary: 'Sign out: ends the session, clears the cookie, redirects to /',
    access: { kind: 'public' },
    responses: { 303: { description: 'Signed out (or was not signed in); redirects to `/`.' } },
    handler: async ({ reply, request }) => {
      await endBrowserSession(db, request, reply, policy.auth.session);
      return reply.code(303).header('location', '/').send();
    },
  });

  api.route({
    method: 'GET',
    url: '/v1/auth/me',
    tag: 'auth',
    summary: 'The signed-in person, their tenants and roles',
    access: { kind: 'session' },
    responses: {
      200: {
        description: 'The account.',
        schema: z.object({ account: accountOut, operator: z.boolean(), sessionExpiresAt: isoDateTime, memberships: z.array(z.object({ tenant: z.string(), role: z.string(), joinedAt: isoDateTime })) }),
      },
    },
    handler: async ({ caller }) => {
      const session = caller!.session;
      return { account: session.account, operator: session.operator, sessionExpiresAt: session.expiresAt.toISOString(), memberships: await membershipsOf(db, session.account.id) };
    },
  });

  if (policy.requests.selfService.export) {
    api.route({
      method: 'GET',
      url: '/v1/auth/me/export',
      tag: 'privacy',
      summary: 'Download everything held about the signed-in person (C10)',
      access: { kind: 'session' },
      limit: { class: 'self-service' },
      responses: { 200: { description: 'A JSON document: account, sessions, memberships, audit events about them, and their rows in the application with the records of decrypts of their data.' } },
      handler: async ({ caller, reply }) => {
        const accountId = caller!.session.account.id;
        const account = (await accountRecord(db, accountId))!;
        const { people } = await peopleOf(account);
        const sessions = await listSessions(db, accountId);
        const memberships = await membershipsOf(db, accountId);
        const out = new PassThrough();
        reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', 'attachment; filename="my-data.json"')
          .header('cache-control', 'no-store');
        // Read what the account alone is about first, so a failure is still a clean error response.
        const auditAboutAccount = [];
        for (const tenant of [PLATFORM_TENANT, ...memberships.map((m) => m.tenant)]) {
          for await (const page of allAuditEvents(db, { tenant, subject: accountId })) auditAboutAccount.push(...page);
        }
        void (async () => {
          try {
            out.write(`{"exportedAt":${JSON.stringify(new Date().toISOString())},"account":${JSON.stringify(account)},"sessions":${JSON.stringify(sessions)},"memberships":${JSON.stringify(memberships)},"audit":${JSON.stringify(auditAboutAccount)},"records":[`);
            for (const [i, person] of people.entries()) {
              if (i > 0) out.write(',');
              await exportSubject(db, { policy, schema: await schemaOf(), subject: person, format: 'json', actor: { type: 'user', id: accountId }, ...(options.fields ? { fields: options.fields } : {}) }, out);
            }
            out.end(']}');
          } catch (error) {
            reply.log.error({ code: (error as { code?: string }).code ?? 'ERR_INTERNAL' }, 'self-service export failed part-way');
            out.destroy(error as Error);
          }
        })();
        return reply.send(out);
      },
    });
  }

  if (policy.requests.selfService.deletion) {
    api.route({
      method: 'POST',
      url: '/v1/auth/me/delete-request',
      tag: 'privacy',
      summary: 'Delete my account and file erasure of my data (C11, A7)',
      access: { kind: 'session' },
      limit: { class: 'self-service' },
      // A JSON body is required (`{}` will do): a bodiless cross-site POST never deletes an account.
      body: z.strictObject({ jurisdiction: z.string().regex(/^[a-z][a-z0-9_-]{0,40}$/).optional() }),
      responses: {
        202: {
          description: 'The account is deleted (sessions ended, sign-in refused) and an erasure request is filed for each record of the person, with its deadline.',
          schema: z.object({ accountDeleted: z.boolean(), requests: z.array(z.object({ id: uuid, tenant: z.string(), kind: z.string(), status: z.string(), deadline: isoDateTime })) }),
        },
      },
      handler: async ({ caller, reply, body }) => {
        const accountId = caller!.session.account.id;
        const account = (await accountRecord(db, accountId))!;
        const { people, identity } = await peopleOf(account);
        const jurisdiction = body.jurisdiction ?? policy.requests.defaultJurisdiction;
        if (!Object.hasOwn(policy.requests.jurisdictions, jurisdiction)) {
          throw new CustodianError('ERR_DSAR_REQUEST_INVALID', `jurisdiction must be one of ${Object.keys(policy.requests.jurisdictions).join(', ')}`);
        }
        const requests = [];
        // The requests are filed while the account can still be matched to its records; then the account goes.
        // A retry after a failure part-way files nothing twice: a person with an open erasure request keeps it.
        for (const person of people) {
          const open = await listRequests(db, { person: { subject: person.subject, key: person.key }, kind: 'erasure', status: OPEN_STATUSES });
          const existing = open.find((r) => r.tenant === (person.tenant ?? PLATFORM_TENANT));
          if (existing) {
            requests.push({ id: existing.id, tenant: existing.tenant, kind: existing.kind, status: existing.status, deadline: existing.deadline.toISOString() });
            continue;
          }
          const request = await createRequest(db, { person, identity: identity!, kind: 'erasure', jurisdiction, verified: { method: 'signed-in' } }, { jurisdictions: jurisdictionsOf(policy) });
          await enqueueRequest(db, request.id);
          requests.push({ id: request.id, tenant: request.tenant, kind: request.kind, status: request.status, deadline: request.deadline.toISOString() });
        }
        const accountDeleted = await deleteAccount(db, accountId);
        clearSessionCookie(reply, policy.auth.session);
        return reply.code(202).send({ accountDeleted, requests });
      },
    });
  }
}
