import { randomUUID } from 'node:crypto';
import { CustodianError } from '../../errors.js';
import { sqlState } from '../../db/errors.js';
import type { Database } from '../../db/types.js';
import type { KmsProvider } from '../kms/provider.js';
import { Secret } from '../secret.js';
import { DataKeyCache, type DataKeyCacheOptions } from './cache.js';
import { KeyRetireRefusedError, keyNotFound, keyState } from './errors.js';
import { INFO_COLUMNS, SAME_SCOPE, checkScope, keyContext, toInfo, type InfoRow } from './key-rows.js';
import type { DataKey, DataKeyInfo, KeyScope } from './types.js';
import { UsageReservations } from './usage.js';

/**
 * AES-256-GCM with random 96-bit nonces is safe for 2^32 encryptions per key
 * (NIST SP 800-38D, collision chance 2^-32). We stop at 2^30: a nonce
 * collision chance near 2^-37, and room for the blocks that reservations waste.
 */
export const DEFAULT_USAGE_LIMIT = 2n ** 30n;
export const DEFAULT_RESERVATION_BLOCK = 1000;
/** First half of the advisory lock key that serialises rotations of one scope. */
const ROTATION_LOCK = 7215;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface KeyStoreOptions {
  db: Database;
  provider: KmsProvider;
  /** A shared cache, or options for this store's own. */
  cache?: DataKeyCache | DataKeyCacheOptions;
  /** Encryptions allowed per key before it is rotated (or refused). */
  usageLimit?: bigint | number;
  /** Encryptions reserved per database round trip. */
  reservationBlock?: number;
  /** Rotate a key that reaches its limit (default), or refuse with ERR_KEY_USAGE_EXCEEDED. */
  autoRotate?: boolean;
  /** How long after rotation a key may be retired; defaults to the cache's max age (other instances' blocks and caches). */
  retireGraceMs?: number;
  /** Recorded with each key; the usage limit above is what this name implies. */
  algorithm?: string;
}

/**
 * Data keys in `custodian.data_keys`, wrapped by the provider's root key:
 * one active key per scope (root, tenant, subject), created on first use.
 *
 * @example
 * const keys = new KeyStore({ db, provider: EnvKeyProvider.fromEnvironment({ mode: 'production', developmentKeyFile }) });
 * const k = await keys.keyForEncryption('tenant', tenantId); // counts one encryption
 * // … seal with k.key.reveal(), store k.id in the envelope …
 * k.key.reveal().fill(0);
 */
export class KeyStore {
  readonly cache: DataKeyCache;
  readonly #db: Database;
  readonly #provider: KmsProvider;
  readonly #limit: bigint;
  readonly #block: number;
  readonly #autoRotate: boolean;
  readonly #graceMs: number;
  readonly #algorithm: string;
  readonly #usage: UsageReservations;
  readonly #unwrapping = new Map<string, Promise<Secret<Uint8Array>>>();
  /** Which key is active per scope, so the encryption path needs no query; trusted for the cache's max age at most. */
  readonly #active = new Map<string, { row: InfoRow & { wrapped: Uint8Array | null }; at: number }>();

