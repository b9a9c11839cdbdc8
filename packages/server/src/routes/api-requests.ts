import { z } from 'zod';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import { createRequest, DSAR_KINDS, DSAR_STATUSES, findSubjects, jurisdictionsOf, listRequests, requestStatus, type DsarRequest } from '@custodian/core/dsar';
import { APP_ROLE, type Database } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import type { Api } from '../api/index.js';
import { isoDateTime, tenantId, tenantParams, uuid } from '../api/schemas.js';

/** `deletion` is what privacy pages call it; the request records it as `erasure`. */
const KINDS = [...DSAR_KINDS, 'deletion'] as const;

const requestOut = z.object({
  id: uuid,
  kind: z.enum(DSAR_KINDS),
  status: z.enum(DSAR_STATUSES),
  subject: z.string(),
  identity: z.string(),
  jurisdiction: z.string(),
  receivedAt: isoDateTime,
  deadline: isoDateTime,
  overdue: z.boolean(),
  completedAt: isoDateTime.nullable(),
});

function present(r: DsarRequest) {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    subject: r.person.subject,
    identity: r.identity,
    jurisdiction: r.jurisdiction,
    receivedAt: r.receivedAt.toISOString(),
    deadline: r.deadline.toISOString(),
    overdue: r.overdue,
    completedAt: r.completedAt?.toISOString() ?? null,
  };
}

/** A tenant files and follows data subject requests about its own people (C11, B7). */
export function requestRoutes(api: Api, options: { db: Database; policy: Policy }): void {
  const { db, policy } = options;
  let schema: DatabaseSchema | undefined;
  const schemaOf = async () => (schema ??= await introspect(db));
  const subjectNames = Object.keys(policy.subjects);

  api.route({
    method: 'POST',
    url: '/v1/tenants/:tenant/requests',
    tag: 'requests',
    summary: 'File an access, deletion, rectification, restriction or objection request about one of the tenant\'s people',
    access: { kind: 'tenant', permission: 'requests.manage' },
    params: tenantParams,
    body: z.strictObject({
      kind: z.enum(KINDS),
      subject: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/),
      identity: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/),
      value: z.string().min(1).max(1024),
      jurisdiction: z.string().regex(/^[a-z][a-z0-9_-]{0,40}$/).optional(),
      details: z.record(z.string().max(100), z.json()).optional(),
    }),
    responses: { 201: { description: 'The request, with its deadline; one per person the identity names in this tenant.', schema: z.object({ requests: z.array(requestOut) }) } },
    handler: async ({ tenant, body, caller, reply }) => {
      const subject = policy.subjects[body.subject];
      if (!subject || !Object.hasOwn(policy.subjects, body.subject)) throw new CustodianError('ERR_DSAR_REQUEST_INVALID', `subject must be one of ${subjectNames.join(', ')}`);
      if (!Object.hasOwn(subject.identities, body.identity)) throw new CustodianError('ERR_DSAR_REQUEST_INVALID', `identity must be one of ${Object.keys(subject.identities).join(', ')}`);
      // Only this tenant's people: the lookup is narrowed to the tenant the caller acts in.
      const people = (await findSubjects(db, policy, await schemaOf(), { subject: body.subject, identity: body.identity, value: body.value, tenant: tenant!.id })).filter(
        (p) => p.tenant === tenant!.id,
      );
      if (people.length === 0) throw new CustodianError('ERR_DSAR_SUBJECT_NOT_FOUND', 'that identity names nobody in this tenant');
      const requests = [];
      for (const person of people) {
        const created = await createRequest(
          db,
          { person, identity: body.identity, kind: body.kind === 'deletion' ? 'erasure' : body.kind, jurisdiction: body.jurisdiction ?? policy.requests.defaultJurisdiction, ...(body.details ? { details: body.details as never } : {}) },
          { jurisdictions: jurisdictionsOf(policy), role: APP_ROLE, tenant: tenant!.id, actor: { type: 'member', id: caller!.session.account.id } },
        );
        requests.push(present(created));
      }
      return reply.code(201).send({ requests });
    },
  });

  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/requests',
    tag: 'requests',
    summary: 'The tenant\'s requests, soonest deadline first',
    access: { kind: 'tenant', permission: 'requests.read' },
    params: tenantParams,
    query: z.strictObject({ status: z.enum(DSAR_STATUSES).optional(), kind: z.enum(DSAR_KINDS).optional(), overdue: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
    responses: { 200: { description: 'Requests.', schema: z.object({ requests: z.array(requestOut) }) } },
    handler: async ({ tenant, query }) => {
      const list = await listRequests(
        db,
        { tenant: tenant!.id, ...(query.status ? { status: query.status } : {}), ...(query.kind ? { kind: query.kind } : {}), ...(query.overdue === 'true' ? { overdue: true } : {}), ...(query.limit ? { limit: query.limit } : {}) },
        { role: APP_ROLE, tenant: tenant!.id },
      );
      return { requests: list.map(present) };
    },
  });

  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/requests/:request',
    tag: 'requests',
    summary: 'One request with its history',
    access: { kind: 'tenant', permission: 'requests.read' },
    params: z.strictObject({ tenant: tenantId, request: uuid }),
    responses: {
      200: { description: 'The request and its audit history.', schema: z.object({ request: requestOut, history: z.array(z.object({ at: isoDateTime, action: z.string() })) }) },
    },
    handler: async ({ tenant, params }) => {
      const status = await requestStatus(db, params.request, { role: APP_ROLE, tenant: tenant!.id });
      if (!status || status.request.tenant !== tenant!.id) throw new CustodianError('ERR_DSAR_NOT_FOUND', 'no such request in this tenant');
      return { request: present(status.request), history: status.history.map((e) => ({ at: e.at.toISOString(), action: e.action })) };
    },
  });
}
