import { Readable } from 'node:stream';
import { z } from 'zod';
import { exportAuditLog, queryAuditEvents, type AuditQuery } from '@custodian/core/audit';
import type { Database } from '@custodian/core/db';
import type { Api } from '../api/index.js';
import { isoDateTime, tenantId } from '../api/schemas.js';

const ACTOR_TYPES = ['user', 'member', 'operator', 'service', 'system'] as const;

const filters = {
  tenant: tenantId,
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  action: z.string().regex(/^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*(?:\.\*)?$/, { error: 'must be an action such as key.decrypt or a namespace such as operator.*' }).max(200).optional(),
  actorType: z.enum(ACTOR_TYPES).optional(),
  actorId: z.string().min(1).max(200).optional(),
  subject: z.string().min(1).max(200).optional(),
};

type Filters = { tenant: string; from?: string | undefined; to?: string | undefined; action?: string | undefined; actorType?: (typeof ACTOR_TYPES)[number] | undefined; actorId?: string | undefined; subject?: string | undefined };

function toQuery(q: Filters): Omit<AuditQuery, 'order' | 'limit' | 'after'> {
  return {
    tenant: q.tenant,
    ...(q.from ? { from: new Date(q.from) } : {}),
    ...(q.to ? { to: new Date(q.to) } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.actorType || q.actorId ? { actor: { ...(q.actorType ? { type: q.actorType } : {}), ...(q.actorId ? { id: q.actorId } : {}) } } : {}),
    ...(q.subject ? { subject: q.subject } : {}),
  };
}

const event = z.object({
  tenant: z.string(),
  seq: z.number(),
  at: isoDateTime,
  actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string() }),
  action: z.string(),
  target: z.object({ type: z.string().nullable(), id: z.string().nullable() }).nullable(),
  subject: z.string().nullable(),
  purpose: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

/**
 * The tenant's activity page and its export (B3, C8): every event in its
 * chain, operator accesses included. Read as the application role in the
 * tenant's context, so RLS returns only this tenant's events.
 */
export function auditRoutes(api: Api, options: { db: Database }): void {
  const { db } = options;
  api.route({
    method: 'GET',
    url: '/v1/audit',
    tag: 'audit',
    summary: 'A page of the tenant\'s audit log, newest first',
    access: { kind: 'tenant', permission: 'audit.read' },
    query: z.strictObject({
      ...filters,
      order: z.enum(['asc', 'desc']).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      after: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'Events, and the cursor of the next page when there is one.', schema: z.object({ events: z.array(event), next: z.string().optional() }) } },
    handler: async ({ query }) =>
      queryAuditEvents(db, { ...toQuery(query), ...(query.order ? { order: query.order } : {}), ...(query.limit ? { limit: query.limit } : {}), ...(query.after ? { after: query.after } : {}) }),
  });

  api.route({
    method: 'GET',
    url: '/v1/audit.csv',
    tag: 'audit',
    summary: 'The tenant\'s audit log as CSV, oldest first (activity export)',
    access: { kind: 'tenant', permission: 'audit.read' },
    query: z.strictObject(filters),
    responses: { 200: { description: 'CSV with each event\'s chain hashes, so it can be verified offline.', contentType: 'text/csv' } },
    handler: async ({ query, reply }) => {
      const chunks = exportAuditLog(db, toQuery(query), 'csv');
      // Read the header and the first page before answering, so a bad filter or cursor is still a clean 400.
      const head: string[] = [];
      for (let i = 0; i < 2; i++) {
        const next = await chunks.next();
        if (next.done) break;
        head.push(next.value);
      }
      async function* rest() {
        yield* head;
        yield* chunks;
      }
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${query.tenant.replace(/[^A-Za-z0-9_-]/g, '_')}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(rest()));
    },
  });
}

