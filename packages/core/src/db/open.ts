import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { openPGlite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Database } from './types.js';

export interface OpenDatabaseOptions {
  /** A `postgres://` or `postgresql://` URL. When set, PostgreSQL is used. */
  url?: string | undefined;
  /** Embedded data directory (PGlite) when no URL is given; `memory` for none. */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  max?: number;
  /** Embedded only: refuse to create a new database when the folder holds none. */
  mustExist?: boolean;
}

/** The embedded database's default home, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.custodian/data';

/**
 * Opens PostgreSQL when a URL is given, else the embedded PGlite database.
 *
 * @example
 * const db = await openDatabase({ url: process.env.DATABASE_URL });
 * await db.transaction(async (tx) => tx.query('select 1'), { tenantId: 't1' });
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.url?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ConfigError('the database URL is not a postgres:// URL', 'set DATABASE_URL to postgres://user@host:5432/dbname');
    }
    return openPostgres({ url, ...(options.max === undefined ? {} : { max: options.max }) });
  }
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  return openPGlite({ dataDir: dataDir === 'memory' ? 'memory' : resolve(dataDir), mustExist: options.mustExist ?? false });
}
