import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  archiveAuditLog,
  checkpointSignerFromSeed,
  createAuditAppender,
  encodeEvent,
  localArchiveStore,
  readChain,
  verifyAuditLog,
  writeCheckpoints,
  type DamageKind,
} from '@custodian/core/audit';
import { Secret } from '@custodian/core/crypto';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { encodedEventSql } from '../../src/audit/read-encoded.js';
import { openAuditDatabase, sampleEvent, tamper } from './helpers.js';

const signer = checkpointSignerFromSeed(new Secret(Uint8Array.from(randomBytes(32))));
const keys = [signer];
const onPostgres = testBackend() === 'postgres';

// A new hash for an event's columns, computed the way the appender does: what an attacker who knows the algorithm can do.
const REHASH = `custodian.audit_event_hash(prev_hash, tenant_id, seq, occurred_at, actor_type, actor_id, action, target_type, target_id,
  subject_id, session_id, purpose, ip, user_agent, metadata)`;

// 30 events in 3 ranges of 10: (…, 10], (10, 20], (20, …).
const SIZE = 30;
const PARALLEL = { parallel: 3, pageSize: 3 };

describe(`verification of one chain in ranges on several connections (${testBackend()})`, () => {
  let db: TestDatabase;
  const audit = createAuditAppender();
  let n = 0;

  async function chain(checkpointsAt: readonly number[] = []): Promise<string> {
    const tenant = `tenant-${++n}`;
    for (let i = 1; i <= SIZE; i++) {
      await audit.appendCommitted(db, sampleEvent(tenant, i));
      if (checkpointsAt.includes(i)) await writeCheckpoints(db, signer, { tenant });
    }
    return tenant;
  }
  const update = (tenant: string, set: string, seq: number) => tamper(db, `UPDATE custodian.audit_events SET ${set} WHERE tenant_id = $1 AND seq = $2`, [tenant, seq]);

  /**
   * The problems found, after checking that every way of verifying finds the
   * same: in ranges and in one walk, hashing here and in the database. On
   * PostgreSQL the ranged runs must really have used 3 ranges.
   */
  async function damage(tenant: string, expectedEvents?: number): Promise<[DamageKind, number][]> {
    const seen: string[] = [];
    let first: [DamageKind, number][] | undefined;
    for (const hashIn of ['client', 'database'] as const) {
      for (const parallel of [PARALLEL.parallel, 1]) {
        const report = await verifyAuditLog(db, { tenant, keys, hashIn, pageSize: PARALLEL.pageSize, parallel });
        const t = report.tenants[0]!;
        assert.equal(t.ranges, parallel > 1 && onPostgres ? 3 : 1, `${hashIn}, parallel ${parallel}: ranges`);
        const problems = t.problems.map((p): [DamageKind, number] => [p.kind, p.seq]);
        seen.push(`${hashIn} × ${parallel}: ${JSON.stringify(problems)} after ${t.events} events`);
        first ??= problems;
        assert.deepEqual(problems, first, seen.join('\n'));
      }
    }
    // The events counted before the damage agree too.
    assert.equal(new Set(seen.map((s) => s.split(': ')[1])).size, 1, seen.join('\n'));
    if (expectedEvents !== undefined) assert.match(seen[0]!, new RegExp(`after ${expectedEvents} events$`));
    return first!;
  }

  before(async () => {
    db = await openAuditDatabase();
  });
  after(() => db.close());

  test('C3: an untouched chain with checkpoints inside its ranges verifies, every event counted', async () => {
    const tenant = await chain([7, 10, 11, 25]);
    assert.deepEqual(await damage(tenant), []);
    const report = await verifyAuditLog(db, { tenant, keys, ...PARALLEL });
    assert.equal(report.events, SIZE);
    assert.equal(report.tenants[0]!.checkpoints, 4);
  });

  test('C3: a changed field in the middle of the second range is content-changed there', async () => {
    const tenant = await chain();
    assert.equal(await update(tenant, `purpose = 'marketing'`, 15), 1);
    assert.deepEqual(await damage(tenant), [['content-changed', 15]]);
  });

  test('C3: a hash recomputed in the middle of the second range breaks the next link', async () => {
    const tenant = await chain();
    await update(tenant, `purpose = 'marketing'`, 15);
    await update(tenant, `hash = ${REHASH}`, 15);
    assert.deepEqual(await damage(tenant), [['link-broken', 16]]);
  });

  test('C3: a hash recomputed on the last event of the first range breaks the link at the range boundary', async () => {
    const tenant = await chain();
    await update(tenant, `purpose = 'marketing'`, 10);
    await update(tenant, `hash = ${REHASH}`, 10);
    assert.deepEqual(await damage(tenant), [['link-broken', 11]]);
  });

  test('C3: a changed first event of a range is content-changed, not a broken link', async () => {
    const tenant = await chain();
    await update(tenant, `action = 'plan.cancel'`, 11);
    assert.deepEqual(await damage(tenant), [['content-changed', 11]]);
  });

  test('C3: a first event of a range that neither links to its predecessor nor matches its checkpoint is link-broken, as in one walk', async () => {
    const tenant = await chain([11]);
    await update(tenant, `prev_hash = '\\x${'ab'.repeat(32)}'::bytea`, 11);
    await update(tenant, `hash = ${REHASH}`, 11);
    assert.deepEqual(await damage(tenant), [['link-broken', 11]]);
  });

  test('C3: a missing first event of the second range is a gap there', async () => {
    const tenant = await chain();
    await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq = 11`, [tenant]);
    assert.deepEqual(await damage(tenant), [['gap', 11]]);
  });

  test('C3: a missing last event of the first range is a gap there', async () => {
    const tenant = await chain();
    await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq = 10`, [tenant]);
    assert.deepEqual(await damage(tenant), [['gap', 10]]);
  });

  test('C3: a whole range deleted is a gap at its first event', async () => {
    const tenant = await chain();
    await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq BETWEEN 11 AND 20`, [tenant]);
    assert.deepEqual(await damage(tenant), [['gap', 11]]);
  });

  test('C3: with damage in the second and third ranges, the first damage is the one reported', async () => {
    const tenant = await chain();
    await update(tenant, `purpose = 'x'`, 25);
    await update(tenant, `purpose = 'y'`, 14);
    assert.deepEqual(await damage(tenant), [['content-changed', 14]]);
  });

  test('C3: a chain rewritten from the second range on, every hash and the head recomputed, is a fork at a checkpoint in the third', async () => {
    const tenant = await chain([25]);
    await update(tenant, `purpose = 'rewritten'`, 14);
    for (let seq = 14; seq <= SIZE; seq++) {
      if (seq > 14) await tamper(db, `UPDATE custodian.audit_events e SET prev_hash = p.hash FROM custodian.audit_events p WHERE e.tenant_id = $1 AND p.tenant_id = $1 AND e.seq = $2 AND p.seq = $2 - 1`, [tenant, seq]);
      await update(tenant, `hash = ${REHASH}`, seq);
    }
    await tamper(db, `UPDATE custodian.audit_heads h SET hash = e.hash FROM custodian.audit_events e WHERE h.tenant_id = $1 AND e.tenant_id = $1 AND e.seq = $2`, [tenant, SIZE]);
    assert.deepEqual(await damage(tenant), [['fork', 25]]);
  });

  test('C3: a deleted tail is truncated against the head record wherever the ranges end', async () => {
    const tenant = await chain();
    await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq > 24`, [tenant]);
    assert.deepEqual(await damage(tenant), [['truncated', 25]]);
  });

  test('C6, C3: after an archived prefix the ranges start where the archive ends, and damage there is found as in one walk', async () => {
    const tenant = `archived-${++n}`;
    const now = Date.now();
    // 45 events, the first 15 three years old: archived into one segment, leaving 16..45 and the archive's own event, 46.
    for (let i = 1; i <= 45; i++) await audit.appendCommitted(db, sampleEvent(tenant, i, { at: new Date(i <= 15 ? now - 1095 * 86_400_000 + i : now - (60 - i) * 1000) }));
    const store = localArchiveStore(mkdtempSync(join(tmpdir(), 'custodian-verify-parallel-')));
    const segments = await archiveAuditLog(db, { store, signer, tenant, before: new Date(now - 730 * 86_400_000), segmentSize: 100 });
    assert.deepEqual(segments.map((s) => [s.from, s.to]), [[1, 15]]);
    assert.deepEqual(await damage(tenant, 31), []);
    // Ranges over 16..46: (…, 26], (26, 36], (36, …).
    await update(tenant, `purpose = 'changed'`, 31);
    assert.deepEqual(await damage(tenant, 15), [['content-changed', 31]]);
  });

  test('the ranges read the snapshot the checkpoints and head were read in, while appends go on', { skip: !onPostgres && 'needs several connections' }, async () => {
    const tenant = await chain([SIZE]);
    const appending = (async () => {
      for (let i = 1; i <= 20; i++) await audit.appendCommitted(db, sampleEvent(tenant, SIZE + i));
    })();
    const reports = [];
    for (let i = 0; i < 5; i++) reports.push(await verifyAuditLog(db, { tenant, keys, ...PARALLEL }));
    await appending;
    for (const r of reports) assert.deepEqual(r.tenants[0]!.problems, [], JSON.stringify(r.tenants[0]));
    assert.equal((await verifyAuditLog(db, { tenant, keys, ...PARALLEL })).events, SIZE + 20);
  });
});

