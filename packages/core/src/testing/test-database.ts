import { randomBytes } from 'node:crypto';
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
  if (!url) return openPGlite();
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
