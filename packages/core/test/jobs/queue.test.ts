import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { addJob, claimJob, completeJob, doNotRetry, failExpiredLeases, failJob, getJob, renewLease, storedError } from '@custodian/core/jobs';
import { CustodianError } from '@custodian/core/errors';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { manualClock, openQueueDatabase } from './helpers.js';

const codeOf = (code: string) => (e: unknown) => e instanceof CustodianError && e.code === code;
const backoff = { baseMs: 1000, maxMs: 8000 };

describe(`job queue (${testBackend()})`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await openQueueDatabase();
  });
  after(() => db?.close());
  beforeEach(() => db.query('TRUNCATE custodian.jobs'));

  test('a job key de-duplicates: the second add returns the unfinished first; once it is finished the key can be used again', async () => {
    const t = manualClock();
    const first = await addJob(db, { task: 'dsar.run', payload: { requestId: 'r1' }, key: 'k1' }, t);
    const second = await addJob(db, { task: 'dsar.run', payload: { requestId: 'other' }, key: 'k1' }, t);
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.job.id, first.job.id);
    assert.deepEqual(second.job.payload, { requestId: 'r1' });
    const claimed = await claimJob(db, { workerId: 'w1', tasks: ['dsar.run'], leaseMs: 10_000, clock: t.clock });
    assert.equal(claimed?.id, first.job.id);
    // Still unfinished while running: still de-duplicated.
    assert.equal((await addJob(db, { task: 'dsar.run', key: 'k1' }, t)).created, false);
    assert.equal(await completeJob(db, claimed!, 'w1', t), true);
    const third = await addJob(db, { task: 'dsar.run', key: 'k1' }, t);
    assert.equal(third.created, true);
    assert.notEqual(third.job.id, first.job.id);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.jobs WHERE job_key = 'k1'`);
    assert.equal(rows[0]!.n, 2);
  });

  test('a job key de-duplicates under concurrent adds (PostgreSQL: 20 adds at once give one job)', { skip: testBackend() === 'pglite' ? 'PGlite has one connection' : false }, async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => db.transaction((tx) => addJob(tx, { task: 'dsar.run', key: 'same' }))));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.job.id)).size, 1);
  });

  test('a claim takes only due jobs of the asked tasks, in run_at order, leases them and counts the attempt', async () => {
    const t = manualClock();
    const later = await addJob(db, { task: 'a.b', runAt: new Date(t.now().getTime() + 60_000) }, t);
    const other = await addJob(db, { task: 'other.task' }, t);
    const due = await addJob(db, { task: 'a.b' }, t);
    const job = await claimJob(db, { workerId: 'w1', tasks: ['a.b'], leaseMs: 300_000, clock: t.clock });
    assert.equal(job?.id, due.job.id);
    assert.equal(job!.state, 'running');
    assert.equal(job!.attempts, 1);
    assert.equal(job!.lockedBy, 'w1');
    assert.equal(job!.lockedUntil!.getTime(), t.now().getTime() + 300_000);
    assert.equal(await claimJob(db, { workerId: 'w2', tasks: ['a.b'], leaseMs: 30_000, clock: t.clock }), null, 'the other a.b job is not due, the running one is leased');
    t.advance(60_000);
    assert.equal((await claimJob(db, { workerId: 'w2', tasks: ['a.b'], leaseMs: 30_000, clock: t.clock }))?.id, later.job.id);
    assert.equal((await getJob(db, other.job.id))!.state, 'queued');
  });

  test('backoff: a failed attempt runs again after base·2^(attempts−1), capped at the maximum', async () => {
    const t = manualClock();
    const { job } = await addJob(db, { task: 'a.b', maxAttempts: 10 }, t);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const claimed = await claimJob(db, { workerId: 'w', tasks: ['a.b'], leaseMs: 1000, clock: t.clock });
      assert.equal(claimed?.attempts, attempt);
      const failed = await failJob(db, claimed!, 'w', { code: 'ERR_X', message: 'boom' }, { backoff, clock: t.clock });
      assert.equal(failed!.state, 'queued');
      const delay = failed!.runAt.getTime() - t.now().getTime();
      delays.push(delay);
      t.advance(delay - 1);
      assert.equal(await claimJob(db, { workerId: 'w', tasks: ['a.b'], leaseMs: 1000, clock: t.clock }), null, 'not before its time');
      t.advance(1);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
    assert.equal((await getJob(db, job.id))!.lastErrorCode, 'ERR_X');
  });

  test('max attempts: the last failure fails the job for good; doNotRetry fails it at once', async () => {
    const t = manualClock();
    const { job } = await addJob(db, { task: 'a.b', maxAttempts: 2 }, t);
    for (let i = 0; i < 2; i++) {
      const claimed = await claimJob(db, { workerId: 'w', tasks: ['a.b'], leaseMs: 1000, clock: t.clock });
      await failJob(db, claimed!, 'w', { code: 'ERR_DB_QUERY_FAILED', message: 'nope' }, { backoff, clock: t.clock });
      t.advance(60_000);
    }
    const failed = (await getJob(db, job.id))!;
    assert.equal(failed.state, 'failed');
    assert.equal(failed.attempts, 2);
    assert.equal(failed.finishedAt!.getTime(), t.now().getTime() - 60_000);
    assert.equal(await claimJob(db, { workerId: 'w', tasks: ['a.b'], leaseMs: 1000, clock: t.clock }), null);

    const { job: once } = await addJob(db, { task: 'a.b', maxAttempts: 5 }, t);
    const claimed = await claimJob(db, { workerId: 'w', tasks: ['a.b'], leaseMs: 1000, clock: t.clock });
    const error = doNotRetry(new CustodianError('ERR_DSAR_NO_HANDLER', 'no handler'));
    const after = await failJob(db, claimed!, 'w', storedError(error, (s) => s), { backoff, permanent: true, clock: t.clock });
    assert.equal(after!.id, once.id);
    assert.equal(after!.state, 'failed');
    assert.equal(after!.attempts, 1);
    assert.equal(after!.lastErrorCode, 'ERR_DSAR_NO_HANDLER');
  });

  test('lease: a job whose worker died is claimed again once the lease expires; the dead worker can no longer finish or renew it', async () => {
    const t = manualClock();
    const { job } = await addJob(db, { task: 'a.b', maxAttempts: 3 }, t);
    const first = await claimJob(db, { workerId: 'dead', tasks: ['a.b'], leaseMs: 5000, clock: t.clock });
    assert.equal(first?.id, job.id);
    t.advance(4999);
    assert.equal(await claimJob(db, { workerId: 'alive', tasks: ['a.b'], leaseMs: 5000, clock: t.clock }), null, 'the lease still holds');
    t.advance(1);
    const again = await claimJob(db, { workerId: 'alive', tasks: ['a.b'], leaseMs: 5000, clock: t.clock });
    assert.equal(again?.id, job.id);
    assert.equal(again!.attempts, 2);
    assert.equal(again!.lastErrorCode, 'ERR_JOB_LEASE_EXPIRED');
    assert.equal(await completeJob(db, first!, 'dead', t), false);
    assert.equal(await renewLease(db, first!, 'dead', 5000, t), false);
    assert.equal(await failJob(db, first!, 'dead', { code: 'ERR_X', message: 'late' }, { backoff, clock: t.clock }), null);
    assert.equal(await completeJob(db, again!, 'alive', t), true);
    assert.equal((await getJob(db, job.id))!.state, 'succeeded');
  });

  test('lease: a dead worker\'s job on its last attempt fails when the lease expires instead of staying running', async () => {
    const t = manualClock();
    const { job } = await addJob(db, { task: 'a.b', maxAttempts: 1 }, t);
    await claimJob(db, { workerId: 'dead', tasks: ['a.b'], leaseMs: 5000, clock: t.clock });
    assert.deepEqual(await failExpiredLeases(db, { clock: t.clock }), []);
    t.advance(5000);
    assert.equal(await claimJob(db, { workerId: 'alive', tasks: ['a.b'], leaseMs: 5000, clock: t.clock }), null, 'no attempt left');
    const reaped = await failExpiredLeases(db, { clock: t.clock });
    assert.deepEqual(reaped.map((j) => [j.id, j.state, j.lastErrorCode]), [[job.id, 'failed', 'ERR_JOB_LEASE_EXPIRED']]);
  });

  test('a renewed lease holds past its first expiry; an expired lease goes to another worker, not back to its own', async () => {
    const t = manualClock();
    await addJob(db, { task: 'a.b' }, t);
    const job = await claimJob(db, { workerId: 'w', tasks: ['a.b'], leaseMs: 5000, clock: t.clock });
    t.advance(4000);
    assert.equal(await renewLease(db, job!, 'w', 5000, t), true);
    t.advance(4000);
    assert.equal(await claimJob(db, { workerId: 'other', tasks: ['a.b'], leaseMs: 5000, clock: t.clock }), null);
    // Past the lease, the worker itself does not take its own job back (it may be running it still); another does.
    t.advance(2000);
    assert.equal(await claimJob(db, { workerId: 'w', tasks: ['a.b'], leaseMs: 5000, clock: t.clock }), null);
    assert.equal((await claimJob(db, { workerId: 'other', tasks: ['a.b'], leaseMs: 5000, clock: t.clock }))?.id, job!.id);
  });

  test('bad jobs are refused with ERR_JOB_INVALID, naming the field and not the value', async () => {
    for (const spec of [{ task: 'Not A Task' }, { task: 'a.b', payload: [] as never }, { task: 'a.b', maxAttempts: 0 }, { task: 'a.b', key: '' }, { task: 'a.b', payload: { big: 'x'.repeat(20_000) } }]) {
      await assert.rejects(addJob(db, spec), codeOf('ERR_JOB_INVALID'), JSON.stringify(spec).slice(0, 60));
    }
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.jobs');
    assert.equal(rows[0]!.n, 0);
  });
});
