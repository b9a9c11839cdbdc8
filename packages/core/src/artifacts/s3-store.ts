import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { CustodianError } from '../errors.js';
import { checkedId, tenantSegment } from './names.js';
import type { ArtifactRef, ArtifactStore, StoredArtifact } from './types.js';

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Prepended to every key, e.g. `exports/`. */
  prefix?: string;
  region?: string;
  /** An S3-compatible endpoint (MinIO, R2, a VPC endpoint); path-style addressing is then used. */
  endpoint?: string;
  credentials?: S3ClientConfig['credentials'];
  /** Server-side encryption asked of the store for each object. */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  /** Where an upload is spooled to learn its length first; the system temporary folder by default. */
  spoolDir?: string;
}

type S3Module = typeof import('@aws-sdk/client-s3');

/**
 * Artifacts in an S3-compatible bucket (B5: "stored in a private bucket").
 * The SDK is imported on first use, so the library does not load it unless
 * this store is configured. An upload is first spooled to a private
 * temporary file (0600 in a 0700 folder) so the object is sent with its
 * length in one PUT — memory stays flat, and the object appears whole or
 * not at all. Checksums are sent only where S3 requires them, which every
 * S3-compatible store accepts.
 *
 * @example
 * const store = new S3ArtifactStore({ bucket: 'acme-exports', region: 'eu-central-1', serverSideEncryption: 'AES256' });
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly #options: S3ArtifactStoreOptions;
  #client: Promise<{ s3: S3Module; client: S3Client }> | undefined;

  constructor(options: S3ArtifactStoreOptions) {
    if (!options.bucket) throw new CustodianError('ERR_CONFIG_INVALID', 'an S3 artifact store needs a bucket');
    this.#options = options;
  }

  #connect(): Promise<{ s3: S3Module; client: S3Client }> {
    this.#client ??= import('@aws-sdk/client-s3').then((s3) => ({
      s3,
      client: new s3.S3Client({
        ...(this.#options.region === undefined ? {} : { region: this.#options.region }),
        ...(this.#options.endpoint === undefined ? {} : { endpoint: this.#options.endpoint, forcePathStyle: true }),
        ...(this.#options.credentials === undefined ? {} : { credentials: this.#options.credentials }),
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
      }),
    }));
    return this.#client;
  }

  #key(ref: ArtifactRef): string {
    return `${this.#options.prefix ?? ''}${tenantSegment(ref.tenant)}/${checkedId(ref.id)}`;
  }

  async put(ref: ArtifactRef, body: Readable | AsyncIterable<Uint8Array>, contentType: string): Promise<{ size: number }> {
    const Key = this.#key(ref);
    const { s3, client } = await this.#connect();
    const dir = await mkdtemp(join(this.#options.spoolDir ?? tmpdir(), 'custodian-upload-'));
    try {
      const file = join(dir, randomBytes(8).toString('hex'));
      await pipeline(body instanceof Readable ? body : Readable.from(body), createWriteStream(file, { mode: 0o600, flags: 'wx' }));
      const size = (await stat(file)).size;
      await client.send(
        new s3.PutObjectCommand({
          Bucket: this.#options.bucket,
          Key,
          Body: createReadStream(file),
          ContentLength: size,
          ContentType: contentType,
          ...(this.#options.serverSideEncryption ? { ServerSideEncryption: this.#options.serverSideEncryption } : {}),
        }),
      );
      return { size };
    } catch (error) {
      throw error instanceof CustodianError ? error : storeFailed('written to', error);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async get(ref: ArtifactRef): Promise<StoredArtifact | undefined> {
    const Key = this.#key(ref);
    const { s3, client } = await this.#connect();
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.#options.bucket, Key }));
      if (!(out.Body instanceof Readable)) throw new Error('no body stream');
      return { body: out.Body, contentType: out.ContentType ?? 'application/octet-stream', ...(out.ContentLength === undefined ? {} : { size: out.ContentLength }) };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw storeFailed('read from', error);
    }
  }

  async exists(ref: ArtifactRef): Promise<boolean> {
    const Key = this.#key(ref);
    const { s3, client } = await this.#connect();
    try {
      await client.send(new s3.HeadObjectCommand({ Bucket: this.#options.bucket, Key }));
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      throw storeFailed('read from', error);
    }
  }

  async delete(ref: ArtifactRef): Promise<void> {
    const Key = this.#key(ref);
    const { s3, client } = await this.#connect();
    try {
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.#options.bucket, Key }));
    } catch (error) {
      if (!notFound(error)) throw storeFailed('deleted from', error);
    }
  }

  /** Closes the SDK's connections. */
  async close(): Promise<void> {
    if (this.#client) (await this.#client).client.destroy();
  }
}

function notFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function storeFailed(verb: string, cause: unknown): CustodianError {
  return new CustodianError('ERR_ARTIFACT_STORE_FAILED', `the export could not be ${verb} the artifact store`, { cause, hint: 'check the bucket, endpoint and credentials' });
}
