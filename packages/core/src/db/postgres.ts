import pg from 'pg';
import { DatabaseError } from '../errors.js';
import { wrapQueryError } from './errors.js';
import { parseInt8 } from './parse-int8.js';
import { transactionPreamble } from './transaction-setup.js';
import type { Database, QueryResult, Queryable, Transaction, TransactionOptions } from './types.js';

/** Per-pool type parsers: int8 as on PGlite, bytea as a Buffer (a Uint8Array). */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return parseInt8;
    if (oid === 1016) return parseInt8Array;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** int8[] element by element, as PGlite returns it. */
function parseInt8Array(value: string): unknown {
  const parsed = pg.types.getTypeParser(1016 as Parameters<typeof pg.types.getTypeParser>[0], 'text')(value) as unknown;
  const convert = (v: unknown): unknown => (Array.isArray(v) ? v.map(convert) : typeof v === 'string' ? parseInt8(v) : v);
  return convert(parsed);
}

export interface PostgresOptions {
  url: string;
  /** Pool size; the default suits a server on a small machine. */
  max?: number;
  /** Shown in `pg_stat_activity`, so an operator can tell Custodian's connections apart. */
  applicationName?: string;
}

/** `host:port/database` without user or password, for messages and logs. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres (unparseable URL)';
  }
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const location = describeUrl(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'custodian',
    types: typeParsers,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseError('ERR_DB_CONNECT_FAILED', `could not connect to PostgreSQL at ${location}`, {
      cause: error,
      hint: 'check DATABASE_URL and that the server is running and accepts the connection',
    });
  }
  return new PostgresDatabase(pool, location);
}

function adapt(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      try {
        const result = await target.query(sql, params as unknown[] | undefined);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw wrapQueryError(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        // Without parameters node-postgres uses the simple protocol, which runs several statements.
        await target.query(sql);
      } catch (error) {
        throw wrapQueryError(error);
      }
    },
  };
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #direct: Queryable;
  #closed = false;

  constructor(pool: pg.Pool, location: string) {
    this.#pool = pool;
    this.location = location;
    this.#direct = adapt(pool);
  }

  #guard(): void {
    if (this.#closed) throw new DatabaseError('ERR_DB_CLOSED', 'the database handle is closed');
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
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new DatabaseError('ERR_DB_CONNECT_FAILED', `could not get a connection to ${this.location}`, { cause: error });
    }
    const tx = adapt(client);
    let broken = false;
    try {
      await tx.exec(transactionPreamble(options));
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is unusable; do not return it to the pool
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
