import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditLogDecryptSink, createAuditAppender, queryAuditEvents, verifyAuditLog } from '@custodian/core/audit';
import { EnvKeyProvider, FieldCrypto, KeyStore, Secret } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { createRedactor } from '@custodian/core/redact';
import { testBackend } from '@custodian/core/testing';
import { app, revokeApiKey, seed, useApiKey } from '../src/index.js';
import { openMigrated } from './support.js';

describe(`hiring-assessments: admin actions and key decrypts in the audit log (${testBackend()})`, () => {
  let db: Database;
  let fields: FieldCrypto;
  const redactor = createRedactor({ tagKey: new Uint8Array(32) });
  const audit = createAuditAppender({ redact: (m) => redactor.value(m) });
  before(async () => {
    db = await openMigrated();
    const root = new Secret(Uint8Array.from(randomBytes(32)));
    const keys = new KeyStore({ db, provider: new EnvKeyProvider(root) });
    fields = new FieldCrypto({ policy: app.policy, keys, audit: auditLogDecryptSink(db) });
    await seed(db, { subjects: 300, seed: 'audit', fields });
  });
  after(() => db.close());

  test('C2, C4: using a customer key records a key.decrypt event in that company’s chain before the key is returned; revoking one records api_key.revoke; the chains verify', async () => {
    const { rows } = await db.query<{ company_id: string; id: string; key_last4: string }>('SELECT company_id, id, key_last4 FROM customer_api_keys WHERE revoked_at IS NULL ORDER BY company_id, id LIMIT 2');
    const [first, second] = rows;
    const member = { type: 'member' as const, id: 'member-7', sessionId: 'sess-42' };
    const key = await useApiKey(db, fields, { company: first!.company_id, keyId: first!.id, actor: member });
    assert.match(key.reveal(), /^sk-ant-api03-/);
    await revokeApiKey(db, audit, { company: second!.company_id, keyId: second!.id, actor: { type: 'member', id: 'admin-1' }, reason: 'leaked in a ticket' });

    const decrypts = await queryAuditEvents(db, { tenant: first!.company_id, action: 'key.decrypt' });
    assert.equal(decrypts.events.length, 1);
    const [d] = decrypts.events;
    assert.deepEqual([d!.actor, d!.session, d!.purpose], [{ type: 'member', id: 'member-7' }, 'sess-42', 'assessment-session']);
    assert.deepEqual(d!.metadata, { table: 'customer_api_keys', column: 'key_ciphertext', row_key: `${first!.company_id}/${first!.id}`, key_id: (d!.metadata as { key_id: string }).key_id });
    assert.ok(!JSON.stringify(decrypts).includes(key.reveal()), 'the key itself is never in the log');

    const revokes = await queryAuditEvents(db, { tenant: second!.company_id, action: 'api_key.*' });
    assert.deepEqual(revokes.events.map((e) => [e.action, e.target, e.metadata]), [['api_key.revoke', { type: 'api_key', id: second!.id }, { last4: second!.key_last4 }]]);
    const report = await verifyAuditLog(db);
    assert.equal(report.ok, true, JSON.stringify(report.tenants.flatMap((t) => t.problems)));
  });

  test('C3, C4: a revoke that fails leaves neither the change nor its event', async () => {
    const { rows } = await db.query<{ company_id: string }>('SELECT company_id FROM customer_api_keys LIMIT 1');
    const before = (await queryAuditEvents(db, { tenant: rows[0]!.company_id, limit: 1000 })).events.length;
    await assert.rejects(revokeApiKey(db, audit, { company: rows[0]!.company_id, keyId: '00000000-0000-0000-0000-000000000000', actor: { type: 'member', id: 'admin-1' }, reason: 'typo' }));
    assert.equal((await queryAuditEvents(db, { tenant: rows[0]!.company_id, limit: 1000 })).events.length, before);
  });

  test('C7: secrets in an admin action’s metadata are redacted before the event is written', async () => {
    const { rows } = await db.query<{ company_id: string }>('SELECT company_id FROM customer_api_keys LIMIT 1');
    const tenant = rows[0]!.company_id;
    await db.transaction((tx) =>
      audit.append(tx, { tenant, actor: { type: 'member', id: 'admin-1' }, action: 'settings.update', metadata: { webhook: 'https://hooks.slack.com/services/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', note: 'mail ada@example.com', password: 'hunter2-correct' } }),
    );
    const [event] = (await queryAuditEvents(db, { tenant, action: 'settings.update' })).events;
    const text = JSON.stringify(event!.metadata);
    for (const secret of ['Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2', 'ada@example.com', 'hunter2-correct']) assert.ok(!text.includes(secret), secret);
    assert.match(text, /\[REDACTED:slack-webhook:[0-9a-f]{8}\]/);
    assert.equal((await verifyAuditLog(db, { tenant })).ok, true);
  });
});
