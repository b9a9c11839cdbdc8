import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { coreMigrations, lockDataDir, migrate, openPGlite, type Database } from '@custodian/core/db';
import { ConfigError } from '@custodian/core/errors';
import type { Secret } from '@custodian/core/crypto';
import { fieldCryptoFor, type ReferenceApp, type SeedReport } from '@custodian/core/testing';

export interface DemoDatabaseOptions {
  app: ReferenceApp;
  /** Embedded data directory, or `memory`. */
  dataDir: string;
  subjects: number;
  /** Start from an empty directory even if one was seeded before. */
  reset?: boolean;
  /** The root key the seed's encrypted columns are sealed under; without it, a throwaway one. */
  rootKey?: Secret<Uint8Array>;
  onMigrated?: (ms: number, count: number) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface DemoDatabase {
  db: Database;
  /** Present when this call seeded the database; absent when it reused an earlier seed. */
  seeded?: SeedReport & { ms: number };
}

const MARKER = `
  CREATE TABLE IF NOT EXISTS custodian.demo_seed (
    example   text PRIMARY KEY,
    subjects  integer NOT NULL,
    seeded_at timestamptz NOT NULL DEFAULT now()
  )`;

/**
 * Opens the embedded demo database for an example, creating, migrating and
 * seeding it the first time. A seed that did not finish (no marker row) is
 * thrown away and redone, so an interrupted first start heals itself.
 */
export async function openDemoDatabase(options: DemoDatabaseOptions): Promise<DemoDatabase> {
  const dir = options.dataDir === 'memory' ? 'memory' : resolve(options.dataDir);
  if (options.reset && dir !== 'memory') {
    // Never delete a folder a running server has open: the lock says whether one does.
    if (existsSync(dir)) lockDataDir(dir)();
    rmSync(dir, { recursive: true, force: true });
  }
  let db = await openPGlite({ dataDir: dir });
  const state = await readMarker(db);
  if (state.example === options.app.name) return { db };
  if (state.example !== undefined) {
    await db.close();
    throw new ConfigError(`${options.dataDir} holds the "${state.example}" demo`, 'pass --reset to replace it, or --data-dir to use another folder');
  }
  if (state.dirty && dir !== 'memory') {
    // Tables from an interrupted seed: start over rather than seed on top of them.
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    db = await openPGlite({ dataDir: dir });
  }
  const started = Date.now();
  const migrations = [...coreMigrations(), ...options.app.migrations()];
  await migrate(db, migrations);
  options.onMigrated?.(Date.now() - started, migrations.length);
  const seedStarted = Date.now();
  const report = await options.app.seed(db, {
    subjects: options.subjects,
    fields: fieldCryptoFor(db, options.app.policy, options.rootKey),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  await db.exec(MARKER);
  await db.query('INSERT INTO custodian.demo_seed (example, subjects) VALUES ($1, $2)', [options.app.name, options.subjects]);
  return { db, seeded: { ...report, ms: Date.now() - seedStarted } };
}

async function readMarker(db: Database): Promise<{ example?: string; dirty: boolean }> {
  const { rows } = await db.query<{ marker: boolean; migrations: boolean }>(
    `SELECT to_regclass('custodian.demo_seed') IS NOT NULL AS marker, to_regclass('custodian.schema_migrations') IS NOT NULL AS migrations`,
  );
  if (!rows[0]?.marker) return { dirty: Boolean(rows[0]?.migrations) };
  const seeded = await db.query<{ example: string }>('SELECT example FROM custodian.demo_seed LIMIT 1');
  const example = seeded.rows[0]?.example;
  return example === undefined ? { dirty: true } : { example, dirty: false };
}
