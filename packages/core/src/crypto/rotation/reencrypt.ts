import { CustodianError } from '../../errors.js';
import { quoteIdent, quoteQualified } from '../../db/identifier.js';
import type { Queryable } from '../../db/types.js';
import type { Policy } from '../../policy/index.js';
import type { Actor, DecryptAuditSink, DecryptRecord } from '../decrypt-audit/types.js';
import type { ValueContext } from '../envelope/context.js';
import { openValue } from '../envelope/open-value.js';
import { sealValue } from '../envelope/seal-value.js';
import { keyIdPrefix, underKeySql } from '../keys/envelope-sql.js';
import type { KeyStore } from '../keys/key-store.js';
import { rowsUnderKey } from '../keys/rows-by-key.js';
import type { DataKey } from '../keys/types.js';
import { rowKeyText } from '../fields/field-ref.js';
import { encryptedColumns, type EncryptedColumn } from './encrypted-columns.js';

export interface ReencryptOptions {
  db: Queryable;
  policy: Policy;
  keys: KeyStore;
  /** A decrypt-only key: its values move to the active key of the same scope. */
  keyId: string;
  /** Where decrypts of audited columns are recorded, before each chunk is decrypted. */
  audit: DecryptAuditSink;
  /** Recorded as the decrypting actor; default { type: 'system', id: 'key-rotation' }. */
  actor?: Actor;
  /** Rows read, re-sealed and written back per round trip. Default 1000. */
  chunkSize?: number;
  onProgress?: (progress: ReencryptProgress) => void;
  /** Stops after the chunk in flight; the run can be started again and picks up what is left. */
  signal?: AbortSignal;
}

export interface ReencryptProgress {
  table: string;
  column: string;
  /** Rows handled so far over every column (re-encrypted, changed meanwhile, or unreadable). */
  done: number;
  /** Rows under the key when the run started, over every column. */
  total: number;
}

export interface ReencryptColumnResult {
  table: string;
  column: string;
  reencrypted: number;
  /** Rows whose value changed between our read and our write: left as the other writer put them. */
  changedMeanwhile: number;
  /** Values under the key that did not open with their row's context: left untouched, never rewritten. */
  unreadable: number;
  /** Rows still under the key when the run ended. */
  remaining: number;
}

export interface ReencryptResult {
  keyId: string;
  /** The scope's active key the values now use. */
  activeKeyId: string;
  total: number;
  reencrypted: number;
  changedMeanwhile: number;
  unreadable: number;
  remaining: number;
  aborted: boolean;
  columns: ReencryptColumnResult[];
}

const ROTATION_ACTOR: Actor = { type: 'system', id: 'key-rotation' };
const ROTATION_PURPOSE = 'key-rotation';
/** A column is passed over again while rows under the key keep appearing (writers still on the old key). */
const MAX_PASSES = 5;
const WRITES_IN_FLIGHT = 2;

/**
 * Re-encrypts every stored value under a decrypt-only key with its scope's
 * active key, column by column, in primary-key order.
 *
 * Each chunk is one read (keyset: rows after the last key seen), one decrypt
 * record per audited value (committed before anything is decrypted), sealing
 * in memory, and one compare-and-swap UPDATE that writes a new value only
 * where the row still holds exactly the value read. So:
 * - a crash or kill at any point loses nothing: a row holds either its old
 *   envelope or its new one, and a new run skips rows already moved (they no
 *   longer name the key);
 * - a concurrent application write wins: its row is left as written;
 * - two runs at once are safe: for each row one swap succeeds, the other
 *   finds the value changed. They do not split the work between them.
 * Values that do not open with their row's context are counted as
 * unreadable and never touched.
 *
 * @example
 * await keys.rotate('tenant', tenantId);
 * const result = await reencrypt({ db, policy, keys, keyId: previous, audit: databaseDecryptAudit(db) });
 * if (result.remaining === 0) await keys.retire(previous, { rowsUsing: (id) => rowsUsingKey(db, policy, id) });
 */
