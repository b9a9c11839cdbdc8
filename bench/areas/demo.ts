// Time to create and seed the hiring-assessments demo on PGlite, and to
// migrate a fresh database. The raw limit beside it: PGlite writing the same
// number of rows of similar width with one server-side INSERT … SELECT
// generate_series, which no seed generator can beat.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreMigrations, migrate, openPGlite } from '@custodian/core/db';
import { loadExample, openDemoDatabase } from '@custodian/server/demo';
import { report, time, type Result } from '../report.js';

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const subjects = quick ? 1000 : 10_000;
  const app = await loadExample('hiring-assessments');
  const scratch = mkdtempSync(join(tmpdir(), 'custodian-bench-demo-'));
  const results: Result[] = [];
  try {
    // Migrate a fresh on-disk database: median of three.
    const migrations = [...coreMigrations(), ...app.migrations()];
    const migrateTimes: number[] = [];
    const openTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      let db!: Awaited<ReturnType<typeof openPGlite>>;
      openTimes.push(await time(async () => (db = await openPGlite({ dataDir: join(scratch, `m${i}`) }))));
      migrateTimes.push(await time(() => migrate(db, migrations)));
      await db.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    results.push({ name: 'open a new embedded database', value: median(openTimes), unit: 'ms' });
    results.push({ name: `migrate a fresh database (${migrations.length} migrations)`, value: median(migrateTimes), unit: 'ms', note: 'goal < 2,000 ms' });

    // Create + migrate + seed, end to end, as `custodian demo` does.
    let rows = 0;
    const seedMs = await time(async () => {
      const { db, seeded } = await openDemoDatabase({ app, dataDir: join(scratch, 'demo'), subjects });
      rows = Object.values(seeded?.rows ?? {}).reduce((a, b) => a + b, 0);
      await db.close();
    });
    results.push({ name: `create and seed hiring-assessments, ${subjects.toLocaleString('en-US')} subjects`, value: seedMs / 1000, unit: 's', note: `${rows.toLocaleString('en-US')} rows; goal < 60 s` });
    results.push({ name: 'seed throughput', value: rows / (seedMs / 1000), unit: 'rows/s' });

    // Raw limit: the same row count, similar width, generated inside the database.
    const raw = await openPGlite({ dataDir: join(scratch, 'raw') });
    await raw.exec('CREATE TABLE raw_rows (id bigint PRIMARY KEY, a uuid, b text, c timestamptz)');
    const rawMs = await time(() =>
      raw.query(
        `INSERT INTO raw_rows SELECT g, gen_random_uuid(), repeat(md5(g::text), 2), now() - g * interval '1 minute' FROM generate_series(1, $1::int) AS g`,
        [rows],
      ),
    );
    await raw.close();
    results.push({ name: 'raw limit: same rows via INSERT … SELECT generate_series', value: rows / (rawMs / 1000), unit: 'rows/s' });
    report('demo', results, { 'seed throughput / raw insert throughput': rows / (seedMs / 1000) / (rows / (rawMs / 1000)) }, { subjects });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
