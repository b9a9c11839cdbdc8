import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { checkpointSignerFromSeed, createAuditAppender, verifyAuditLog, writeCheckpoints } from '@custodian/core/audit';
import { Secret } from '@custodian/core/crypto';
import { APP_ROLE } from '@custodian/core/db';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent } from './helpers.js';

const onPGlite = testBackend() === 'pglite';
const reason = 'PGlite has one connection, so writers cannot run concurrently; this runs on PostgreSQL (DATABASE_URL)';

describe(`concurrent appenders (${testBackend()})`, { skip: onPGlite ? reason : false }, () => {
  let db: TestDatabase;
  const audit = createAuditAppender();
  const signer = checkpointSignerFromSeed(new Secret(Uint8Array.from(randomBytes(32))));

  before(async () => {
    db = await openAuditDatabase();
  });
  after(() => db?.close());

  test('C3: 16 writers on one tenant, committing, rolling back and interleaving, never fork the chain and never deadlock', { timeout: 120_000 }, async () => {
    const tenant = 'busy';
    let committed = 0;
    let rolledBack = 0;
    const failures: unknown[] = [];
    let stop = false;
    // A checkpoint writer runs throughout: every checkpoint it stores must match the chain.
    // And verification runs throughout too: it reads one snapshot, so appends in flight are never damage.
    const midway: unknown[] = [];
    const checkpointer = (async () => {
      while (!stop) {
        await writeCheckpoints(db, signer, { tenant });
        midway.push(...(await verifyAuditLog(db, { tenant, keys: [signer] })).tenants[0]!.problems);
        await sleep(5);
      }
    })();
    const writer = async (w: number) => {
      for (let i = 0; i < 30; i++) {
        const kind = (w * 31 + i * 7) % 10; // deterministic mix
        try {
          if (kind < 2) {
            await audit.appendCommitted(db, sampleEvent(tenant, i, { actor: { type: 'service', id: `w${w}` } }));
            committed++;
            continue;
          }
          const appends = kind % 3 === 0 ? 2 : 1;
          const rollback = kind >= 7;
          await db
            .transaction(
              async (tx) => {
                await tx.query('SELECT pg_sleep($1)', [(i % 3) / 1000]); // business work before the append
                for (let a = 0; a < appends; a++) await audit.append(tx, sampleEvent(tenant, i, { actor: { type: 'member', id: `w${w}` } }));
                await sleep(i % 2); // hold the lock a little, interleaving with other writers' starts
                if (rollback) throw new Error('rollback');
              },
              { role: APP_ROLE, tenantId: tenant },
            )
            .then(
              () => (committed += appends),
              (e: Error) => {
                if (e.message !== 'rollback') throw e;
                rolledBack += appends;
              },
            );
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
    stop = true;
    await checkpointer;
    await writeCheckpoints(db, signer, { tenant });

    assert.deepEqual(failures.map((e) => (e as Error).message), [], 'no append failed: no deadlock, no serialization error');
    assert.deepEqual(midway, [], 'verification while appending found nothing');
    assert.ok(rolledBack > 0 && committed > 300, `a real mix: ${committed} committed, ${rolledBack} rolled back`);
    const { rows } = await db.query<{ n: number; max: number; distinct_prev: number }>(
      `SELECT count(*)::int AS n, max(seq)::int AS max, count(DISTINCT prev_hash)::int AS distinct_prev FROM custodian.audit_events WHERE tenant_id = $1`,
      [tenant],
    );
    assert.deepEqual(rows[0], { n: committed, max: committed, distinct_prev: committed }, 'every committed event, numbered without gaps, and no two share a predecessor (no fork)');
    const report = await verifyAuditLog(db, { tenant, keys: [signer] });
    assert.deepEqual(report.tenants[0]!.problems, []);
    assert.equal(report.events, committed);
    assert.ok(report.tenants[0]!.checkpoints >= 2);
  });

  test('C2: an event appended in its own transaction survives the rollback of the business transaction around it', async () => {
    await assert.rejects(
      db.transaction(
        async (tx) => {
          // The decrypt's record first, on another connection, committed at once; then the business event.
          await audit.appendCommitted(db, sampleEvent('survive', 1, { action: 'key.decrypt' }));
          await audit.append(tx, sampleEvent('survive', 2, { action: 'plan.change' }));
          throw new Error('business failure');
        },
        { tenantId: 'survive' },
      ),
      /business failure/,
    );
    const { rows } = await db.query<{ seq: number; action: string }>(`SELECT seq, action FROM custodian.audit_events WHERE tenant_id = 'survive' ORDER BY seq`);
    assert.deepEqual(rows, [{ seq: 1, action: 'key.decrypt' }]);
    assert.equal((await verifyAuditLog(db, { tenant: 'survive' })).ok, true);
  });

  test('C3: 8 writers on 8 tenants append side by side, each chain intact', { timeout: 60_000 }, async () => {
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 40; i++) await audit.appendCommitted(db, sampleEvent(`side-${w}`, i));
      }),
    );
    const report = await verifyAuditLog(db);
    assert.equal(report.ok, true);
    for (let w = 0; w < 8; w++) assert.equal(report.tenants.find((t) => t.tenant === `side-${w}`)!.events, 40);
  });
});
