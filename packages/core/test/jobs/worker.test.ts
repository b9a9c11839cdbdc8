import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { APP_ROLE, openDatabase, type Database } from '@custodian/core/db';
import { addJob, createWorker, getJob, type WorkerEvent } from '@custodian/core/jobs';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openQueueDatabase } from './helpers.js';

const onPostgres = testBackend() === 'postgres';

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe(`job worker (${testBackend()})`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await openQueueDatabase();
    await db.exec(`CREATE TABLE runs (job_id bigint NOT NULL, worker text NOT NULL);
      CREATE TABLE crash_log (job_id bigint NOT NULL, worker text NOT NULL, attempt int NOT NULL);
      GRANT SELECT, INSERT ON runs TO custodian_app;`);
  });
  after(() => db?.close());
  beforeEach(() => db.exec('TRUNCATE custodian.jobs, runs, crash_log'));

  test(`two workers${onPostgres ? ' on two connection pools' : ''} never run one job twice: every job runs exactly once`, { timeout: 120_000 }, async () => {
    const total = onPostgres ? 300 : 60;
    for (let i = 0; i < total; i++) await addJob(db, { task: 'count.run', payload: { i } });
    const second: Database = onPostgres ? await openDatabase({ url: db.url!, max: 6 }) : db;
    const workers = [db, second].map((handle, w) =>
      createWorker(handle, {
        id: `w${w}`,
        concurrency: 4,
        pollIntervalMs: 10,
        tasks: {
          'count.run': async (_payload, ctx) => {
            await handle.query('INSERT INTO runs (job_id, worker) VALUES ($1, $2)', [ctx.job.id, ctx.workerId]);
            await sleep(ctx.job.id % 4);
          },
        },
      }),
    );
    try {
      for (const w of workers) w.start();
      await waitFor(async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.jobs WHERE state = 'succeeded'`)).rows[0]!.n === total);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      if (second !== db) await second.close();
    }
    const { rows } = await db.query<{ job_id: number; n: number }>('SELECT job_id, count(*)::int AS n FROM runs GROUP BY job_id HAVING count(*) <> 1');
    assert.deepEqual(rows, [], 'no job ran twice');
    const counts = await db.query<{ jobs: number; runs: number; attempts: number }>(
      `SELECT (SELECT count(DISTINCT job_id)::int FROM runs) AS jobs, (SELECT count(*)::int FROM runs) AS runs, (SELECT sum(attempts)::int FROM custodian.jobs) AS attempts`,
    );
    assert.deepEqual(counts.rows[0], { jobs: total, runs: total, attempts: total });
    if (onPostgres) {
      const by = await db.query<{ worker: string; n: number }>('SELECT worker, count(*)::int AS n FROM runs GROUP BY worker ORDER BY worker');
      assert.deepEqual(by.rows.map((r) => r.worker), ['w0', 'w1'], 'both pools did work');
    }
  });

  test('a failing handler is retried with backoff until it succeeds; its stored error is redacted, with a stable code', async () => {
    const events: WorkerEvent[] = [];
    let calls = 0;
    const { job } = await addJob(db, { task: 'flaky.run', maxAttempts: 5 });
    const worker = createWorker(db, {
      backoff: { baseMs: 30, maxMs: 60 },
      pollIntervalMs: 10,
      onEvent: (e) => events.push(e),
      tasks: {
        'flaky.run': async () => {
          calls++;
          if (calls < 3) throw new Error('upstream refused ada.lovelace@example.com with key sk_live_51HqLyjWDarjtT1zdp7dc');
        },
      },
    });
    const started = Date.now();
    worker.start();
    await waitFor(async () => (await getJob(db, job.id))!.state === 'succeeded');
    await worker.stop();
    const done = (await getJob(db, job.id))!;
    assert.equal(done.attempts, 3);
    assert.ok(Date.now() - started >= 30 + 60, 'waited out the backoff');
    assert.equal(done.lastErrorCode, 'ERR_INTERNAL');
    assert.doesNotMatch(done.lastError!, /ada\.lovelace|sk_live_51HqLyjWDarjtT1zdp7dc/);
    assert.match(done.lastError!, /upstream refused/);
    assert.deepEqual(events.map((e) => e.type), ['retry', 'retry', 'succeeded']);
  });

  test('a handler running longer than its lease keeps it by renewing; no other worker takes the job meanwhile', { timeout: 30_000 }, async () => {
    const { job } = await addJob(db, { task: 'slow.run' });
    const handler = async (_p: unknown, ctx: { job: { id: number }; workerId: string }) => {
      await db.query('INSERT INTO runs (job_id, worker) VALUES ($1, $2)', [ctx.job.id, ctx.workerId]);
      await sleep(4000); // more than two leases
    };
    const a = createWorker(db, { id: 'a', leaseMs: 1500, pollIntervalMs: 20, tasks: { 'slow.run': handler } });
    const b = createWorker(db, { id: 'b', leaseMs: 1500, pollIntervalMs: 20, tasks: { 'slow.run': handler } });
    a.start();
    await waitFor(async () => (await db.query('SELECT 1 FROM runs')).rowCount === 1);
    b.start();
    await waitFor(async () => (await getJob(db, job.id))!.state === 'succeeded');
    await Promise.all([a.stop(), b.stop()]);
    const { rows } = await db.query<{ worker: string }>('SELECT worker FROM runs');
    assert.deepEqual(rows.map((r) => r.worker), ['a']);
    assert.equal((await getJob(db, job.id))!.attempts, 1);
  });

  test('stop() lets the running job finish, then claims nothing more', async () => {
    await addJob(db, { task: 'stop.run', payload: { n: 1 } });
    await addJob(db, { task: 'stop.run', payload: { n: 2 } }); // due too, but there is one slot
    let finished = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const worker = createWorker(db, {
      pollIntervalMs: 10,
      tasks: {
        'stop.run': async () => {
          started();
          await sleep(300);
          finished++;
        },
      },
    });
    worker.start();
    await running;
    await worker.stop();
    assert.equal(finished, 1);
    const { rows } = await db.query<{ state: string }>(`SELECT state FROM custodian.jobs ORDER BY id`);
    assert.deepEqual(rows.map((r) => r.state), ['succeeded', 'queued']);
  });

  test('a worker runs as the application role (least privilege) and stores progress; runUntilIdle drains the queue', async () => {
    for (let i = 0; i < 3; i++) await addJob(db, { task: 'role.run', payload: { i } });
    const worker = createWorker(db, {
      role: APP_ROLE,
      tasks: {
        'role.run': async (_p, ctx) => {
          await ctx.progress(5, 10);
          await ctx.progress(10, 10);
        },
      },
    });
    assert.equal(await worker.runUntilIdle(), 3);
    const { rows } = await db.query<{ state: string; progress: unknown }>(`SELECT state, progress FROM custodian.jobs ORDER BY id`);
    assert.deepEqual(rows, Array.from({ length: 3 }, () => ({ state: 'succeeded', progress: { done: 10, total: 10 } })));
    // The application role cannot delete job history.
    await assert.rejects(db.transaction((tx) => tx.query('DELETE FROM custodian.jobs'), { role: APP_ROLE }), /permission denied/);
  });

  test('a worker process killed mid-job (SIGKILL): its job is claimed again after the lease expires and runs to completion', { skip: onPostgres ? false : 'needs a second process on the same database: PostgreSQL (DATABASE_URL)', timeout: 150_000 }, async () => {
    const { job } = await addJob(db, { task: 'crash.test', maxAttempts: 3 });
    const script = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, db.url!], { stdio: 'ignore' });
    try {
      await waitFor(async () => (await db.query('SELECT 1 FROM crash_log')).rowCount === 1, 90_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const held = (await getJob(db, job.id))!;
      assert.equal(held.state, 'running');
      assert.equal(held.lockedBy, 'doomed');
      const worker = createWorker(db, {
        id: 'survivor',
        tasks: { 'crash.test': async (_p, ctx) => void (await db.query('INSERT INTO crash_log (job_id, worker, attempt) VALUES ($1, $2, $3)', [ctx.job.id, ctx.workerId, ctx.job.attempts])) },
      });
      assert.equal(await worker.runUntilIdle(), 0, 'nothing to do while the dead worker\'s lease holds');
      await sleep(5200); // the dead worker's lease (5 s) runs out
      assert.equal(await worker.runUntilIdle(), 1);
    } finally {
      child.kill('SIGKILL');
    }
    const { rows } = await db.query<{ worker: string; attempt: number }>('SELECT worker, attempt FROM crash_log ORDER BY attempt');
    assert.deepEqual(rows, [{ worker: 'doomed', attempt: 1 }, { worker: 'survivor', attempt: 2 }]);
    const done = (await getJob(db, job.id))!;
    assert.equal(done.state, 'succeeded');
    assert.equal(done.lastErrorCode, 'ERR_JOB_LEASE_EXPIRED');
  });
});
