import type { AuditAppender } from '../audit/index.js';
import type { ArtifactStore } from '../artifacts/types.js';
import { introspect } from '../check/introspect.js';
import { findColumn, findTable } from '../check/lookup.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import type { FieldCrypto } from '../crypto/index.js';
import type { Secret } from '../crypto/secret.js';
import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { Queryable } from '../db/types.js';
import { sendExportLink } from '../mail/send-export-link.js';
import type { Policy } from '../policy/index.js';
import { eraseSubject } from './erase.js';
import { exportToStore } from './export/to-store.js';
import { signExportLink } from './export/link.js';
import type { ExportFormat } from './export/sink.js';
import type { DsarHandlers } from './requests/handler.js';
import type { SubjectRef } from './subject-rows.js';

export interface StandardHandlerOptions {
  policy: Policy;
  /** From `introspect(db)`; read once on first use when not given. */
  schema?: DatabaseSchema;
  audit?: AuditAppender;
  /** Access requests: where exports are kept, and how the link to one is signed and sent. */
  access?: {
    store: ArtifactStore;
    /** `exportLinkKey(rootKey)`. */
    linkKey: Secret<Uint8Array>;
    /** The download link for a token, e.g. `https://privacy.example.com/v1/exports/${token}`. */
    url: (token: string) => string;
    format?: ExportFormat;
    /** Opens columns the policy exports decrypted. */
    fields?: FieldCrypto;
    /** Tables of the person's sessions, whose audit and decrypt records belong in the export (C10). */
    sessions?: Array<{ table: string; column?: string }>;
    /** Mails the link to the person's email identity; without it the link is only in the request's result. */
    mail?: { smtp: string | Record<string, unknown>; from?: string };
  };
  /** Erasure: rows above which batches commit one by one (`eraseSubject`). */
  singleTransactionRows?: number;
}

/**
 * The handlers that carry out access and erasure requests on the job queue
 * (`dsarRunTask({ handlers })`): an access request exports the person into the
 * artifact store and mails them a link signed for the policy's
 * `requests.exportLinkTtl` (B5); an erasure request runs `eraseSubject`, which
 * a retry after a crash simply finishes. What they return is stored on the
 * request: counts, the artifact id and the link's expiry — never the link
 * itself, nor anything about the person.
 *
 * @example
 * const handlers = standardHandlers({ policy, access: { store: new LocalArtifactStore(dir), linkKey: exportLinkKey(root), url: (t) => `${base}/v1/exports/${t}` } });
 * const worker = createWorker(db, { tasks: dsarRunTask(db, { handlers }) });
 */
export function standardHandlers(options: StandardHandlerOptions): DsarHandlers {
  let schema = options.schema;
  const schemaOf = async (db: Queryable) => (schema ??= await introspect(db));
  const handlers: DsarHandlers = {
    erasure: async ({ db, request, progress, signal }) => {
      const result = await eraseSubject(db, options.policy, await schemaOf(db), request.person, {
        requestId: request.id,
        auditTenant: request.tenant,
        signal,
        ...(options.audit ? { audit: options.audit } : {}),
        ...(options.singleTransactionRows === undefined ? {} : { singleTransactionRows: options.singleTransactionRows }),
        progress: (p) => void progress(p.done, p.total).catch(() => {}),
      });
      return { mode: result.mode, rows: result.rows, keysDestroyed: result.keysDestroyed, steps: result.steps.map((s) => ({ table: s.table, kind: s.kind, rows: s.rows })) };
    },
  };
  const access = options.access;
  if (access) {
    handlers.access = async ({ db, request }) => {
      const { ref, manifest, size } = await exportToStore(db, access.store, {
        policy: options.policy,
        schema: await schemaOf(db),
        subject: request.person,
        format: access.format ?? 'json',
        ...(access.fields ? { fields: access.fields } : {}),
        ...(access.sessions ? { sessions: access.sessions } : {}),
      });
      const ttl = options.policy.requests?.exportLinkTtl ?? '7d';
      const { token, expiresAt } = signExportLink(access.linkKey, { tenant: ref.tenant, artifactId: ref.id, ttl });
      let mailed = false;
      if (access.mail) {
        const to = await emailOf(db, options.policy, await schemaOf(db), request.person);
        if (to) {
          await sendExportLink({
            smtp: access.mail.smtp,
            from: access.mail.from ?? options.policy.requestsContact ?? options.policy.contacts.privacy.email,
            to,
            url: access.url(token),
            expiresAt,
            organization: options.policy.organization.name,
          });
          mailed = true;
        }
      }
      return { artifact: ref.id, bytes: size, tables: manifest.tables.length, sha256: manifest.sha256, auditEvents: manifest.audit.events, linkExpiresAt: expiresAt.toISOString(), mailed };
    };
  }
  return handlers;
}

/** The person's address from their plain (unencrypted) email identity, if the policy declares one. */
async function emailOf(db: Queryable, policy: Policy, schema: DatabaseSchema, person: SubjectRef): Promise<string | undefined> {
  const subject = policy.subjects[person.subject]!;
  const identity = Object.values(subject.identities).find((i) => i.kind === 'email' && (i.table === undefined || i.table === subject.table) && i.lookup !== 'blind-index');
  if (!identity) return undefined;
  const keyType = findColumn(findTable(schema, subject.table), subject.key)!.type;
  const { rows } = await db.query<{ email: string | null }>(`SELECT t.${quoteIdent(identity.column)}::text AS email FROM ${quoteQualified(subject.table)} t WHERE t.${quoteIdent(subject.key)} = $1::${keyType}`, [person.key]);
  return rows[0]?.email ?? undefined;
}
