import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { CustodianError } from '../../errors.js';
import { resolveRootKey, type ResolveRootKeyOptions } from '../root-key.js';
import { Secret } from '../secret.js';
import { canonicalContext } from './context.js';
import { unwrapFailed } from './errors.js';
import type { EncryptionContext, GeneratedDataKey, KmsProvider, RewrappedDataKey } from './provider.js';

/** Older root keys, still accepted for unwrapping during a root rotation: comma-separated hex. */
export const PREVIOUS_ROOT_KEYS_ENV = 'CUSTODIAN_ROOT_KEY_PREVIOUS';

const VERSION = 1;
const ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;
/** version ‖ root key id ‖ nonce ‖ wrapped key ‖ tag */
const WRAPPED_BYTES = 1 + ID_BYTES + NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES;
const AAD_LABEL = Buffer.from('custodian data key wrap v1\0', 'ascii');

/**
 * A root key's public name: HMAC-SHA256(root, label), first 8 bytes as hex.
 * Stable, safe to store and log, and reveals nothing about the key.
 */
export function rootKeyIdOf(root: Secret<Uint8Array>): string {
  return createHmac('sha256', root.reveal()).update('custodian root key id').digest().subarray(0, ID_BYTES).toString('hex');
}

interface Root {
  id: string;
  idBytes: Buffer;
  key: Secret<Uint8Array>;
}

/**
 * Wraps data keys with AES-256-GCM under a root key held in this process
 * (A1: a 32-byte hex key from an environment variable). The first root key
 * wraps; the others only unwrap, so the root key can be rotated without
 * downtime: deploy the new key with the old one as previous, re-wrap the data
 * keys, then drop the old one.
 */
export class EnvKeyProvider implements KmsProvider {
  readonly name = 'env';
  readonly #roots: Root[];

  constructor(current: Secret<Uint8Array>, previous: readonly Secret<Uint8Array>[] = []) {
    this.#roots = [current, ...previous].map((key) => {
      if (key.reveal().length !== 32) throw new CustodianError('ERR_KEY_INVALID', 'a root key is not 32 bytes');
      const id = rootKeyIdOf(key);
      return { id, idBytes: Buffer.from(id, 'hex'), key };
    });
  }

  /** The current root key from `CUSTODIAN_ROOT_KEY` (see `resolveRootKey`), older ones from `CUSTODIAN_ROOT_KEY_PREVIOUS`. */
  static fromEnvironment(options: ResolveRootKeyOptions): EnvKeyProvider {
    const env = options.env ?? process.env;
    const current = resolveRootKey(options).key;
    const previous = (env[PREVIOUS_ROOT_KEYS_ENV] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((hex) => {
        if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
          throw new CustodianError('ERR_KEY_INVALID', `${PREVIOUS_ROOT_KEYS_ENV} holds a value that is not a 32-byte key in hex`, {
            hint: 'list previous root keys as 64 hex characters each, separated by commas',
          });
        }
        return new Secret(Uint8Array.from(Buffer.from(hex, 'hex')));
      });
    return new EnvKeyProvider(current, previous);
  }

  /** The fingerprint of the root key that wraps new data keys. */
  get currentRootKeyId(): string {
    return this.#roots[0]!.id;
  }

  get rootKeyIds(): string[] {
    return this.#roots.map((r) => r.id);
  }

  async generateDataKey(context: EncryptionContext): Promise<GeneratedDataKey> {
    const plaintext = new Secret(Uint8Array.from(randomBytes(DATA_KEY_BYTES)));
    const root = this.#roots[0]!;
    return { plaintext, wrapped: this.#wrap(root, plaintext.reveal(), context), rootKeyId: root.id };
  }

  async decryptDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Secret<Uint8Array>> {
    return new Secret(this.#unwrap(wrapped, context));
  }

  async reEncrypt(wrapped: Uint8Array, context: EncryptionContext, newRootKeyId?: string): Promise<RewrappedDataKey> {
    const target = newRootKeyId === undefined ? this.#roots[0] : this.#roots.find((r) => r.id === newRootKeyId);
    if (!target) throw new CustodianError('ERR_KEY_NOT_FOUND', 'no configured root key has the id asked for');
    const plain = this.#unwrap(wrapped, context);
    try {
      return { wrapped: this.#wrap(target, plain, context), rootKeyId: target.id };
    } finally {
      plain.fill(0);
    }
  }

  #wrap(root: Root, key: Uint8Array, context: EncryptionContext): Uint8Array {
    const header = Buffer.concat([Buffer.of(VERSION), root.idBytes]);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', root.key.reveal(), nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.concat([AAD_LABEL, header, canonicalContext(context)]));
    const body = Buffer.concat([cipher.update(key), cipher.final()]);
    return Uint8Array.from(Buffer.concat([header, nonce, body, cipher.getAuthTag()]));
  }

  /** Every failure below is the one opaque error: no hint whether the root key, the context or the bytes were wrong. */
  #unwrap(wrapped: Uint8Array, context: EncryptionContext): Uint8Array {
    const bytes = Buffer.from(wrapped);
    if (bytes.length !== WRAPPED_BYTES || bytes[0] !== VERSION) throw unwrapFailed();
    const header = bytes.subarray(0, 1 + ID_BYTES);
    const root = this.#roots.find((r) => r.idBytes.equals(header.subarray(1)));
    if (!root) throw unwrapFailed();
    const nonce = bytes.subarray(header.length, header.length + NONCE_BYTES);
    const body = bytes.subarray(header.length + NONCE_BYTES, WRAPPED_BYTES - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', root.key.reveal(), nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.concat([AAD_LABEL, header, canonicalContext(context)]));
      decipher.setAuthTag(bytes.subarray(WRAPPED_BYTES - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(body), decipher.final()]);
      const own = Uint8Array.from(plain);
      plain.fill(0); // the copy is ours to zero later; the intermediate is zeroed now
      return own;
    } catch {
      throw unwrapFailed();
    }
  }
}
