import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAuditAppender, encodeEvent, readChain, verifyAuditLog } from '@custodian/core/audit';
import { ENCODED_EVENT_SQL, readEncodedChain } from '../../src/audit/read-encoded.js';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent, tamper } from './helpers.js';

let db: TestDatabase;
before(async () => {
  db = await openAuditDatabase();
  const audit = createAuditAppender();
  for (let n = 1; n <= 25; n++) {
    const extra = n % 5 === 0 ? { target: undefined, subject: undefined, session: undefined, purpose: undefined, ip: undefined, userAgent: undefined } : {};
    const event = { ...sampleEvent('acme', n, { at: new Date(Date.UTC(1969, 11, 31, 23, 50, 0, 123) + n * 60_001) }), ...extra };
    for (const k of Object.keys(extra) as Array<keyof typeof event>) delete event[k];
    await audit.appendCommitted(db, event);
  }
});
after(() => db.close());

test(`the verifier's query-built encoding is byte for byte the encoding chain-encoding.ts writes: NULLs, non-ASCII, IPv6, times before 1970 (${testBackend()})`, async () => {
  const fields = await db.transaction(async (tx) => {
    const out = [];
    for await (const page of readChain(tx, 'acme', 7)) out.push(...page);
    return out;
  });
  const read = (hashIn: 'database' | 'client') =>
    db.transaction(async (tx) => {
      const out = [];
      for await (const page of readEncodedChain(tx, 'acme', 7, hashIn)) out.push(...page);
      return out;
    });
  const encoded = await read('client');
  const inDatabase = await read('database');
  const { rows: sqlBytes } = await db.query<{ b: Uint8Array }>(`SELECT ${ENCODED_EVENT_SQL} AS b FROM custodian.audit_events WHERE tenant_id = 'acme' ORDER BY seq`);
  assert.equal(encoded.length, 25);
  assert.equal(fields.length, 25);
  for (let i = 0; i < 25; i++) {
    const js = Buffer.from(encodeEvent(fields[i]!.prevHash, fields[i]!));
    assert.deepEqual(Buffer.from(sqlBytes[i]!.b), js, `event ${i + 1}`);
    assert.equal(encoded[i]!.recomputed, fields[i]!.hash);
    assert.equal(inDatabase[i]!.recomputed, fields[i]!.hash);
  }
  assert.ok(fields.some((f) => f.targetType === null && f.ip === null), 'NULL fields are covered');
  assert.ok(fields.some((f) => f.occurredAtMicros < 0n), 'a time before 1970 is covered');
});

test(`C3: a changed field is caught the same way whether the hash is recomputed in the database or here (${testBackend()})`, async () => {
  await tamper(db, `UPDATE custodian.audit_events SET actor_id = 'someone-else' WHERE tenant_id = 'acme' AND seq = 10`);
  for (const hashIn of ['database', 'client'] as const) {
    const report = await verifyAuditLog(db, { tenant: 'acme', hashIn });
    assert.deepEqual(report.tenants[0]!.problems.map((p) => [p.kind, p.seq]), [['content-changed', 10]], hashIn);
  }
});
