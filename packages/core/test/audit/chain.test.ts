import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, type Database } from '@custodian/core/db';
import { auditLogDecryptSink, canonicalJson, createAuditAppender, encodeEvent, eventHash, eventHashHex, GENESIS_HASH, readChain, verifyAuditLog, type StoredLink } from '@custodian/core/audit';
import { testBackend } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent } from './helpers.js';

type Failure = Error & { code?: string };

describe(`the audit chain (${testBackend()})`, () => {
  let db: Database;
  const audit = createAuditAppender();
  const events = async (tenant: string) =>
    (await db.query<{ seq: number; action: string }>('SELECT seq, action FROM custodian.audit_events WHERE tenant_id = $1 ORDER BY seq', [tenant])).rows;

  before(async () => {
    db = await openAuditDatabase();
  });
  after(() => db.close());

  test('each tenant has its own chain, numbered from 1, each event linked to the one before', async () => {
    const a1 = await audit.appendCommitted(db, sampleEvent('t-a', 1));
    const b1 = await audit.appendCommitted(db, sampleEvent('t-b', 1));
    const a2 = await audit.appendCommitted(db, sampleEvent('t-a', 2));
    assert.deepEqual([a1.seq, b1.seq, a2.seq], [1, 1, 2]);
    const { rows } = await db.query<{ seq: number; prev: string; hash: string }>(
      `SELECT seq, encode(prev_hash, 'hex') AS prev, encode(hash, 'hex') AS hash FROM custodian.audit_events WHERE tenant_id = 't-a' ORDER BY seq`,
    );
    assert.equal(rows[0]!.prev, '00'.repeat(32));
    assert.equal(rows[0]!.hash, a1.hash);
    assert.equal(rows[1]!.prev, a1.hash);
    assert.equal(rows[1]!.hash, a2.hash);
  });

  test('the hash computed in the database equals the encoding documented and recomputed in JavaScript', async () => {
    const withNulls = await audit.appendCommitted(db, { tenant: 't-enc', actor: { type: 'system', id: 'cron' }, action: 'retention.sweep' });
    const full = await audit.appendCommitted(db, sampleEvent('t-enc', 7, { at: new Date('2026-01-02T03:04:05.678Z') }));
    const links: StoredLink[] = [];
    await db.transaction(async (tx) => {
      for await (const page of readChain(tx, 't-enc')) links.push(...page);
    });
    assert.equal(links.length, 2);
    assert.equal(eventHash(GENESIS_HASH, links[0]!).toString('hex'), withNulls.hash);
    assert.equal(eventHash(Buffer.from(links[0]!.hash, 'hex'), links[1]!).toString('hex'), full.hash);
    assert.equal(eventHashHex(links[0]!.hash, links[1]!), full.hash);
    // The layout, byte by byte, for the second event (docs/audit.md).
    const bytes = Buffer.from(encodeEvent(links[0]!.hash, links[1]!));
    const frame = (s: string) => Buffer.concat([Buffer.from([0, 0, 0, Buffer.byteLength(s)]), Buffer.from(s)]);
    const int64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };
    const expected = Buffer.concat([
      frame('custodian-audit-v1'), Buffer.from(links[0]!.hash, 'hex'), frame('t-enc'), int64(2n), int64(1767323045678000n),
      frame('member'), frame('member-1'), frame('plan.change'), frame('plan'), frame('plan-7'), frame('subject-2'), frame('session-3'),
      frame('billing'), frame('192.0.2.10/32'), frame('Mozilla/5.0 (test)'), frame('{"n":7,"note":"é ü 漢字","tier":"pro"}'),
    ]);
    assert.equal(bytes.toString('hex'), expected.toString('hex'));
    const nullFrame = Buffer.from(encodeEvent(GENESIS_HASH, links[0]!)).subarray(-(4 * 7 + 6)); // seven absent fields, then {}
    assert.equal(nullFrame.toString('hex'), 'ffffffff'.repeat(7) + '00000002' + Buffer.from('{}').toString('hex'));
  });

  test('times and sequence numbers encode alike as numbers and BigInts, before 1970 too', () => {
    const base = { tenant: 't', seq: 1, occurredAtMicros: 0n, actorType: 'system', actorId: 'x', action: 'a.b', targetType: null, targetId: null, subjectId: null, sessionId: null, purpose: null, ip: null, userAgent: null, metadata: '{}' };
    for (const micros of [0, 1767323045678000, -86_400_000_000, 2 ** 53 - 1]) {
      const asNumber = Buffer.from(encodeEvent(GENESIS_HASH, { ...base, occurredAtMicros: micros })).toString('hex');
      assert.equal(asNumber, Buffer.from(encodeEvent(GENESIS_HASH, { ...base, occurredAtMicros: BigInt(micros) })).toString('hex'));
    }
    assert.throws(() => encodeEvent(GENESIS_HASH, { ...base, occurredAtMicros: 2 ** 53 }), RangeError);
  });

  test('metadata is stored as RFC 8785 JSON: sorted keys, no whitespace, shortest numbers', async () => {
    assert.equal(canonicalJson({ b: [1e21, 0.1, -0], a: { d: 'x', c: null }, '\u00e9': true, A: 1 }), '{"A":1,"a":{"c":null,"d":"x"},"b":[1e+21,0.1,0],"é":true}');
    assert.throws(() => canonicalJson({ when: new Date(0) }), (e: Failure) => e.code === 'ERR_AUDIT_INVALID_EVENT' && e.message.includes('$.when'));
    assert.throws(() => canonicalJson({ n: Number.NaN }), (e: Failure) => e.code === 'ERR_AUDIT_INVALID_EVENT');
    await audit.appendCommitted(db, sampleEvent('t-json', 1, { metadata: { z: 1, a: { y: [1, 2], b: 'c' } } }));
    const { rows } = await db.query<{ m: string }>(`SELECT metadata::text AS m FROM custodian.audit_events WHERE tenant_id = 't-json'`);
    assert.equal(rows[0]!.m, '{"a":{"b":"c","y":[1,2]},"z":1}');
  });

  test('an event appended inside a business transaction that rolls back vanishes with it, and the chain continues unbroken', async () => {
    await audit.appendCommitted(db, sampleEvent('t-rb', 1));
    await assert.rejects(
      db.transaction(async (tx) => {
        await audit.append(tx, sampleEvent('t-rb', 2, { action: 'plan.cancel' }));
        throw new Error('business failure');
      }),
      /business failure/,
    );
    const kept = await db.transaction((tx) => audit.append(tx, sampleEvent('t-rb', 3)), { tenantId: 't-rb' });
    assert.equal(kept.seq, 2);
    assert.deepEqual(await events('t-rb'), [{ seq: 1, action: 'plan.change' }, { seq: 2, action: 'plan.change' }]);
    const report = await verifyAuditLog(db, { tenant: 't-rb' });
    assert.equal(report.ok, true);
    assert.equal(report.events, 2);
  });

  test('C2: a decrypt is recorded as key.decrypt in its own committed transaction, naming who, why, which key and which session', async () => {
    const sink = auditLogDecryptSink(db, { role: APP_ROLE });
    await sink.record({
      actor: { type: 'member', id: 'member-7', sessionId: 'sess-42' },
      purpose: 'assessment-session',
      tenant: 'company-1',
      table: 'customer_api_keys',
      column: 'key_ciphertext',
      rowKey: 'company-1/key-9',
      keyId: 'dk-123',
    });
    const { rows } = await db.query(
      `SELECT actor_type, actor_id, action, target_type, target_id, session_id, purpose, metadata::jsonb AS metadata FROM custodian.audit_events WHERE tenant_id = 'company-1'`,
    );
    assert.deepEqual(rows, [
      {
        actor_type: 'member',
        actor_id: 'member-7',
        action: 'key.decrypt',
        target_type: 'value',
        target_id: 'customer_api_keys.key_ciphertext:company-1/key-9',
        session_id: 'sess-42',
        purpose: 'assessment-session',
        metadata: { column: 'key_ciphertext', key_id: 'dk-123', row_key: 'company-1/key-9', table: 'customer_api_keys' },
      },
    ]);
  });

  test('C2: many decrypts are recorded in one committed transaction, all or none', async () => {
    const sink = auditLogDecryptSink(db);
    const entry = (i: number) => ({ actor: { type: 'service' as const, id: 'reencrypt' }, purpose: 'key-rotation', tenant: 'company-9', table: 't', column: 'c', rowKey: String(i), keyId: 'dk-1' });
    await sink.recordMany!([entry(1), entry(2), entry(3)]);
    await assert.rejects(sink.recordMany!([entry(4), { ...entry(5), purpose: 'x\u0000' }]), (e: Failure) => e.code === 'ERR_AUDIT_WRITE_FAILED');
    assert.deepEqual((await events('company-9')).map((e) => [e.seq, e.action]), [[1, 'key.decrypt'], [2, 'key.decrypt'], [3, 'key.decrypt']]);
  });

  test('C7: metadata passes the redaction hook before it is encoded, hashed and written', async () => {
    const seen: string[] = [];
    const redacting = createAuditAppender({
      redact: (m, e) => {
        seen.push(e.action);
        return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, /token|secret/i.test(k) ? '[redacted]' : v]));
      },
    });
    const secret = 'sk-live-51HxQ2example';
    await redacting.appendCommitted(db, sampleEvent('t-redact', 1, { action: 'integration.connect', metadata: { provider: 'slack', access_token: secret } }));
    assert.deepEqual(seen, ['integration.connect']);
    const { rows } = await db.query<{ m: string }>(`SELECT metadata::text AS m FROM custodian.audit_events WHERE tenant_id = 't-redact'`);
    assert.equal(rows[0]!.m, '{"access_token":"[redacted]","provider":"slack"}');
    assert.equal((await verifyAuditLog(db, { tenant: 't-redact' })).ok, true);
  });

  test('C8, C19: a tenant sees, through row-level security, every operator read of its data and nothing of other tenants', async () => {
    await audit.appendCommitted(db, { tenant: 'cust-1', actor: { type: 'operator', id: 'op-3' }, action: 'operator.read', target: { type: 'candidate', id: 'c-9' }, purpose: 'support-981' });
    await audit.appendCommitted(db, { tenant: 'cust-2', actor: { type: 'operator', id: 'op-3' }, action: 'operator.read', target: { type: 'candidate', id: 'c-10' }, purpose: 'support-982' });
    const seen = await db.transaction(
      (tx) => tx.query<{ tenant_id: string; actor_id: string; target_id: string }>(`SELECT tenant_id, actor_id, target_id FROM custodian.audit_events WHERE action = 'operator.read'`),
      { role: APP_ROLE, tenantId: 'cust-1' },
    );
    assert.deepEqual(seen.rows, [{ tenant_id: 'cust-1', actor_id: 'op-3', target_id: 'c-9' }]);
    const none = await db.transaction((tx) => tx.query(`SELECT 1 FROM custodian.audit_events`), { role: APP_ROLE });
    assert.equal(none.rowCount, 0);
  });

  test('C19: inside one tenant\'s transaction an event cannot be written into another tenant\'s chain', async () => {
    const roleAudit = createAuditAppender();
    await assert.rejects(
      db.transaction((tx) => roleAudit.append(tx, sampleEvent('cust-2', 1)), { role: APP_ROLE, tenantId: 'cust-1' }),
      (e: Failure) => e.code === 'ERR_AUDIT_WRITE_FAILED' && !e.message.includes('cust-'),
    );
    const ok = await db.transaction((tx) => roleAudit.append(tx, sampleEvent('cust-1', 2)), { role: APP_ROLE, tenantId: 'cust-1' });
    assert.equal(ok.seq, 2);
  });

  test('malformed events are refused before the database, naming the field and never the value', async () => {
    const cases: [Parameters<typeof audit.append>[1], RegExp][] = [
      [{ ...sampleEvent('t-bad', 1), action: 'Decrypt' }, /action must be namespaced/],
      [{ ...sampleEvent('t-bad', 1), tenant: '' }, /tenant must be a non-empty string/],
      [{ ...sampleEvent('t-bad', 1), actor: { type: 'root' as 'user', id: 'x' } }, /actor\.type/],
      [{ ...sampleEvent('t-bad', 1), ip: '999.1.2.3-secret' }, /ip is not an IPv4 or IPv6 address/],
      [{ ...sampleEvent('t-bad', 1), metadata: { big: 'x'.repeat(70_000) } }, /metadata is larger than/],
      [{ ...sampleEvent('t-bad', 1), subject: 'a\u0000b' }, /subject contains a NUL/],
    ];
    for (const [event, message] of cases) {
      await assert.rejects(audit.appendCommitted(db, event), (e: Failure) => {
        assert.equal(e.code, 'ERR_AUDIT_INVALID_EVENT');
        assert.match(e.message, message);
        assert.ok(!e.message.includes('secret') && !e.message.includes('xxxx'));
        return true;
      });
    }
    assert.deepEqual(await events('t-bad'), []);
  });

  test('a user agent is cut to 512 characters rather than refused', async () => {
    await audit.appendCommitted(db, sampleEvent('t-ua', 1, { userAgent: 'U'.repeat(2000) }));
    const { rows } = await db.query<{ n: number }>(`SELECT length(user_agent) AS n FROM custodian.audit_events WHERE tenant_id = 't-ua'`);
    assert.equal(rows[0]!.n, 512);
  });
});
