import { PassThrough } from 'node:stream';
import { newArtifactId } from '../../artifacts/names.js';
import type { ArtifactRef, ArtifactStore } from '../../artifacts/types.js';
import type { Database } from '../../db/types.js';
import { exportSubject, type ExportSubjectOptions } from './export-subject.js';
import type { ExportManifest } from './manifest.js';

/**
 * Exports a person straight into an artifact store (B5: "stored in a private
 * bucket"): the export streams into the store's upload as it is produced. If
 * either side fails, nothing is left stored.
 *
 * @example
 * const { ref, manifest } = await exportToStore(db, store, { policy, schema, subject });
 * const { token } = signExportLink(linkKey, { tenant: ref.tenant, artifactId: ref.id, ttl: policy.requests.exportLinkTtl });
 */
export async function exportToStore(db: Database, store: ArtifactStore, options: ExportSubjectOptions): Promise<{ ref: ArtifactRef; manifest: ExportManifest; size: number }> {
  const format = options.format ?? 'json';
  const ref: ArtifactRef = { tenant: options.subject.tenant, id: newArtifactId(format === 'json' ? 'json' : 'zip') };
  const pipe = new PassThrough({ highWaterMark: 256 * 1024 });
  const upload = store.put(ref, pipe, format === 'json' ? 'application/json; charset=utf-8' : 'application/zip');
  // A store that gives up stops the export too, rather than leaving it waiting on a full pipe.
  upload.catch((error: unknown) => pipe.destroy(error instanceof Error ? error : new Error('the upload failed')));
  try {
    const manifest = await exportSubject(db, options, pipe);
    pipe.end();
    const { size } = await upload;
    return { ref, manifest, size };
  } catch (error) {
    pipe.destroy(error as Error);
    await upload.catch(() => {});
    await store.delete(ref).catch(() => {});
    throw error;
  }
}