test(`the encoding's cheaper SQL for a UTF-8 database is byte for byte the encoding chain-encoding.ts writes (${testBackend()})`, async () => {
  const db = await openAuditDatabase();
  try {
    const audit = createAuditAppender();
    for (let n = 1; n <= 12; n++) {
      const event = sampleEvent('utf8', n, { at: new Date(Date.UTC(1969, 11, 31, 23, 59, 0, 7) + n * 10_001) });
      if (n % 3 === 0) for (const k of ['target', 'subject', 'session', 'purpose', 'ip', 'userAgent'] as const) delete event[k];
      await audit.appendCommitted(db, event);
    }
    const fields = await db.transaction(async (tx) => {
      const out = [];
      for await (const page of readChain(tx, 'utf8', 5)) out.push(...page);
      return out;
    });
    const { rows } = await db.query<{ b: Uint8Array }>(`SELECT ${encodedEventSql(true)} AS b FROM custodian.audit_events WHERE tenant_id = 'utf8' ORDER BY seq`);
    assert.equal(rows.length, 12);
    for (let i = 0; i < 12; i++) assert.deepEqual(Buffer.from(rows[i]!.b), Buffer.from(encodeEvent(fields[i]!.prevHash, fields[i]!)), `event ${i + 1}`);
    assert.ok(fields.some((f) => f.ip === null && f.targetType === null), 'NULL fields are covered');
  } finally {
    await db.close();
  }
});
