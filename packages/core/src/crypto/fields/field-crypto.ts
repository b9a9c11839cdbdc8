import { CustodianError } from '../../errors.js';
import type { Policy } from '../../policy/index.js';
import { blindIndex, deriveIndexKey } from '../blind-index.js';
import type { Actor, DecryptAuditSink } from '../decrypt-audit/types.js';
import { openText } from '../envelope/open-text.js';
import { parseEnvelopeHeader } from '../envelope/parse-header.js';
import { sealValue } from '../envelope/seal-value.js';
import type { KeyStore } from '../keys/key-store.js';
import { mask } from '../mask.js';
import type { Secret } from '../secret.js';
import { decryptFailed } from '../fail.js';
import { encryptionOf, keyScopeOf, rowKeyText, type FieldRef } from './field-ref.js';

export interface FieldCryptoOptions {
  policy: Policy;
  keys: KeyStore;
  /** Where audited decrypts are recorded before the plaintext is returned. */
  audit: DecryptAuditSink;
  /**
   * The secret blind-index keys are derived from (per column, per tenant).
   * It must outlive data-key rotations, so it is not a data key; columns
   * with a blind index need it.
   */
  indexSecret?: Secret<Uint8Array>;
}

/** What to store for one sealed value: the envelope, and the mask and blind index the policy asks for. */
export interface SealedField {
  ciphertext: Uint8Array;
  mask?: { column: string; value: string };
  blindIndex?: { column: string; value: Buffer };
}

export interface OpenFieldOptions {
  /** Why the plaintext is needed; must be one of the column's `encryption.purposes` when it lists any (A3). */
  purpose: string;
  actor: Actor;
}

/**
 * Field encryption driven by the policy: each column's algorithm and key
 * scope, its mask and blind index, and whether its decrypts are audited.
 *
 * @example
 * const fields = new FieldCrypto({ policy, keys, audit: databaseDecryptAudit(db) });
 * const sealed = await fields.seal({ table: 'customer_api_keys', column: 'key_ciphertext', tenant, primaryKey: [tenant, id] }, apiKey);
 * const key = await fields.open(ref, sealed.ciphertext, { purpose: 'assessment-session', actor });
 */
export class FieldCrypto {
  readonly #options: FieldCryptoOptions;

  constructor(options: FieldCryptoOptions) {
    this.#options = options;
  }

  async seal(ref: FieldRef, plaintext: string): Promise<SealedField> {
    const encryption = encryptionOf(this.#options.policy, ref);
    const { scope, scopeId } = keyScopeOf(encryption, ref);
    const key = await this.#options.keys.keyForEncryption(scope, scopeId);
    try {
      const ciphertext = sealValue(plaintext, {
        key: { id: key.id, bytes: key.key },
        algorithm: encryption.algorithm,
        context: contextOf(ref),
      });
      const sealed: SealedField = { ciphertext };
      if (encryption.mask) sealed.mask = { column: encryption.mask.column, value: mask(plaintext, encryption.mask) };
      if (encryption.blindIndex) sealed.blindIndex = { column: encryption.blindIndex.column, value: this.index(ref, plaintext) };
      return sealed;
    } finally {
      key.key.reveal().fill(0);
    }
  }

  /**
   * Opens a value for a named purpose. For a column whose decrypts are
   * audited, the record is committed before the plaintext is returned; if it
   * cannot be written, the plaintext is wiped and the call fails (C2).
   */
  async open(ref: FieldRef, value: Uint8Array, options: OpenFieldOptions): Promise<Secret<string>> {
    const encryption = encryptionOf(this.#options.policy, ref);
    if (!options?.purpose || (encryption.purposes.length > 0 && !encryption.purposes.includes(options.purpose))) {
      throw new CustodianError('ERR_CRYPTO_PURPOSE_REQUIRED', `decrypting ${ref.table}.${ref.column} needs one of the purposes its policy allows`, {
        hint: encryption.purposes.length > 0 ? `name one of: ${encryption.purposes.join(', ')}` : 'name the purpose of the decrypt',
      });
    }
    let keyId: string;
    try {
      keyId = parseEnvelopeHeader(value).keyId;
    } catch {
      throw decryptFailed();
    }
    const key = await this.#options.keys.keyById(keyId).catch(() => undefined);
    if (!key) throw decryptFailed();
    let plaintext: Secret<string>;
    try {
      plaintext = openText(value, { keys: new Map([[key.id, key.key]]), context: contextOf(ref), expectedAlgorithm: encryption.algorithm });
    } finally {
      key.key.reveal().fill(0);
    }
    if (encryption.auditDecrypt) {
      await this.#options.audit.record({
        actor: options.actor,
        purpose: options.purpose,
        tenant: ref.tenant,
        table: ref.table,
        column: ref.column,
        rowKey: rowKeyText(ref.primaryKey),
        keyId,
      });
    }
    return plaintext;
  }

  /** The blind index of a value for this column (and tenant), for storing or for a lookup. */
  index(ref: Pick<FieldRef, 'table' | 'column' | 'tenant'>, plaintext: string): Buffer {
    const settings = this.#options.policy.tables[ref.table]?.columns[ref.column]?.encryption?.blindIndex;
    if (!settings || !this.#options.indexSecret) {
      throw new CustodianError('ERR_CRYPTO_ENCRYPT_FAILED', `${ref.table}.${ref.column} has no blind index, or no index secret was configured`, {
        hint: 'declare encryption.blindIndex for the column and pass indexSecret',
      });
    }
    const key = deriveIndexKey(this.#options.indexSecret, { table: ref.table, column: ref.column, tenant: ref.tenant });
    try {
      return blindIndex(plaintext, key, settings.normalize);
    } finally {
      key.reveal().fill(0);
    }
  }
}

function contextOf(ref: FieldRef): { tenant?: string; table: string; column: string; primaryKey: string | readonly string[] } {
  return ref.tenant === undefined
    ? { table: ref.table, column: ref.column, primaryKey: ref.primaryKey }
    : { tenant: ref.tenant, table: ref.table, column: ref.column, primaryKey: ref.primaryKey };
}
