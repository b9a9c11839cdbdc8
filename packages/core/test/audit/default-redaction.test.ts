import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAuditAppender, noRedaction, queryAuditEvents, verifyAuditLog } from '@custodian/core/audit';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase } from './helpers.js';

let db: TestDatabase;
before(async () => {
  db = await openAuditDatabase();
});
after(() => db.close());

test(`C7: by default an appender redacts metadata before the event is hashed and written (${testBackend()})`, async () => {
  const key = 'sk-ant-api03-' + 'Zq9'.repeat(31) + 'AA';
  await createAuditAppender().appendCommitted(db, {
    tenant: 'acme',
    actor: { type: 'service', id: 'billing' },
    action: 'integration.connect',
    metadata: { provider: 'anthropic', apiKey: key, contact: 'ada@example.com', nested: { password: 'hunter2-correct', note: `uses ${key}` }, plan: 'pro' },
  });
  const [event] = (await queryAuditEvents(db, { tenant: 'acme' })).events;
  const stored = JSON.stringify(event!.metadata);
  for (const secret of [key, 'ada@example.com', 'hunter2-correct']) assert.ok(!stored.includes(secret), 'the secret never reached the row');
  assert.equal((event!.metadata as { provider: string }).provider, 'anthropic');
  assert.equal((event!.metadata as { plan: string }).plan, 'pro');
  assert.match(stored, /\[REDACTED:denied-key:[0-9a-f]{8}\]/);
  assert.match(stored, /uses \[REDACTED:anthropic-key:[0-9a-f]{8}\]/);
  // The chain covers the redacted form, so it verifies as written.
  assert.equal((await verifyAuditLog(db, { tenant: 'acme' })).ok, true);
  // Opting out is explicit.
  await createAuditAppender({ redact: noRedaction }).appendCommitted(db, { tenant: 'acme', actor: { type: 'service', id: 'x' }, action: 'raw.write', metadata: { contact: 'ada@example.com' } });
  const [raw] = (await queryAuditEvents(db, { tenant: 'acme', action: 'raw.write' })).events;
  assert.equal((raw!.metadata as { contact: string }).contact, 'ada@example.com');
});
