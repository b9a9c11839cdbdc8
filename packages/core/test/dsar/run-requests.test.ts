import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database } from '@custodian/core/db';
import {
  createRequest,
  dsarRunTask,
  enqueueRequest,
  getRequest,
  rejectRequest,
  requestStatus,
  type DsarHandlers,
} from '@custodian/core/dsar';
import { CustodianError } from '@custodian/core/errors';
import { createWorker } from '@custodian/core/jobs';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openQueueDatabase } from '../jobs/helpers.js';

const codeOf = (code: string) => (e: unknown) => e instanceof CustodianError && e.code === code;
const onPostgres = testBackend() === 'postgres';

describe(`data subject requests on the job queue (${testBackend()})`, () => {
  let db: TestDatabase;
  let n = 0;
  const person = (tenant = 'queue-co') => ({ subject: 'candidate', key: `cand-${++n}`, tenant });
  const verified = (kind: 'access' | 'erasure' = 'access', tenant?: string) =>
    createRequest(db, { person: person(tenant), identity: 'email', kind, verified: { method: 'signed-in' } });

  before(async () => {
    db = await openQueueDatabase();
  });
  after(() => db?.close());

  test('B7: a queued request runs to completion: in_progress, the handler\'s result stored, progress and history visible', async () => {
    const r = await verified('access');
    const seen: string[] = [];
    const handlers: DsarHandlers = {
      access: async ({ request, progress, attempt, signal }) => {
        seen.push(`${request.status}:${request.person.key}:${attempt}:${signal.aborted}`);
        await progress(3, 3);
        return { artifact: `export-${request.id.slice(0, 8)}`, tables: 3 };
      },
    };
    const { created, job } = await enqueueRequest(db, r.id);
    assert.equal(created, true);
    const worker = createWorker(db, { tasks: dsarRunTask(db, { handlers }) });
    assert.equal(await worker.runUntilIdle(), 1);
    assert.deepEqual(seen, [`in_progress:${r.person.key}:1:false`]);
    const status = (await requestStatus(db, r.id))!;
    assert.equal(status.request.status, 'completed');
    assert.deepEqual(status.request.result, { artifact: `export-${r.id.slice(0, 8)}`, tables: 3 });
    assert.equal(status.job!.id, job.id);
    assert.equal(status.job!.state, 'succeeded');
    assert.deepEqual(status.job!.progress, { done: 3, total: 3 });
    assert.deepEqual(status.history.map((e) => e.action), ['dsar.received', 'dsar.verified', 'dsar.queued', 'dsar.started', 'dsar.completed']);
    // Run again (a second instance, a crash after completing): nothing happens twice.
    await assert.rejects(enqueueRequest(db, r.id), codeOf('ERR_DSAR_TRANSITION'));
  });

  test('enqueueing one request twice gives one job; a request not yet verified cannot be queued', async () => {
    const r = await verified('erasure');
    const a = await enqueueRequest(db, r.id);
    const b = await enqueueRequest(db, r.id);
    assert.deepEqual([a.created, b.created, b.job.id], [true, false, a.job.id]);
    const received = await createRequest(db, { person: person(), identity: 'email', kind: 'erasure' });
    await assert.rejects(enqueueRequest(db, received.id), (e: unknown) => codeOf('ERR_DSAR_TRANSITION')(e) && /received/.test((e as Error).message));
    const status = (await requestStatus(db, r.id))!;
    assert.deepEqual(status.history.filter((e) => e.action === 'dsar.queued').length, 1);
    await db.query(`UPDATE custodian.jobs SET state = 'failed', finished_at = now() WHERE id = $1`, [a.job.id]); // out of the way of the next tests
  });

  test('a failing handler leaves the request in_progress with attempts and the last error in its status; the last attempt writes dsar.failed', async () => {
    const r = await verified('erasure');
    let calls = 0;
    const handlers: DsarHandlers = {
      erasure: async () => {
        calls++;
        throw new CustodianError('ERR_DB_QUERY_FAILED', 'deadlock detected [40P01]');
      },
    };
    await enqueueRequest(db, r.id, { maxAttempts: 2 });
    const worker = createWorker(db, { backoff: { baseMs: 300, maxMs: 300 }, tasks: dsarRunTask(db, { handlers }) });
    assert.equal(await worker.runUntilIdle(), 1);
    let status = (await requestStatus(db, r.id))!;
    assert.equal(status.request.status, 'in_progress');
    assert.deepEqual([status.job!.state, status.job!.attempts, status.job!.maxAttempts, status.job!.lastErrorCode], ['queued', 1, 2, 'ERR_DB_QUERY_FAILED']);
    assert.match(status.job!.lastError!, /deadlock detected/);
    assert.equal(await worker.runUntilIdle(), 0, 'not before the backoff');
    await sleep(350);
    assert.equal(await worker.runUntilIdle(), 1);
    status = (await requestStatus(db, r.id))!;
    assert.equal(calls, 2);
    assert.equal(status.request.status, 'in_progress', 'never silently completed');
    assert.deepEqual([status.job!.state, status.job!.attempts], ['failed', 2]);
    assert.deepEqual(status.history.map((e) => e.action), ['dsar.received', 'dsar.verified', 'dsar.queued', 'dsar.started', 'dsar.failed']);
    assert.deepEqual(status.history.at(-1)!.metadata, { code: 'ERR_DB_QUERY_FAILED', attempts: 2 });
    // Queued again by an operator, it resumes from in_progress and completes.
    const again = await enqueueRequest(db, r.id);
    assert.equal(again.created, true);
    const fixed = createWorker(db, { tasks: dsarRunTask(db, { handlers: { erasure: async ({ attempt }) => ({ rows: 7, attempt }) } }) });
    assert.equal(await fixed.runUntilIdle(), 1);
    assert.deepEqual((await getRequest(db, r.id))!.result, { rows: 7, attempt: 1 });
  });

  test('no handler for the kind: the job fails at once with ERR_DSAR_NO_HANDLER and the request stays verified', async () => {
    const r = await verified('access');
    await enqueueRequest(db, r.id);
    const worker = createWorker(db, { tasks: dsarRunTask(db, { handlers: { erasure: async () => ({}) } }) });
    assert.equal(await worker.runUntilIdle(), 1);
    const status = (await requestStatus(db, r.id))!;
    assert.equal(status.request.status, 'verified');
    assert.deepEqual([status.job!.state, status.job!.attempts, status.job!.lastErrorCode], ['failed', 1, 'ERR_DSAR_NO_HANDLER']);
  });

  test('a request rejected while its job waits is left rejected: the job ends without running the handler', async () => {
    const r = await verified('erasure');
    await enqueueRequest(db, r.id);
    await rejectRequest(db, r.id, { reason: 'identity doubtful' });
    let ran = false;
    const worker = createWorker(db, { tasks: dsarRunTask(db, { handlers: { erasure: async () => ((ran = true), {}) } }) });
    assert.equal(await worker.runUntilIdle(), 1);
    assert.equal(ran, false);
    const status = (await requestStatus(db, r.id))!;
    assert.equal(status.request.status, 'rejected');
    assert.equal(status.job!.state, 'succeeded');
  });

  test(`two workers${onPostgres ? ' on two pools' : ''} never run one request twice`, { timeout: 120_000 }, async () => {
    const count = onPostgres ? 40 : 12;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = await verified('erasure', 'busy-co');
      ids.push(r.id);
      await enqueueRequest(db, r.id);
      await enqueueRequest(db, r.id); // a second click, a second instance: still one job
    }
    const runs = new Map<string, number>();
    const handlers: DsarHandlers = {
      erasure: async ({ request }) => {
        runs.set(request.id, (runs.get(request.id) ?? 0) + 1);
        await sleep(2);
        return { rows: 1 };
      },
    };
    const second: Database = onPostgres ? await openDatabase({ url: db.url!, max: 6 }) : db;
    const workers = [db, second].map((handle) => createWorker(handle, { concurrency: 3, pollIntervalMs: 10, tasks: dsarRunTask(handle, { handlers }) }));
    try {
      for (const w of workers) w.start();
      const until = Date.now() + 60_000;
      while ((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.dsar_requests WHERE tenant_id = 'busy-co' AND status = 'completed'`)).rows[0]!.n < count) {
        if (Date.now() > until) throw new Error('timed out');
        await sleep(20);
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      if (second !== db) await second.close();
    }
    assert.deepEqual([...runs.values()].filter((v) => v !== 1), []);
    assert.deepEqual([...runs.keys()].sort(), [...ids].sort());
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM custodian.audit_events WHERE tenant_id = 'busy-co' AND action = 'dsar.completed'`,
    );
    assert.equal(rows[0]!.n, count);
  });
});
