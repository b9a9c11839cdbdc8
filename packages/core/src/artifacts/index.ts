// Artifact stores: where exports wait for their download (a private folder, or an S3-compatible bucket).
export type { ArtifactRef, ArtifactStore, StoredArtifact } from './types.js';
export { newArtifactId, contentTypeOf } from './names.js';
export { LocalArtifactStore } from './local-store.js';
export { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-store.js';