  constructor(options: KeyStoreOptions) {
    this.#db = options.db;
    this.#provider = options.provider;
    this.cache = options.cache instanceof DataKeyCache ? options.cache : new DataKeyCache(options.cache);
    this.#limit = BigInt(options.usageLimit ?? DEFAULT_USAGE_LIMIT);
    this.#block = options.reservationBlock ?? DEFAULT_RESERVATION_BLOCK;
    if (!Number.isSafeInteger(this.#block) || this.#block < 1 || this.#limit < 1n) {
      throw new CustodianError('ERR_CONFIG_INVALID', 'the usage limit and reservation block must be positive integers');
    }
    this.#autoRotate = options.autoRotate ?? true;
    this.#graceMs = options.retireGraceMs ?? this.cache.maxAgeMs;
    this.#algorithm = options.algorithm ?? 'aes-256-gcm';
    this.#usage = new UsageReservations(this.cache.maxAgeMs, Date.now);
  }

  /** The most encryptions `keyForEncryption` counts in one call. */
  get reservationBlock(): number {
    return this.#block;
  }

  /** The scope's active key, created (race-safely, across instances) on first use. */
  async activeKey(scope: KeyScope, scopeId: string | null): Promise<DataKey> {
    checkScope(scope, scopeId);
    const memo = this.#active.get(scopeKey(scope, scopeId));
    if (memo && Date.now() - memo.at < this.cache.maxAgeMs) return this.#materialize(memo.row);
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = (await this.#activeRow(scope, scopeId)) ?? (await this.#create(scope, scopeId));
      if (row) {
        const key = await this.#materialize(row);
        this.#active.set(scopeKey(scope, scopeId), { row, at: Date.now() });
        return key;
      }
    }
    throw keyState('no active key could be settled for the scope'); // only under a storm of concurrent rotations
  }

  /**
   * The active key with `count` encryptions counted against it. A key at its
   * limit is rotated and the new one returned, or, with `autoRotate: false`,
   * refused with ERR_KEY_USAGE_EXCEEDED.
   */
  async keyForEncryption(scope: KeyScope, scopeId: string | null, count = 1): Promise<DataKey> {
    if (!Number.isSafeInteger(count) || count < 1 || count > this.#block) {
      throw new CustodianError('ERR_CRYPTO_ENCRYPT_FAILED', 'encryptions counted at once must be between 1 and the reservation block');
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const key = await this.activeKey(scope, scopeId);
      if (await this.#usage.take(key.id, count, () => this.#reserve(key.id))) return key;
      key.key.reveal().fill(0);
      this.#active.delete(scopeKey(scope, scopeId));
      const info = await this.info(key.id);
      if (info.state !== 'active') continue; // another instance rotated it: use the new one
      if (!this.#autoRotate) {
        throw new CustodianError('ERR_KEY_USAGE_EXCEEDED', 'the active data key reached its encryption limit', {
          hint: 'rotate the key (custodian keys rotate)',
        });
      }
      await this.#rotate(scope, scopeId, key.id);
    }
    throw keyState('no active key with encryptions left could be settled for the scope');
  }

  /** A key for decrypting: active or decrypt-only. Unwrapped through the cache. */
  async keyById(id: string): Promise<DataKey> {
    const row = await this.#row(id);
    return this.#materialize(row);
  }

  async info(id: string): Promise<DataKeyInfo> {
    return toInfo(await this.#row(id));
  }

  /** Every key of a scope (or of all scopes), oldest first: for `custodian keys status`. */
  async list(scope?: KeyScope, scopeId?: string | null): Promise<DataKeyInfo[]> {
    const { rows } =
      scope === undefined
        ? await this.#db.query<InfoRow>(`SELECT ${INFO_COLUMNS} FROM custodian.data_keys ORDER BY created_at, id`)
        : await this.#db.query<InfoRow>(`SELECT ${INFO_COLUMNS} FROM custodian.data_keys WHERE ${SAME_SCOPE} ORDER BY created_at, id`, [scope, scopeId ?? null]);
    return rows.map(toInfo);
  }

  /** The active key becomes decrypt-only and a new key becomes active. */
  async rotate(scope: KeyScope, scopeId: string | null): Promise<{ previous: string | null; active: string }> {
    checkScope(scope, scopeId);
    return this.#rotate(scope, scopeId, undefined);
  }

  /**
   * A decrypt-only key becomes retired, only when `rowsUsing` reports no rows
   * still encrypted under it, and only once other instances can no longer be
   * encrypting with it. Otherwise ERR_KEY_RETIRE_REFUSED and nothing changes.
   */
  async retire(id: string, options: { rowsUsing: (keyId: string) => Promise<number> }): Promise<void> {
    if (!UUID.test(id)) throw keyNotFound();
    const { rows } = await this.#db.query<{ state: string; since_ms: number | null }>(
      `SELECT state, (extract(epoch FROM now() - rotated_at) * 1000)::float8 AS since_ms FROM custodian.data_keys WHERE id = $1::uuid`,
      [id],
    );
    const row = rows[0];
    if (!row) throw keyNotFound();
    if (row.state === 'retired') return;
    if (row.state !== 'decrypt-only') throw keyState('only a decrypt-only key can be retired; rotate an active key first');
    if ((row.since_ms ?? 0) < this.#graceMs) throw new KeyRetireRefusedError(id, 0, 'grace');
    const remaining = await options.rowsUsing(id);
    if (!Number.isSafeInteger(remaining) || remaining < 0) throw new CustodianError('ERR_KEY_RETIRE_REFUSED', 'the row count for the key is not a count');
    if (remaining > 0) throw new KeyRetireRefusedError(id, remaining, 'rows');
    const done = await this.#db.query(
      `UPDATE custodian.data_keys SET state = 'retired', retired_at = now() WHERE id = $1::uuid AND state = 'decrypt-only'`,
      [id],
    );
    if (done.rowCount !== 1) throw keyState('the key changed state while it was being retired');
    this.#forget(id);
  }

  /**
   * Crypto-shredding: every key of the subject (or tenant) loses its key
   * material and becomes destroyed, so whatever was encrypted under them —
   * in this database and in its backups once their wrapped keys age out — can
   * no longer be decrypted. Returns the ids destroyed.
   */
  async destroy(scope: 'subject' | 'tenant', scopeId: string): Promise<string[]> {
    checkScope(scope, scopeId);
    const { rows } = await this.#db.query<{ id: string }>(
      `UPDATE custodian.data_keys SET wrapped = NULL, state = 'destroyed', destroyed_at = now()
        WHERE ${SAME_SCOPE} AND state <> 'destroyed' RETURNING id::text AS id`,
      [scope, scopeId],
    );
    for (const { id } of rows) this.#forget(id);
    this.#active.delete(scopeKey(scope, scopeId));
    return rows.map((r) => r.id).sort();
  }

  /**
   * Root-key rotation: every stored data key not yet wrapped by the
   * provider's current root key is wrapped again by it (`reEncrypt`: with a
   * KMS the data key never leaves it). The data keys themselves do not
   * change, so no stored value is touched. Each row is swapped only if its
   * wrapped bytes are still the ones read, so a concurrent destroy wins and
   * two runs at once are harmless; a rerun picks up what an interrupted run
   * left. Run as the owner (the application role cannot write `wrapped`).
   *
   * @example
   * // CUSTODIAN_ROOT_KEY = new key, CUSTODIAN_ROOT_KEY_PREVIOUS = old key
   * const { remaining } = await keys.rewrap();
   * // remaining === 0: the old root key can be removed
   */
  async rewrap(options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal; concurrency?: number } = {}): Promise<RewrapResult> {
    const current = this.#provider.currentRootKeyId ?? null;
    const pending = `wrapped IS NOT NULL AND provider = $1 AND ($2::text IS NULL OR root_key_id <> $2)`;
    const count = async () =>
      (await this.#db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.data_keys WHERE ${pending}`, [this.#provider.name, current])).rows[0]!.n;
    const total = await count();
    const result: RewrapResult = { total, rewrapped: 0, changedMeanwhile: 0, remaining: 0, aborted: false };
    let after = '00000000-0000-0000-0000-000000000000';
    const concurrency = options.concurrency ?? 8;
    while (!options.signal?.aborted) {
      const { rows } = await this.#db.query<InfoRow & { wrapped: Uint8Array }>(
        `SELECT ${INFO_COLUMNS}, wrapped FROM custodian.data_keys WHERE ${pending} AND id > $3::uuid ORDER BY id LIMIT 200`,
        [this.#provider.name, current, after],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      // A few KMS calls in flight at once: each is a network round trip.
      for (let i = 0; i < rows.length && !options.signal?.aborted; i += concurrency) {
        await Promise.all(
          rows.slice(i, i + concurrency).map(async (row) => {
            const next = await this.#provider.reEncrypt(row.wrapped, keyContext(row.id, row.scope, row.scope_id));
            const { rowCount } = await this.#db.query(
              `UPDATE custodian.data_keys SET wrapped = $2, root_key_id = $3 WHERE id = $1::uuid AND wrapped = $4`,
              [row.id, next.wrapped, next.rootKeyId, row.wrapped],
            );
            if (rowCount === 1) result.rewrapped++;
            else result.changedMeanwhile++;
          }),
        );
        options.onProgress?.(result.rewrapped + result.changedMeanwhile, total);
      }
    }
    result.aborted = options.signal?.aborted ?? false;
    // With no current id known (a KMS alias), every key counts as pending, so only what this run missed is left.
    result.remaining = current === null ? total - result.rewrapped - result.changedMeanwhile : await count();
    return result;
  }

  async #row(id: string): Promise<InfoRow & { wrapped: Uint8Array | null }> {
    if (!UUID.test(id)) throw keyNotFound(); // not an SQL error that would quote it
    const { rows } = await this.#db.query<InfoRow & { wrapped: Uint8Array | null }>(
      `SELECT ${INFO_COLUMNS}, wrapped FROM custodian.data_keys WHERE id = $1::uuid`,
      [id],
    );
    if (!rows[0]) throw keyNotFound();
    return rows[0];
  }

  async #activeRow(scope: KeyScope, scopeId: string | null): Promise<(InfoRow & { wrapped: Uint8Array | null }) | undefined> {
    const { rows } = await this.#db.query<InfoRow & { wrapped: Uint8Array | null }>(
      `SELECT ${INFO_COLUMNS}, wrapped FROM custodian.data_keys WHERE ${SAME_SCOPE} AND state = 'active'`,
      [scope, scopeId],
    );
    return rows[0];
  }

  /** Inserts a new active key unless another caller won the race; then the caller reads the winner. */
  async #create(scope: KeyScope, scopeId: string | null): Promise<undefined> {
    const id = randomUUID();
    const generated = await this.#provider.generateDataKey(keyContext(id, scope, scopeId));
    try {
      const { rowCount } = await this.#db.query(
        `INSERT INTO custodian.data_keys (id, scope, scope_id, algorithm, wrapped, root_key_id, provider)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [id, scope, scopeId, this.#algorithm, generated.wrapped, generated.rootKeyId, this.#provider.name],
      );
      if (rowCount === 1) this.cache.set(id, generated.plaintext);
    } finally {
      generated.plaintext.reveal().fill(0);
    }
    return undefined;
  }

  async #materialize(row: InfoRow & { wrapped: Uint8Array | null }): Promise<DataKey> {
    if (row.state === 'retired' || row.state === 'destroyed' || row.wrapped === null) {
      this.#forget(row.id);
      throw keyState(`the data key is ${row.state === 'active' || row.state === 'decrypt-only' ? 'unusable' : row.state}`);
    }
    if (row.provider !== this.#provider.name) {
      throw new CustodianError('ERR_CONFIG_INVALID', `the data key was wrapped by the ${row.provider} provider, which is not configured`);
    }
    const key = this.cache.get(row.id) ?? (await this.#unwrap(row as InfoRow & { wrapped: Uint8Array }));
    return { id: row.id, scope: row.scope, scopeId: row.scope_id, algorithm: row.algorithm, key };
  }

  /** One KMS call per key however many callers miss the cache at once; each caller gets its own copy. */
  async #unwrap(row: InfoRow & { wrapped: Uint8Array }): Promise<Secret<Uint8Array>> {
    let pending = this.#unwrapping.get(row.id);
    if (!pending) {
      pending = (async () => {
        try {
          const key = await this.#provider.decryptDataKey(row.wrapped, keyContext(row.id, row.scope, row.scope_id));
          this.cache.set(row.id, key);
          return key;
        } finally {
          this.#unwrapping.delete(row.id);
        }
      })();
      this.#unwrapping.set(row.id, pending);
    }
    return new Secret(Uint8Array.from((await pending).reveal()));
  }

  /** Reserves one block; 0 when the key is no longer active or the block would pass the limit. */
  async #reserve(id: string): Promise<number> {
    const { rowCount } = await this.#db.query(
      `UPDATE custodian.data_keys SET encryptions = encryptions + $2
        WHERE id = $1::uuid AND state = 'active' AND encryptions + $2 <= $3::bigint RETURNING encryptions`,
      [id, this.#block, this.#limit.toString()],
    );
    return rowCount === 1 ? this.#block : 0;
  }

  async #rotate(scope: KeyScope, scopeId: string | null, expected: string | undefined): Promise<{ previous: string | null; active: string }> {
    for (let attempt = 0; ; attempt++) {
      const id = randomUUID();
      const generated = await this.#provider.generateDataKey(keyContext(id, scope, scopeId));
      try {
        const result = await this.#db.transaction(async (tx) => {
          // Rotations of one scope take turns (instances included), so none loses to another's insert.
          await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ROTATION_LOCK, JSON.stringify([scope, scopeId])]);
          const demoted = await tx.query<{ id: string }>(
            `UPDATE custodian.data_keys SET state = 'decrypt-only', rotated_at = now()
              WHERE ${SAME_SCOPE} AND state = 'active' ${expected === undefined ? '' : 'AND id = $3::uuid'} RETURNING id::text AS id`,
            expected === undefined ? [scope, scopeId] : [scope, scopeId, expected],
          );
          // Rotating away from a key someone else already rotated: their new key stands.
          if (expected !== undefined && demoted.rowCount === 0) return undefined;
          await tx.query(
            `INSERT INTO custodian.data_keys (id, scope, scope_id, algorithm, wrapped, root_key_id, provider) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [id, scope, scopeId, this.#algorithm, generated.wrapped, generated.rootKeyId, this.#provider.name],
          );
          return { previous: demoted.rows[0]?.id ?? null, active: id };
        });
        this.#active.delete(scopeKey(scope, scopeId));
        if (!result) {
          const current = await this.activeKey(scope, scopeId);
          current.key.reveal().fill(0);
          return { previous: expected ?? null, active: current.id };
        }
        this.cache.set(id, generated.plaintext);
        if (result.previous) this.#usage.forget(result.previous);
        return result;
      } catch (error) {
        // A first use of the scope inserted its key meanwhile (one-active index): rotate on top of it.
        if (sqlState(error) !== '23505' || attempt >= 2) throw error;
      } finally {
        generated.plaintext.reveal().fill(0);
      }
    }
  }

  #forget(id: string): void {
    this.cache.delete(id);
    this.#usage.forget(id);
    for (const [k, v] of this.#active) if (v.row.id === id) this.#active.delete(k);
  }
}

export interface RewrapResult {
  /** Data keys not under the current root key when the run started. */
  total: number;
  rewrapped: number;
  /** Keys destroyed or re-wrapped by someone else between our read and our write. */
  changedMeanwhile: number;
  /** Keys still not under the current root key (0 when the old root key can go). */
  remaining: number;
  aborted: boolean;
}

const scopeKey = (scope: KeyScope, scopeId: string | null) => `${scope}\u0000${scopeId ?? ''}`;
