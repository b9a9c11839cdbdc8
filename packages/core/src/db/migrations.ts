import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from '../errors.js';
import type { Database, Transaction } from './types.js';

/** One numbered, immutable SQL file. */
export interface Migration {
  /** Whose migration it is: `core` for Custodian's own, `app` for an application's. */
  namespace: string;
  version: number;
  name: string;
  /** `namespace/file.sql`, for messages. */
  id: string;
  sql: string;
  /** sha256 of the file with line endings normalised, so a checkout with CRLF is not "changed". */
  checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/;

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** Reads `NNNN_name.sql` files from `dir`, in order. Other files are an error, not silently skipped. */
export function loadMigrations(dir: string, namespace: string): Migration[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  } catch (error) {
    throw new MigrationError('ERR_MIGRATION_DIR_UNREADABLE', `cannot read the migrations folder ${dir}`, undefined, {
      cause: error,
      hint: 'check the path given with --migrations',
    });
  }
  const seen = new Map<number, string>();
  return files.map((file) => {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError('ERR_MIGRATION_INVALID_NAME', `${namespace}/${file} is not named NNNN_name.sql`, `${namespace}/${file}`, {
        hint: 'use four digits, an underscore and a lower-case name, e.g. 0002_add_invites.sql',
      });
    }
    const version = Number(match[1]);
    const other = seen.get(version);
    if (other) {
      throw new MigrationError('ERR_MIGRATION_DUPLICATE', `${namespace}/${file} and ${namespace}/${other} share number ${match[1]}`, `${namespace}/${file}`, {
        hint: 'give the newer file the next free number',
      });
    }
    seen.set(version, file);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { namespace, version, name: match[2]!, id: `${namespace}/${file}`, sql, checksum: checksumOf(sql) };
  });
}

/** Custodian's own migrations, shipped with this package. */
export function coreMigrations(): Migration[] {
  return loadMigrations(fileURLToPath(new URL('../../migrations/', import.meta.url)), 'core');
}

export interface MigrateProgress {
  migration: Migration;
  index: number;
  total: number;
}

export interface MigrateResult {
  applied: Migration[];
  /** Migrations that were already in the database and unchanged. */
  upToDate: number;
}

/**
 * A fixed key for `pg_advisory_xact_lock`: every process migrating this
 * database takes the same lock, so two instances starting together apply
 * each file once.
 */
const MIGRATION_LOCK = 7_215_004_311;

const BOOKKEEPING = `
  CREATE SCHEMA IF NOT EXISTS custodian;
  CREATE TABLE IF NOT EXISTS custodian.schema_migrations (
    namespace  text        NOT NULL,
    version    integer     NOT NULL,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, version)
  );`;

interface AppliedRow {
  namespace: string;
  version: number;
  name: string;
  checksum: string;
}

/**
 * Compares the files with what the database has applied. Throws when an
 * applied file changed or disappeared; returns the files still to apply.
 */
function pending(migrations: readonly Migration[], applied: readonly AppliedRow[]): Migration[] {
  const byKey = new Map(migrations.map((m) => [`${m.namespace}/${m.version}`, m]));
  const namespaces = new Set(migrations.map((m) => m.namespace));
  for (const row of applied) {
    if (!namespaces.has(row.namespace)) continue; // another application's migrations share the table
    const file = byKey.get(`${row.namespace}/${row.version}`);
    const id = `${row.namespace}/${String(row.version).padStart(4, '0')}_${row.name}.sql`;
    if (!file) {
      throw new MigrationError('ERR_MIGRATION_MISSING', `${id} was applied to this database but is missing on disk`, id, {
        hint: 'restore the file; applied migrations are never deleted',
      });
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError('ERR_MIGRATION_CHANGED', `${file.id} changed after it was applied`, file.id, {
        hint: 'restore the applied version and put the change in a new, higher-numbered migration',
      });
    }
  }
  const done = new Set(applied.map((r) => `${r.namespace}/${r.version}`));
  const todo = migrations.filter((m) => !done.has(`${m.namespace}/${m.version}`));
  // A file numbered below one already applied would run out of order against a schema it never saw.
  for (const m of todo) {
    const newest = Math.max(0, ...applied.filter((r) => r.namespace === m.namespace).map((r) => r.version));
    if (m.version < newest) {
      throw new MigrationError('ERR_MIGRATION_OUT_OF_ORDER', `${m.id} is pending but ${m.namespace} migrations up to ${String(newest).padStart(4, '0')} are applied`, m.id, {
        hint: `renumber it above ${String(newest).padStart(4, '0')}`,
      });
    }
  }
  return todo;
}

async function readApplied(tx: Transaction): Promise<AppliedRow[]> {
  const { rows } = await tx.query<AppliedRow>(
    'SELECT namespace, version, name, checksum FROM custodian.schema_migrations ORDER BY namespace, version',
  );
  return rows;
}

/**
 * Applies every pending migration in one transaction under an advisory lock:
 * either all of this run's files apply or none do, and a concurrent run waits
 * and then finds nothing left to do.
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[],
  options: { onProgress?: (p: MigrateProgress) => void } = {},
): Promise<MigrateResult> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(BOOKKEEPING);
    const todo = pending(migrations, await readApplied(tx));
    for (const [index, migration] of todo.entries()) {
      options.onProgress?.({ migration, index, total: todo.length });
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'unknown error';
        throw new MigrationError('ERR_MIGRATION_FAILED', `${migration.id} failed: ${reason}`, migration.id, {
          cause: error,
          hint: 'fix the SQL in a file that is not yet applied; this run applied nothing',
        });
      }
      await tx.query('INSERT INTO custodian.schema_migrations (namespace, version, name, checksum) VALUES ($1, $2, $3, $4)', [
        migration.namespace,
        migration.version,
        migration.name,
        migration.checksum,
      ]);
    }
    return { applied: todo, upToDate: migrations.length - todo.length };
  });
}

export interface MigrationStatus {
  migration: Migration;
  applied: boolean;
}

/** Which files are applied, without changing anything. Throws as `migrate` would on a changed file. */
export async function migrationStatus(db: Database, migrations: readonly Migration[]): Promise<MigrationStatus[]> {
  return db.transaction(
    async (tx) => {
      const exists = await tx.query<{ ok: boolean }>(`SELECT to_regclass('custodian.schema_migrations') IS NOT NULL AS ok`);
      const applied = exists.rows[0]?.ok ? await readApplied(tx) : [];
      const todo = new Set(pending(migrations, applied));
      return migrations.map((migration) => ({ migration, applied: !todo.has(migration) }));
    },
    { readOnly: true },
  );
}