export async function reencrypt(options: ReencryptOptions): Promise<ReencryptResult> {
  const chunkSize = options.chunkSize ?? 1000;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > 100_000) {
    throw new CustodianError('ERR_CONFIG_INVALID', 'the chunk size must be a whole number from 1 to 100000');
  }
  const info = await options.keys.info(options.keyId);
  if (info.state === 'active') {
    throw new CustodianError('ERR_KEY_STATE', 'the key is still active: rotate its scope first, then re-encrypt its values', {
      hint: 'custodian keys rotate, then custodian keys reencrypt',
    });
  }
  const columns = await encryptedColumns(options.db, options.policy);
  const totals = await Promise.all(columns.map((c) => rowsUnderKey(options.db, c.table, c.column, options.keyId)));
  const total = totals.reduce((a, b) => a + b, 0);
  const result: ReencryptResult = {
    keyId: options.keyId,
    activeKeyId: '',
    total,
    reencrypted: 0,
    changedMeanwhile: 0,
    unreadable: 0,
    remaining: 0,
    aborted: false,
    columns: [],
  };
  if (info.state === 'retired' && total === 0) return result;

  const active = await options.keys.activeKey(info.scope, info.scopeId);
  result.activeKeyId = active.id;
  active.key.reveal().fill(0);
  const old = await options.keys.keyById(options.keyId); // ERR_KEY_STATE for a retired or destroyed key with rows left
  const run = new ColumnRun(options, old, chunkSize, total);
  try {
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      if (totals[i] === 0) continue;
      const outcome = await run.column(column);
      result.columns.push(outcome);
      result.reencrypted += outcome.reencrypted;
      result.changedMeanwhile += outcome.changedMeanwhile;
      result.unreadable += outcome.unreadable;
      result.remaining += outcome.remaining;
      if (options.signal?.aborted) {
        result.aborted = true;
        break;
      }
    }
  } finally {
    old.key.reveal().fill(0);
  }
  return result;
}

/** A row read for re-encryption: the value, the tenant, and the key parts as k0, k1, … (text, never NULL in a primary key). */
interface ChunkRow {
  v: Uint8Array;
  tenant?: string | null;
  [part: string]: unknown;
}

const part = (row: ChunkRow, i: number): string => row[`k${i}`] as string;

/** A chunk ready to write: key parts per key column, old and new values as hex. */
interface SealedChunk {
  keyParts: string[][];
  olds: string[];
  news: string[];
  unreadable: number;
}

class ColumnRun {
  #done = 0;
  readonly #keyring: ReadonlyMap<string, DataKey['key']>;

  constructor(
    private readonly options: ReencryptOptions,
    /** The key being moved away from; its scope is the scope of the new key. */
    private readonly old: DataKey,
    private readonly chunkSize: number,
    private readonly total: number,
  ) {
    this.#keyring = new Map([[old.id, old.key]]);
  }

  async column(column: EncryptedColumn): Promise<ReencryptColumnResult> {
    const outcome: ReencryptColumnResult = { table: column.table, column: column.column, reencrypted: 0, changedMeanwhile: 0, unreadable: 0, remaining: 0 };
    const sql = statements(column);
    const prefix = keyIdPrefix(this.options.keyId);
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let after: string[] | undefined;
      let progressed = false;
      let unreadableThisPass = 0;
      // While earlier chunks' UPDATEs run, the next chunk is read and sealed: the keyset makes
      // chunks disjoint, so they never touch the same rows. Two writes in flight keep a
      // PostgreSQL server busy on two connections; PGlite runs them one after the other.
      const writing: Promise<void>[] = [];
      for (;;) {
        if (this.options.signal?.aborted) break;
        const { rows } = await this.options.db.query<ChunkRow>(after ? sql.selectAfter : sql.selectFirst, after ? [prefix, this.chunkSize, ...after] : [prefix, this.chunkSize]);
        if (rows.length === 0) break;
        after = keyOf(rows[rows.length - 1]!, column);
        const sealed = await this.#seal(column, rows);
        unreadableThisPass += sealed.unreadable;
        if (writing.length >= WRITES_IN_FLIGHT) await writing.shift();
        writing.push(
          this.#write(sql.update, sealed).then((moved) => {
            outcome.reencrypted += moved.written;
            outcome.changedMeanwhile += moved.lost;
            if (moved.written > 0) progressed = true;
            this.#done += rows.length;
            this.options.onProgress?.({ table: column.table, column: column.column, done: Math.min(this.#done, this.total), total: this.total });
          }),
        );
      }
      await Promise.all(writing);
      outcome.unreadable = unreadableThisPass;
      outcome.remaining = await rowsUnderKey(this.options.db, column.table, column.column, this.options.keyId);
      // Done when only unreadable values are left, or when a pass moves nothing (what is left needs a person, not a retry).
      if (this.options.signal?.aborted || outcome.remaining <= outcome.unreadable || !progressed) break;
    }
    return outcome;
  }

