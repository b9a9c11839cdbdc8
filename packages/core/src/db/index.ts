export type { Database, DatabaseKind, QueryResult, Queryable, Row, Transaction, TransactionOptions } from './types.js';
export { openDatabase, DEFAULT_DATA_DIR, type OpenDatabaseOptions } from './open.js';
export { openPGlite, type PGliteOptions } from './pglite.js';
export { openPostgres, describeUrl, type PostgresOptions } from './postgres.js';
export {
  migrate,
  migrationStatus,
  loadMigrations,
  coreMigrations,
  checksumOf,
  type Migration,
  type MigrateProgress,
  type MigrateResult,
  type MigrationStatus,
} from './migrations.js';
export { quoteIdent, quoteQualified, isPlainIdentifier } from './identifier.js';
export { sqlState } from './errors.js';
export { APP_ROLE } from './roles.js';
export { lockDataDir, isDataDir } from './data-dir-lock.js';
