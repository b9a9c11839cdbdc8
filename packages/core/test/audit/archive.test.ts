import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  archiveAuditLog,
  checkpointSignerFromSeed,
  createAuditAppender,
  findAuditEvent,
  localArchiveStore,
  queryAuditEvents,
  verifyArchiveSegment,
  verifyAuditLog,
  type ArchiveStore,
} from '@custodian/core/audit';
import { Secret } from '@custodian/core/crypto';
import { isCustodianError } from '@custodian/core/errors';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent, tamper } from './helpers.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-27T00:00:00Z');
const CUTOFF = new Date(NOW - 730 * DAY); // the policy's two years (C6)

describe(`audit retention and archive (${testBackend()})`, () => {
  let db: TestDatabase;
  let dir: string;
  let store: ArchiveStore;
  const signer = checkpointSignerFromSeed(new Secret(Uint8Array.from(randomBytes(32))));
  const audit = createAuditAppender();
  before(async () => {
    db = await openAuditDatabase();
    dir = mkdtempSync(join(tmpdir(), 'custodian-archive-'));
    store = localArchiveStore(dir);
    // acme: 100 events over three years, the first 60 older than two years; globex: 10 recent ones.
    for (let n = 1; n <= 100; n++) {
      const at = new Date(n <= 60 ? NOW - (1095 - n) * DAY : NOW - (100 - n) * DAY);
      await audit.appendCommitted(db, sampleEvent('acme', n, { at }));
    }
    for (let n = 1; n <= 10; n++) await audit.appendCommitted(db, sampleEvent('globex', n, { at: new Date(NOW - n * DAY) }));
  });
  after(() => db.close());

  test('C6: events older than the retention period move into archive segments with a signed checkpoint each; the rest of the chain stays and still verifies', async () => {
    const progress: number[] = [];
    const segments = await archiveAuditLog(db, { store, signer, before: CUTOFF, segmentSize: 25, onProgress: (p) => progress.push(p.archived) });
    assert.deepEqual(segments.map((s) => [s.tenant, s.from, s.to]), [['acme', 1, 25], ['acme', 26, 50], ['acme', 51, 60]]);
    assert.deepEqual(progress, [25, 50, 60]);
    const { rows } = await db.query<{ tenant_id: string; min: number; max: number; n: number }>(
      `SELECT tenant_id, min(seq)::int AS min, max(seq)::int AS max, count(*)::int AS n FROM custodian.audit_events GROUP BY 1 ORDER BY 1`,
    );
    // acme keeps 61..100 plus one audit.archive event per segment.
    assert.deepEqual(rows, [{ tenant_id: 'acme', min: 61, max: 103, n: 43 }, { tenant_id: 'globex', min: 1, max: 10, n: 10 }]);
    const archivedEvents = (await queryAuditEvents(db, { tenant: 'acme', action: 'audit.archive', order: 'asc' })).events;
    assert.deepEqual(archivedEvents.map((e) => [e.metadata.from, e.metadata.to, e.metadata.events]), [[1, 25, 25], [26, 50, 25], [51, 60, 10]]);
    const report = await verifyAuditLog(db, { keys: [signer] });
    assert.equal(report.ok, true, JSON.stringify(report.tenants.flatMap((t) => t.problems)));
    // Running it again archives nothing more.
    assert.deepEqual(await archiveAuditLog(db, { store, signer, before: CUTOFF, segmentSize: 25 }), []);
  });

  test('C6: an archived event is still found by its id, read back from its segment; live ones from the table; unknown ones are undefined', async () => {
    const old = await findAuditEvent(db, { tenant: 'acme', seq: 30 }, store);
    assert.equal(old?.seq, 30);
    assert.deepEqual(old?.archived && [old.archived.from, old.archived.to], [26, 50]);
    assert.equal((old?.metadata as { n: number }).n, 30);
    const live = await findAuditEvent(db, { tenant: 'acme', seq: 70 }, store);
    assert.deepEqual([live?.seq, live?.archived], [70, undefined]);
    assert.equal(await findAuditEvent(db, { tenant: 'acme', seq: 999 }, store), undefined);
    assert.equal(await findAuditEvent(db, { tenant: 'globex', seq: 30 }, store), undefined, 'another tenant’s archive is not searched');
  });

  test('C6: each segment verifies offline on its own with the verifier key, and the segments chain to each other and to the live table', async () => {
    const tenantDir = join(dir, 'acme');
    const files = readdirSync(tenantDir).filter((f) => f.endsWith('.jsonl')).sort();
    assert.equal(files.length, 3);
    let prev = '00'.repeat(32);
    for (const file of files) {
      const result = verifyArchiveSegment(readFileSync(join(tenantDir, file), 'utf8'), readFileSync(join(tenantDir, file.replace('.jsonl', '.checkpoint')), 'utf8'), [signer]);
      assert.equal(result.ok, true, JSON.stringify(result.problem));
      assert.equal(result.firstPrevHash, prev);
      prev = result.lastHash!;
    }
    const first = (await queryAuditEvents(db, { tenant: 'acme', order: 'asc', limit: 1 })).events[0]!;
    assert.equal(first.prevHash, prev, 'the first live event links to the last archived one');
  });

  test('C3, C6: a changed segment is caught offline and when read back; the table still refuses deletes that no archive covers', async () => {
    const tenantDir = join(dir, 'acme');
    const file = join(tenantDir, readdirSync(tenantDir).filter((f) => f.endsWith('.jsonl')).sort()[0]!);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('"member-1"', '"member-2"'));
    try {
      const result = verifyArchiveSegment(readFileSync(file, 'utf8'), readFileSync(file.replace('.jsonl', '.checkpoint'), 'utf8'), [signer]);
      assert.deepEqual([result.ok, result.problem?.kind], [false, 'content-changed']);
      await assert.rejects(findAuditEvent(db, { tenant: 'acme', seq: 3 }, store), (e: unknown) => isCustodianError(e) && e.code === 'ERR_AUDIT_VERIFY_FAILED');
    } finally {
      writeFileSync(file, original);
    }
    await assert.rejects(db.query(`DELETE FROM custodian.audit_events WHERE tenant_id = 'acme' AND seq = 70`), /append-only/);
    await assert.rejects(db.query(`SELECT custodian.audit_prune_archived('acme', 70)`), /no archive record/);
    await assert.rejects(db.query(`DELETE FROM custodian.audit_archives WHERE tenant_id = 'acme'`), /append-only/);
  });

  test('C6: removing an archive record is caught by verify as a gap at the start of the chain', async () => {
    await tamper(db, `DELETE FROM custodian.audit_archives WHERE tenant_id = 'acme' AND from_seq = 1`);
    const report = await verifyAuditLog(db, { tenant: 'acme', keys: [signer] });
    assert.equal(report.ok, false);
    assert.deepEqual(report.tenants[0]!.problems.map((p) => [p.kind, p.seq]), [['gap', 1]]);
  });
});
