import type { Readable } from 'node:stream';

/**
 * An artifact (an export file) is addressed by its tenant and an id. The
 * tenant is part of the address, so a link signed for one tenant names a
 * place no other tenant's artifact can be.
 */
export interface ArtifactRef {
  /** The tenant the artifact belongs to; absent for a person who belongs to none (their data spans tenants). */
  tenant?: string | undefined;
  /** From `newArtifactId(extension)`: 32 hex characters and an extension, e.g. `…c3.json`. */
  id: string;
}

export interface StoredArtifact {
  body: Readable;
  contentType: string;
  /** Bytes, when the store knows them. */
  size?: number;
}

/**
 * Where exports are kept until they are downloaded or expire: private by
 * default, written whole or not at all (a reader never sees half an export).
 */
export interface ArtifactStore {
  /** Stores the stream's bytes under `ref`; resolves with their count once they are durable. */
  put(ref: ArtifactRef, body: Readable | AsyncIterable<Uint8Array>, contentType: string): Promise<{ size: number }>;
  /** The artifact, or undefined when there is none. */
  get(ref: ArtifactRef): Promise<StoredArtifact | undefined>;
  exists(ref: ArtifactRef): Promise<boolean>;
  /** Removes it; removing one that is not there is not an error. */
  delete(ref: ArtifactRef): Promise<void>;
}
