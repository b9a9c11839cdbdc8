import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openPGlite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import type { Database } from '../db/types.js';

/**
 * A fresh, empty database for one test: an in-memory PGlite by default, or,
 * when `DATABASE_URL` is set, a new database created on that server and
 * dropped again on close. The suite runs on both backends this way.
 */
export type TestDatabase = Database & {
  /** The PostgreSQL URL of the test's own database, for child processes; absent on PGlite. */
  readonly url?: string;
};

export async function openTestDatabase(options: { url?: string | undefined } = {}): Promise<TestDatabase> {
  const url = options.url ?? process.env.DATABASE_URL;
  if (!url) return openPGlite({ snapshot: await pgliteSnapshot() });
  const name = `custodian_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = await openPostgres({ url: target.toString(), max: 20 });
  const close = db.close.bind(db);
  return Object.assign(db, {
    url: target.toString(),
    async close() {
      await close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  });
}

/** Which backend the suite runs on, for test names and skips. */
export function testBackend(): 'pglite' | 'postgres' {
  return process.env.DATABASE_URL ? 'postgres' : 'pglite';
}

let snapshot: Promise<{ data: Blob; wasmModule: WebAssembly.Module }> | undefined;

/**
 * A freshly initialised, empty PGlite data directory, made once per machine
 * and PGlite version and kept in the temp folder, plus the compiled
 * WebAssembly module, made once per process. Starting from them skips
 * initdb, which dominates the cost of a new embedded database.
 */
function pgliteSnapshot(): Promise<{ data: Blob; wasmModule: WebAssembly.Module }> {
  snapshot ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@electric-sql/pglite'));
    const version = (JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string }).version;
    const wasmModule = await WebAssembly.compile(readFileSync(join(dist, 'pglite.wasm')));
    const file = join(tmpdir(), `custodian-pglite-${version}-empty.tar`);
    if (!existsSync(file)) {
      const fresh = await PGlite.create({ pgliteWasmModule: wasmModule });
      const dump = await fresh.dumpDataDir('none');
      await fresh.close();
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, file); // atomic: a parallel test process never reads half a file
    }
    return { data: new Blob([readFileSync(file)]), wasmModule };
  })();
  return snapshot;
}
