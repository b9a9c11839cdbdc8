import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAuditAppender, encodeEvent, readChain } from '@custodian/core/audit';
import { readEncodedChain } from '../../src/audit/read-encoded.js';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent } from './helpers.js';

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
  const encoded = await db.transaction(async (tx) => {
    const out = [];
    for await (const page of readEncodedChain(tx, 'acme', 7)) out.push(...page);
    return out;
  });
  assert.equal(encoded.length, 25);
  assert.equal(fields.length, 25);
  for (let i = 0; i < 25; i++) {
    const js = Buffer.from(encodeEvent(fields[i]!.prevHash, fields[i]!));
    assert.deepEqual(Buffer.from(encoded[i]!.encoded), js, `event ${i + 1}`);
    assert.equal(encoded[i]!.hash, fields[i]!.hash);
  }
  assert.ok(fields.some((f) => f.targetType === null && f.ip === null), 'NULL fields are covered');
  assert.ok(fields.some((f) => f.occurredAtMicros < 0n), 'a time before 1970 is covered');
});
