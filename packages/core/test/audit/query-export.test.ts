import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  chainFieldsOf,
  createAuditAppender,
  csvCell,
  eventHashHex,
  exportAuditLog,
  GENESIS_HASH,
  queryAuditEvents,
  type AuditEvent,
} from '@custodian/core/audit';
import { isCustodianError } from '@custodian/core/errors';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent } from './helpers.js';

const collect = async (it: AsyncIterable<string>) => {
  let out = '';
  for await (const chunk of it) out += chunk;
  return out;
};
const code = (c: string) => (e: unknown) => isCustodianError(e) && e.code === c;

describe(`audit log query and export (${testBackend()})`, () => {
  let db: TestDatabase;
  const audit = createAuditAppender();
  before(async () => {
    db = await openAuditDatabase();
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    for (let n = 1; n <= 60; n++) {
      const action = n % 10 === 0 ? 'operator.read' : n % 3 === 0 ? 'key.decrypt' : 'plan.change';
      await audit.appendCommitted(db, sampleEvent('acme', n, { action, at: new Date(t0 + n * 3_600_000) }));
      if (n <= 20) await audit.appendCommitted(db, sampleEvent('globex', n, { at: new Date(t0 + n * 3_600_000) }));
    }
    await audit.appendCommitted(db, sampleEvent('acme', 61, { userAgent: '=HYPERLINK("http://evil.example","x")', metadata: { note: 'a "quoted", line\nbreak' } }));
  });
  after(() => db.close());

  test('C19, B3: a tenant queries its own events by time, actor, action namespace and target, newest first, paged by a cursor', async () => {
    const first = await queryAuditEvents(db, { tenant: 'acme', action: 'key.*', limit: 5 });
    assert.equal(first.events.length, 5);
    assert.ok(first.events.every((e) => e.action === 'key.decrypt' && e.tenant === 'acme'));
    assert.deepEqual(first.events.map((e) => e.seq), [...first.events.map((e) => e.seq)].sort((a, b) => b - a));
    const second = await queryAuditEvents(db, { tenant: 'acme', action: 'key.*', limit: 5, after: first.next! });
    assert.ok(second.events[0]!.seq < first.events[4]!.seq);
    let all: AuditEvent[] = [];
    for (let page = await queryAuditEvents(db, { tenant: 'acme', action: 'key.*', limit: 7 }); ; ) {
      all = all.concat(page.events);
      if (!page.next) break;
      page = await queryAuditEvents(db, { tenant: 'acme', action: 'key.*', limit: 7, after: page.next });
    }
    // n = 3, 6, …, 60 except the multiples of 10 (operator.read).
    assert.equal(all.length, Array.from({ length: 60 }, (_, i) => i + 1).filter((n) => n % 3 === 0 && n % 10 !== 0).length);
    assert.equal(new Set(all.map((e) => e.seq)).size, all.length, 'no event twice across pages');

    const window = await queryAuditEvents(db, { tenant: 'acme', from: new Date('2026-11-01T10:00:00Z'), to: new Date('2026-11-01T13:00:00Z'), order: 'asc' });
    assert.deepEqual(window.events.map((e) => (e.metadata as { n: number }).n), [10, 11, 12]);
    const byActor = await queryAuditEvents(db, { tenant: 'acme', actor: { type: 'member', id: 'member-1' }, target: { type: 'plan', id: 'plan-4' } });
    assert.deepEqual(byActor.events.map((e) => e.target), [{ type: 'plan', id: 'plan-4' }]);
    const ops = await queryAuditEvents(db, { tenant: 'acme', action: 'operator.read' });
    assert.equal(ops.events.length, 6);
  });

  test('C8, C19: one tenant never sees another tenant’s events, whatever the filters', async () => {
    const globex = await queryAuditEvents(db, { tenant: 'globex', limit: 1000 });
    assert.equal(globex.events.length, 20);
    assert.ok(globex.events.every((e) => e.tenant === 'globex'));
    const none = await queryAuditEvents(db, { tenant: 'initech', limit: 1000 });
    assert.deepEqual(none.events, []);
  });

  test('bad queries are refused with ERR_AUDIT_QUERY_INVALID, naming the parameter and not echoing it', async () => {
    await assert.rejects(queryAuditEvents(db, { tenant: '' }), code('ERR_AUDIT_QUERY_INVALID'));
    await assert.rejects(queryAuditEvents(db, { tenant: 'acme', limit: 0 }), code('ERR_AUDIT_QUERY_INVALID'));
    await assert.rejects(queryAuditEvents(db, { tenant: 'acme', action: "x'; DROP TABLE" }), (e: unknown) => code('ERR_AUDIT_QUERY_INVALID')(e) && !(e as Error).message.includes('DROP'));
    await assert.rejects(queryAuditEvents(db, { tenant: 'acme', after: '1 OR 1=1' }), code('ERR_AUDIT_QUERY_INVALID'));
    await assert.rejects(queryAuditEvents(db, { tenant: 'acme', from: new Date('nope') }), code('ERR_AUDIT_QUERY_INVALID'));
  });

  test('B3: the JSON Lines export holds every event, and the chain re-verifies offline from the export alone', async () => {
    const text = await collect(exportAuditLog(db, { tenant: 'acme' }, 'jsonl'));
    const events = text.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEvent);
    assert.equal(events.length, 61);
    let prev = Buffer.from(GENESIS_HASH).toString('hex');
    for (const e of events) {
      assert.equal(e.prevHash, prev, `link at ${e.seq}`);
      const recomputed = eventHashHex(prev, chainFieldsOf(e));
      assert.equal(recomputed, e.hash, `hash at ${e.seq}`);
      prev = e.hash;
    }
  });

  test('B3: the CSV export is RFC 4180 with a header, one row per event, and cells a spreadsheet would run as formulas are defused', async () => {
    const csv = await collect(exportAuditLog(db, { tenant: 'acme', action: 'plan.*' }, 'csv'));
    const lines = csv.split('\r\n').filter(Boolean);
    assert.equal(lines[0], 'tenant,seq,occurred_at,occurred_at_us,actor_type,actor_id,action,target_type,target_id,subject_id,session_id,purpose,ip,user_agent,metadata,prev_hash,hash');
    const last = csv.slice(csv.lastIndexOf('acme,61,'));
    assert.ok(last.includes(`"'=HYPERLINK(""http://evil.example"",""x"")"`), 'the formula is quoted and prefixed');
    assert.ok(last.includes('"{""note"":""a \\""quoted\\"", line\\nbreak""'), 'JSON metadata quoted as one cell');
    assert.equal(csvCell('-1'), `"'-1"`);
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell(null), '');
  });
});