  /** Records the chunk's decrypts (audited columns), then opens and re-seals each value; nothing is written yet. */
  async #seal(column: EncryptedColumn, rows: ChunkRow[]): Promise<SealedChunk> {
    const contexts = rows.map((row) => contextOf(row, column));
    if (column.encryption.auditDecrypt) await this.#audit(column, contexts);
    const chunk: SealedChunk = { keyParts: column.primaryKey.map(() => []), olds: [], news: [], unreadable: 0 };
    for (let start = 0; start < rows.length; start += this.options.keys.reservationBlock) {
      const end = Math.min(rows.length, start + this.options.keys.reservationBlock);
      const key = await this.options.keys.keyForEncryption(this.old.scope, this.old.scopeId, end - start);
      try {
        for (let i = start; i < end; i++) {
          const row = rows[i]!;
          let plaintext;
          try {
            plaintext = openValue(row.v, { keys: this.#keyring, context: contexts[i]! });
          } catch {
            chunk.unreadable++;
            continue;
          }
          try {
            const sealed = sealValue(plaintext, { key: { id: key.id, bytes: key.key }, algorithm: column.encryption.algorithm, context: contexts[i]! });
            for (let k = 0; k < chunk.keyParts.length; k++) chunk.keyParts[k]!.push(part(row, k));
            chunk.olds.push(hex(row.v));
            chunk.news.push(hex(sealed));
          } finally {
            plaintext.reveal().fill(0);
          }
        }
      } finally {
        key.key.reveal().fill(0);
      }
    }
    return chunk;
  }

  /** The compare-and-swap: a row is written only if it still holds the value read. */
  async #write(update: string, chunk: SealedChunk): Promise<{ written: number; lost: number }> {
    if (chunk.news.length === 0) return { written: 0, lost: 0 };
    const { rowCount } = await this.options.db.query(update, [...chunk.keyParts, chunk.olds, chunk.news]);
    return { written: rowCount, lost: chunk.news.length - rowCount };
  }

  async #audit(column: EncryptedColumn, contexts: ValueContext[]): Promise<void> {
    const records: DecryptRecord[] = contexts.map((context) => ({
      actor: this.options.actor ?? ROTATION_ACTOR,
      purpose: ROTATION_PURPOSE,
      tenant: context.tenant,
      table: column.table,
      column: column.column,
      rowKey: rowKeyText(context.primaryKey),
      keyId: this.old.id,
    }));
    if (this.options.audit.recordMany) await this.options.audit.recordMany(records);
    else for (const record of records) await this.options.audit.record(record);
  }
}

/** The three statements of a column's run: first chunk, later chunks (keyset), and the compare-and-swap write. */
function statements(column: EncryptedColumn): { selectFirst: string; selectAfter: string; update: string } {
  const table = quoteQualified(column.table);
  const c = quoteIdent(column.column);
  const pk = column.primaryKey.map((p) => quoteIdent(p.name));
  const selectList = [
    ...pk.map((p, i) => `${p}::text AS k${i}`),
    ...(column.tenantColumn ? [`${quoteIdent(column.tenantColumn)}::text AS tenant`] : []),
    `${c} AS v`,
  ].join(', ');
  const base = `SELECT ${selectList} FROM ${table} WHERE ${underKeySql(column.column, 1)}`;
  const order = `ORDER BY ${pk.join(', ')} LIMIT $2`;
  const keyset = `(${pk.join(', ')}) > (${column.primaryKey.map((p, i) => `$${i + 3}::${p.type}`).join(', ')})`;
  const n = column.primaryKey.length;
  const vars = column.primaryKey.map((_, i) => `k${i}`);
  const update = `UPDATE ${table} AS t SET ${c} = decode(v.new, 'hex')
      FROM unnest(${[...vars.map((_, i) => `$${i + 1}::text[]`), `$${n + 1}::text[]`, `$${n + 2}::text[]`].join(', ')}) AS v(${[...vars, 'old', 'new'].join(', ')})
     WHERE ${column.primaryKey.map((p, i) => `t.${pk[i]} = v.k${i}::${p.type}`).join(' AND ')} AND t.${c} = decode(v.old, 'hex')`;
  return { selectFirst: `${base} ${order}`, selectAfter: `${base} AND ${keyset} ${order}`, update };
}

function keyOf(row: ChunkRow, column: EncryptedColumn): string[] {
  return column.primaryKey.map((_, i) => part(row, i));
}

function contextOf(row: ChunkRow, column: EncryptedColumn): ValueContext {
  const primaryKey = column.primaryKey.map((_, i) => part(row, i));
  const base = { table: column.table, column: column.column, primaryKey };
  return column.tenantColumn && row.tenant != null ? { tenant: row.tenant, ...base } : base;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
