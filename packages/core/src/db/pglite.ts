import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { CustodianError, DatabaseError } from '../errors.js';
import { wrapQueryError } from './errors.js';
import { isDataDir, lockDataDir } from './data-dir-lock.js';
import { parseInt8 } from './parse-int8.js';
import { transactionSettings } from './transaction-setup.js';
import type { Database, QueryResult, Queryable, Transaction, TransactionOptions } from './types.js';

/**
 * PGlite runs one connection in-process. A `db.query` issued while a
 * transaction holds that connection would wait for the transaction, which waits
 * for the query: a silent deadlock. We remember which async context owns the
 * transaction and refuse such calls with a clear error instead.
 */
const insideTransaction = new AsyncLocalStorage<PGliteDatabase>();

const parsers = { [types.INT8]: parseInt8 };

export interface PGliteOptions {
  /** A directory for the data; omitted or `memory` keeps it in memory. */
  dataDir?: string;
  /** Refuse to create a database: the folder must hold one already. */
  mustExist?: boolean;
  /**
   * Start from a snapshot (`dumpDataDir()`) and a compiled WebAssembly module
   * instead of running initdb: a new database in about a second rather than
   * several. The test helper uses it; applications rarely need to.
   */
  snapshot?: { data: Blob; wasmModule: WebAssembly.Module };
}

export async function openPGlite(options: PGliteOptions = {}): Promise<Database> {
  const inMemory = !options.dataDir || options.dataDir === 'memory';
  if (!inMemory && options.mustExist && !isDataDir(options.dataDir!)) {
    throw new DatabaseError('ERR_DB_NOT_FOUND', `no embedded database in ${options.dataDir}`, {
      hint: 'check --data-dir, or create one with `custodian migrate`',
    });
  }
  let unlock = () => {};
  try {
    if (!inMemory) {
      mkdirSync(options.dataDir!, { recursive: true });
      unlock = lockDataDir(options.dataDir!);
    }
    const fromSnapshot = options.snapshot ? { loadDataDir: options.snapshot.data, pgliteWasmModule: options.snapshot.wasmModule } : {};
    const pg = await PGlite.create(inMemory ? undefined : options.dataDir, { parsers, ...fromSnapshot });
    return new PGliteDatabase(pg, inMemory ? 'memory' : options.dataDir!, unlock);
  } catch (error) {
    unlock();
    if (error instanceof DatabaseError) throw error;
    throw new DatabaseError('ERR_DB_CONNECT_FAILED', `could not open the embedded database at ${inMemory ? 'memory' : options.dataDir}`, {
      cause: error,
      hint: 'another process may hold this data directory; stop it or choose another with --data-dir',
    });
  }
}

function adapt(target: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      try {
        const result = await target.query<R>(sql, params as unknown[] | undefined);
        // PGlite reports 0 affected rows for a SELECT; count the rows instead, as node-postgres does.
        return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
      } catch (error) {
        throw wrapQueryError(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await target.exec(sql);
      } catch (error) {
        throw wrapQueryError(error);
      }
    },
  };
}

class PGliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly location: string;
  readonly #pg: PGlite;
  readonly #direct: Queryable;
  readonly #unlock: () => void;
  #closed = false;

  constructor(pg: PGlite, location: string, unlock: () => void) {
    this.#pg = pg;
    this.location = location;
    this.#direct = adapt(pg);
    this.#unlock = unlock;
  }

  #guard(): void {
    if (this.#closed) throw new DatabaseError('ERR_DB_CLOSED', 'the database handle is closed');
    if (insideTransaction.getStore() === this) {
      throw new DatabaseError('ERR_DB_TRANSACTION_NESTED', 'used the database handle inside its own transaction', {
        hint: 'use the transaction handle passed to the callback; the embedded database has a single connection',
      });
    }
  }

  query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    this.#guard();
    return this.#direct.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    this.#guard();
    return this.#direct.exec(sql);
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.#guard();
    return this.#pg.transaction((raw) =>
      insideTransaction.run(this, async () => {
        const tx = adapt(raw);
        const settings = transactionSettings(options);
        if (settings) await tx.exec(settings);
        return fn(tx);
      }),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#pg.close();
    } catch (error) {
      throw new CustodianError('ERR_DB_QUERY_FAILED', 'closing the embedded database failed', { cause: error });
    } finally {
      this.#unlock();
    }
  }
}
