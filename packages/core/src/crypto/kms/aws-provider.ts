import { DecryptCommand, GenerateDataKeyCommand, KMSClient, ReEncryptCommand, type KMSClientConfig } from '@aws-sdk/client-kms';
import { CustodianError } from '../../errors.js';
import { Secret } from '../secret.js';
import { kmsUnavailable, unwrapFailed } from './errors.js';
import type { EncryptionContext, GeneratedDataKey, KmsProvider, RewrappedDataKey } from './provider.js';

export interface AwsKmsProviderOptions {
  /** The KMS key (id, ARN or `alias/…`) that wraps new data keys: the root key, which never leaves KMS (B2). */
  keyId: string;
  region?: string;
  /** Another endpoint, e.g. a VPC endpoint or a local KMS-compatible server in tests. */
  endpoint?: string;
  /** Defaults to the SDK's credential chain (environment, profile, instance role). */
  credentials?: KMSClientConfig['credentials'];
  /** Milliseconds to wait for a connection, and for an answer; a KMS outage fails fast rather than hanging a request. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Attempts per call, including the first (SDK retries with backoff). */
  maxAttempts?: number;
}

/** KMS rejections that mean "this ciphertext does not open here": the one opaque unwrap error. */
const UNWRAP_REJECTIONS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/**
 * Data keys wrapped by an AWS KMS key: KMS generates each data key and returns
 * it with its wrapped form; the EncryptionContext is bound into the wrap, and
 * KMS (and CloudTrail) see it on every unwrap.
 */
export class AwsKmsProvider implements KmsProvider {
  readonly name = 'aws-kms';
  readonly keyId: string;
  readonly #client: KMSClient;

  constructor(options: AwsKmsProviderOptions) {
    this.keyId = options.keyId;
    this.#client = new KMSClient({
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      maxAttempts: options.maxAttempts ?? 2,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 2_000,
        requestTimeout: options.requestTimeoutMs ?? 5_000,
        // Without this the SDK only logs a warning and waits for ever on a KMS that accepts but never answers.
        throwOnRequestTimeout: true,
      },
    });
  }

  async generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey> {
    const out = await this.#send('GenerateDataKey', () =>
      this.#client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } })),
    );
    if (!out.Plaintext || out.Plaintext.length !== 32 || !out.CiphertextBlob || !out.KeyId) {
      throw kmsUnavailable('GenerateDataKey', new Error('incomplete response'));
    }
    return { plaintext: new Secret(Uint8Array.from(out.Plaintext)), wrapped: Uint8Array.from(out.CiphertextBlob), rootKeyId: out.KeyId };
  }

  async decryptDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Secret<Uint8Array>> {
    const out = await this.#send('Decrypt', () =>
      this.#client.send(new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: { ...context } })),
    );
    if (!out.Plaintext) throw kmsUnavailable('Decrypt', new Error('incomplete response'));
    const key = Uint8Array.from(out.Plaintext);
    out.Plaintext.fill(0);
    return new Secret(key);
  }

  /** The configured key when it is an ARN (what KMS reports and we store); an alias or bare id says nothing until a call. */
  get currentRootKeyId(): string | undefined {
    return this.keyId.startsWith('arn:') && this.keyId.includes(':key/') ? this.keyId : undefined;
  }

  async reEncrypt(wrapped: Uint8Array, context: EncryptionContext, newRootKeyId?: string): Promise<RewrappedDataKey> {
    const out = await this.#send('ReEncrypt', () =>
      this.#client.send(
        new ReEncryptCommand({
          CiphertextBlob: wrapped,
          SourceEncryptionContext: { ...context },
          DestinationKeyId: newRootKeyId ?? this.keyId,
          DestinationEncryptionContext: { ...context },
        }),
      ),
    );
    if (!out.CiphertextBlob || !out.KeyId) throw kmsUnavailable('ReEncrypt', new Error('incomplete response'));
    return { wrapped: Uint8Array.from(out.CiphertextBlob), rootKeyId: out.KeyId };
  }

  /** Closes the SDK's sockets. */
  close(): void {
    this.#client.destroy();
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof CustodianError) throw error;
      const name = (error as { name?: string }).name ?? '';
      if (UNWRAP_REJECTIONS.has(name)) throw unwrapFailed();
      throw kmsUnavailable(operation, error);
    }
  }
}
