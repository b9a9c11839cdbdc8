import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CustodianError } from '../errors.js';
import { checkedId, contentTypeOf, tenantSegment } from './names.js';
import type { ArtifactRef, ArtifactStore, StoredArtifact } from './types.js';

/**
 * Artifacts in a local folder, private to the server's user: folders 0700,
 * files 0600 (whatever the umask). A file is written under a temporary name
 * and renamed into place once complete, so a reader never gets half of one.
 * Paths are `<root>/<tenant segment>/<id>`, both parts from `names.ts`.
 *
 * @example
 * const store = new LocalArtifactStore('/var/lib/custodian/exports');
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  #path(ref: ArtifactRef): { dir: string; file: string } {
    const dir = join(this.root, tenantSegment(ref.tenant));
    return { dir, file: join(dir, checkedId(ref.id)) };
  }

  async put(ref: ArtifactRef, body: Readable | AsyncIterable<Uint8Array>, _contentType: string): Promise<{ size: number }> {
    const { dir, file } = this.#path(ref);
    try {
      for (const d of [this.root, dir]) {
        await mkdir(d, { recursive: true, mode: 0o700 });
        await chmod(d, 0o700);
      }
    } catch (error) {
      throw storeFailed(error);
    }
    const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
    let size = 0;
    try {
      const source = body instanceof Readable ? body : Readable.from(body);
      source.on('data', (chunk: Uint8Array) => (size += chunk.length));
      await pipeline(source, createWriteStream(partial, { mode: 0o600, flags: 'wx' }));
      await chmod(partial, 0o600);
      await rename(partial, file);
      return { size };
    } catch (error) {
      await rm(partial, { force: true });
      throw error instanceof CustodianError ? error : storeFailed(error);
    }
  }

  async get(ref: ArtifactRef): Promise<StoredArtifact | undefined> {
    const { file } = this.#path(ref);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return { body: createReadStream(file), contentType: contentTypeOf(ref.id), size: info.size };
  }

  async exists(ref: ArtifactRef): Promise<boolean> {
    return (await stat(this.#path(ref).file).catch(() => undefined))?.isFile() ?? false;
  }

  async delete(ref: ArtifactRef): Promise<void> {
    await rm(this.#path(ref).file, { force: true });
  }
}

function storeFailed(cause: unknown): CustodianError {
  return new CustodianError('ERR_ARTIFACT_STORE_FAILED', 'the export could not be written to the artifact store', { cause, hint: 'check that the store folder is writable by the server' });
}
