import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { isCustodianError } from '@custodian/core/errors';
import { createWorker } from '@custodian/core/jobs';
import { loadPolicyFile } from '@custodian/core/policy';
import { openTestDatabase } from '@custodian/core/testing';
import { RETENTION_TASK, retentionInterval, retentionSweepTask, scheduleRetentionSweep } from '../../src/retention-job.js';
import { APP_SQL, BIN, hasStackTrace, policySource, project, runCli, withDatabase } from './run-cli.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The policy of run-cli.ts's `policySource()`, loaded from its text: notes are deleted a year after they were written. */
const policy = await (async () => {
  const dir = await mkdtemp(join(tmpdir(), 'custodian-retention-job-'));
  try {
    await writeFile(join(dir, 'custodian.config.ts'), policySource());
    return (await loadPolicyFile(join(dir, 'custodian.config.ts'))).policy;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
})();

interface SweepJob {
  key: string;
  state: string;
  run_at: Date;
  last_error_code: string | null;
}

async function sweepJobs(db: Database): Promise<SweepJob[]> {
  const { rows } = await db.query<SweepJob>(`SELECT job_key AS key, state, run_at, last_error_code FROM custodian.jobs WHERE task = $1 ORDER BY id`, [RETENTION_TASK]);
  return rows;
}

async function openApp(): Promise<{ db: Database; t: { now: Date }; clock: () => Date }> {
  const db = await openTestDatabase();
  await migrate(db, coreMigrations());
  await db.exec(APP_SQL);
  const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
  const t = { now: rows[0]!.now };
  return { db, t, clock: () => t.now };
}

test('retention.sweep: the job runs a sweep, then queues the next one an interval later, exactly once; scheduling on start adds one only when none is queued', { timeout: 120_000 }, async () => {
  const { db, t, clock } = await openApp();
  try {
    await db.exec(`
      INSERT INTO users (id, email) VALUES ('00000000-0000-4000-8000-000000000001', 'ada@example.com');
      INSERT INTO notes (user_id, body, created_at) SELECT '00000000-0000-4000-8000-000000000001', 'old ' || g, now() - interval '400 days' FROM generate_series(1, 3) g;
      INSERT INTO notes (user_id, body) VALUES ('00000000-0000-4000-8000-000000000001', 'new');`);
    const results: number[] = [];
    const worker = createWorker(db, { tasks: retentionSweepTask(db, { policy, interval: '1h', clock, onResult: (r) => results.push(r.rows) }), clock });

    assert.deepEqual(await scheduleRetentionSweep(db, { clock }), { created: true });
    assert.deepEqual(await scheduleRetentionSweep(db, { clock }), { created: false }, 'a second instance starting adds nothing');
    assert.equal(await worker.runUntilIdle(), 1, 'the next sweep is not due yet');
    assert.deepEqual(results, [3]);
    const { rows: notes } = await db.query<{ body: string }>('SELECT body FROM notes');
    assert.deepEqual(notes.map((n) => n.body), ['new']);
    const { rows: runs } = await db.query<{ trigger: string; state: string }>('SELECT trigger, state FROM custodian.retention_runs');
    assert.deepEqual(runs.map((r) => [r.trigger, r.state]), [['job', 'succeeded']]);

    let jobs = await sweepJobs(db);
    assert.deepEqual(jobs.map((j) => [j.key, j.state]), [['retention.sweep', 'succeeded'], ['retention.sweep.next', 'queued']]);
    assert.equal(jobs[1]!.run_at.getTime(), t.now.getTime() + HOUR);
    assert.deepEqual(await scheduleRetentionSweep(db, { clock }), { created: false }, 'a restart while one is queued adds nothing');

    // An hour on, the queued sweep runs (nothing is due) and queues the one after it, under the first key again.
    t.now = new Date(t.now.getTime() + HOUR);
    assert.equal(await worker.runUntilIdle(), 1);
    assert.deepEqual(results, [3, 0]);
    jobs = await sweepJobs(db);
    assert.deepEqual(jobs.map((j) => [j.key, j.state]), [['retention.sweep', 'succeeded'], ['retention.sweep.next', 'succeeded'], ['retention.sweep', 'queued']]);
    assert.equal(jobs[2]!.run_at.getTime(), t.now.getTime() + HOUR);

    // A year on, the note written at the start is due and goes.
    t.now = new Date(t.now.getTime() + 366 * DAY);
    assert.equal(await worker.runUntilIdle(), 1);
    assert.deepEqual(results, [3, 0, 1]);
    assert.equal((await sweepJobs(db)).filter((j) => j.state === 'queued').length, 1);
  } finally {
    await db.close();
  }
});

test('retention.sweep: a policy that no longer fits the database fails the sweep without retries, and the schedule goes on', { timeout: 120_000 }, async () => {
  const { db, t, clock } = await openApp();
  try {
    // The policy names a table the database lacks: runRetention refuses (ERR_RETENTION_REFUSED).
    await db.exec('DROP TABLE notes');
    const worker = createWorker(db, { tasks: retentionSweepTask(db, { policy, interval: '6h', clock }), clock });
    await scheduleRetentionSweep(db, { clock });
    assert.equal(await worker.runUntilIdle(), 1);
    const jobs = await sweepJobs(db);
    assert.deepEqual(jobs.map((j) => [j.key, j.state, j.last_error_code]), [['retention.sweep', 'failed', 'ERR_RETENTION_REFUSED'], ['retention.sweep.next', 'queued', null]]);
    assert.equal(jobs[1]!.run_at.getTime(), t.now.getTime() + 6 * HOUR);
  } finally {
    await db.close();
  }
});

test('CUSTODIAN_RETENTION_INTERVAL: a duration (default 1h) or off; anything else is refused with ERR_CONFIG_INVALID', () => {
  assert.equal(retentionInterval({}), '1h');
  assert.equal(retentionInterval({ CUSTODIAN_RETENTION_INTERVAL: '6h' }), '6h');
  assert.equal(retentionInterval({ CUSTODIAN_RETENTION_INTERVAL: '1d' }), '1d');
  assert.equal(retentionInterval({ CUSTODIAN_RETENTION_INTERVAL: 'off' }), undefined);
  for (const bad of ['hourly', '1 h', '0h', '30s', '-1h']) {
    assert.throws(
      () => retentionInterval({ CUSTODIAN_RETENTION_INTERVAL: bad }),
      (error: unknown) => isCustodianError(error) && error.code === 'ERR_CONFIG_INVALID' && /CUSTODIAN_RETENTION_INTERVAL must be/.test(error.message) && !error.message.includes(bad),
      bad,
    );
  }
});

test('custodian serve sweeps retention on start and queues the next sweep; a bad CUSTODIAN_RETENTION_INTERVAL stops it before it listens', { timeout: 300_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(policySource(), APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    await withDatabase(dbFlags, (db) =>
      db.exec(`
        INSERT INTO users (id, email) VALUES ('00000000-0000-4000-8000-000000000001', 'ada@example.com');
        INSERT INTO notes (user_id, body, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'old', now() - interval '400 days'), ('00000000-0000-4000-8000-000000000001', 'new', now());`),
    dir);

    const bad = await runCli(['serve', '--port', '0', ...flags], { cwd: dir, env: { CUSTODIAN_RETENTION_INTERVAL: 'hourly' } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /CUSTODIAN_RETENTION_INTERVAL must be a duration such as 1h or 1d, or off \[ERR_CONFIG_INVALID\]/);
    assert.ok(!hasStackTrace(bad.stderr));

    // The server logs each sweep; once the first is done it is stopped as an operator would.
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...flags], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CUSTODIAN_RETENTION_INTERVAL: '2h' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      let stopping = false;
      const seen = (d: Buffer) => {
        text += d;
        if (!stopping && /retention sweep done/.test(text)) {
          stopping = true;
          child.kill('SIGTERM');
        }
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', seen);
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    assert.match(output, /retention sweeps scheduled/);
    assert.match(output, /retention sweep done/);
    await withDatabase(dbFlags, async (db) => {
      assert.deepEqual((await db.query<{ body: string }>('SELECT body FROM notes')).rows.map((r) => r.body), ['new']);
      const jobs = await sweepJobs(db);
      assert.deepEqual(jobs.map((j) => [j.key, j.state]), [['retention.sweep', 'succeeded'], ['retention.sweep.next', 'queued']]);
      const { rows } = await db.query<{ runs: number; hours: number }>(
        `SELECT count(*)::int AS runs, (SELECT extract(epoch FROM j.run_at - r.as_of) / 3600 FROM custodian.jobs j, custodian.retention_runs r WHERE j.state = 'queued' LIMIT 1)::float AS hours FROM custodian.retention_runs WHERE trigger = 'job'`,
      );
      assert.deepEqual(rows[0], { runs: 1, hours: 2 }, 'the next sweep is due one interval after this one');
    }, dir);
  } finally {
    await cleanup();
  }
});
