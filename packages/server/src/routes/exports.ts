import type { FastifyInstance } from 'fastify';
import { isCustodianError } from '@custodian/core/errors';
import { verifyExportLink, type ArtifactStore } from '@custodian/core/dsar';
import type { Secret } from '@custodian/core/crypto';
import { sendError } from '../plugins/errors.js';

/** Where downloadable exports are kept, and the key their links are signed with. */
export interface ExportDownloads {
  store: ArtifactStore;
  /** `exportLinkKey(rootKey)` from `@custodian/core/dsar`. */
  linkKey: Secret<Uint8Array>;
  /** The clock links are checked against; tests pass their own. */
  now?: () => Date;
}

// The export route's settings travel in the server's options like every other
// route's; declared here, beside the route that reads them.
declare module '../app.js' {
  interface ServerOptions {
    /** Serves `GET /v1/exports?token=…` (B5) when given. */
    exports?: ExportDownloads | undefined;
  }
}

/** Fixed texts per outcome: a response never says which part of a link was wrong. */
const GONE = { status: 410, code: 'ERR_EXPORT_LINK_EXPIRED', message: 'This download link has expired.' } as const;
const INVALID = { status: 404, code: 'ERR_EXPORT_LINK_INVALID', message: 'This download link is not valid.' } as const;
const MISSING = { status: 404, code: 'ERR_ARTIFACT_NOT_FOUND', message: 'This export is no longer available.' } as const;

/** The download path; the link's token goes in the query (`?token=…`). */
export const EXPORTS_PATH = '/v1/exports';

/**
 * `GET /v1/exports?token=…`: the signed link mailed to a person (B5) streams
 * their export. The token rides in the query, not the path, because the
 * request log keeps paths but drops query values: a working download link
 * never lands in a log (and paths are capped at 100 characters a segment). The token names the tenant and the export, and the store is
 * asked for exactly that pair, so a link for one tenant's export can never
 * open another's. Errors are 404 (not a link of ours, or the export is gone)
 * and 410 (expired), with stable codes and nothing else. The response is
 * never cached and never sends a Referer onwards.
 */
export function exportsRoute(app: FastifyInstance, options: { exports?: ExportDownloads | undefined }): void {
  const downloads = options.exports;
  if (!downloads) return;
  app.get<{ Querystring: { token?: unknown } }>(EXPORTS_PATH, async (request, reply) => {
    const token = request.query.token;
    let link;
    try {
      if (typeof token !== 'string') throw new Error('no token');
      link = verifyExportLink(downloads.linkKey, token, downloads.now?.() ?? new Date());
    } catch (error) {
      return sendError(reply, isCustodianError(error) && error.code === 'ERR_EXPORT_LINK_EXPIRED' ? GONE : INVALID);
    }
    const artifact = await downloads.store.get({ tenant: link.tenant, id: link.artifactId }).catch((error: unknown) => {
      if (isCustodianError(error) && error.code === 'ERR_ARTIFACT_NOT_FOUND') return undefined;
      throw error;
    });
    if (!artifact) return sendError(reply, MISSING);
    const extension = link.artifactId.endsWith('.zip') ? 'zip' : 'json';
    reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-disposition', `attachment; filename="data-export.${extension}"`)
      .type(artifact.contentType);
    if (artifact.size !== undefined) reply.header('content-length', artifact.size);
    return reply.send(artifact.body);
  });
}
