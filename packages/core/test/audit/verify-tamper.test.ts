import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  checkpointSignerFromSeed,
  createAuditAppender,
  listCheckpoints,
  verifyAuditLog,
  writeCheckpoints,
  type DamageKind,
} from '@custodian/core/audit';
import { Secret } from '@custodian/core/crypto';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent, tamper } from './helpers.js';

const signer = checkpointSignerFromSeed(new Secret(Uint8Array.from(randomBytes(32))));
const keys = [signer];

// Each event's columns, and a new hash for them computed the way the appender does: what an attacker who knows the algorithm can do.
const REHASH = `custodian.audit_event_hash(prev_hash, tenant_id, seq, occurred_at, actor_type, actor_id, action, target_type, target_id,
  subject_id, session_id, purpose, ip, user_agent, metadata)`;

describe(`verification finds tampering by a superuser with triggers off (${testBackend()})`, () => {
  let db: TestDatabase;
  const audit = createAuditAppender();
  let n = 0;

  /** A fresh tenant with `size` events and a signed checkpoint at `checkpointAt` (default: the end). */
  async function chain(size = 10, checkpointAt = size): Promise<string> {
    const tenant = `tenant-${++n}`;
    for (let i = 1; i <= size; i++) {
      await audit.appendCommitted(db, sampleEvent(tenant, i));
      if (i === checkpointAt) await writeCheckpoints(db, signer, { tenant });
    }
    return tenant;
  }
  async function damage(tenant: string, options: Parameters<typeof verifyAuditLog>[1] = {}): Promise<[DamageKind, number][]> {
    const report = await verifyAuditLog(db, { tenant, keys, ...options });
    assert.equal(report.ok, report.tenants[0]!.problems.length === 0);
    return report.tenants[0]!.problems.map((p) => [p.kind, p.seq]);
  }

  before(async () => {
    db = await openAuditDatabase();
  });
  after(() => db.close());

  test('C3: an untouched chain with its checkpoints verifies', async () => {
    const tenant = await chain(10, 4);
    await writeCheckpoints(db, signer, { tenant });
    assert.deepEqual(await damage(tenant), []);
    const report = await verifyAuditLog(db, { keys });
    assert.equal(report.ok, true);
    assert.equal(report.signatures, 'checked');
    assert.equal(report.tenants.find((t) => t.tenant === tenant)!.checkpoints, 2);
  });

  test('C3: one changed field is content-changed at its sequence number', async () => {
    const tenant = await chain();
    assert.equal(await tamper(db, `UPDATE custodian.audit_events SET purpose = 'marketing' WHERE tenant_id = $1 AND seq = 4`, [tenant]), 1);
    assert.deepEqual(await damage(tenant), [['content-changed', 4]]);
  });

  test('C3: a changed field whose hash the attacker recomputed breaks the link of the next event', async () => {
    const tenant = await chain();
    await tamper(db, `UPDATE custodian.audit_events SET actor_id = 'someone-else' WHERE tenant_id = $1 AND seq = 6`, [tenant]);
    await tamper(db, `UPDATE custodian.audit_events SET hash = ${REHASH} WHERE tenant_id = $1 AND seq = 6`, [tenant]);
    assert.deepEqual(await damage(tenant), [['link-broken', 7]]);
  });

  test('C3: a deleted middle event is a gap at its sequence number', async () => {
    const tenant = await chain();
    assert.equal(await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq = 5`, [tenant]), 1);
    assert.deepEqual(await damage(tenant), [['gap', 5]]);
  });

  test('C3: a deleted first event is a gap at 1', async () => {
    const tenant = await chain(3);
    await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq = 1`, [tenant]);
    assert.deepEqual(await damage(tenant), [['gap', 1]]);
  });

  test('C3: a deleted tail behind the last checkpoint is truncated where the chain now ends', async () => {
    const tenant = await chain(10, 10);
    assert.equal(await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq >= 8`, [tenant]), 3);
    // The attacker also rewinds the head record: the signed checkpoint still shows the cut.
    await tamper(db, `UPDATE custodian.audit_heads h SET seq = 7, hash = e.hash FROM custodian.audit_events e WHERE h.tenant_id = $1 AND e.tenant_id = $1 AND e.seq = 7`, [tenant]);
    assert.deepEqual(await damage(tenant), [['truncated', 8]]);
  });

  test('C3: a deleted tail after the last checkpoint is truncated against the head record', async () => {
    const tenant = await chain(10, 6);
    await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq >= 9`, [tenant]);
    assert.deepEqual(await damage(tenant), [['truncated', 9]]);
  });

  test('C3: two swapped events are content-changed at the first of them', async () => {
    const tenant = await chain();
    for (const [from, to] of [[3, 1000], [6, 3], [1000, 6]]) {
      assert.equal(await tamper(db, `UPDATE custodian.audit_events SET seq = $3 WHERE tenant_id = $1 AND seq = $2`, [tenant, from, to]), 1);
    }
    assert.deepEqual(await damage(tenant), [['content-changed', 3]]);
  });

  test('C3: a forged event with a made-up hash is content-changed; one chained properly is beyond the head', async () => {
    const tenant = await chain(5);
    const forge = (hash: string) =>
      tamper(
        db,
        `INSERT INTO custodian.audit_events (tenant_id, seq, occurred_at, actor_type, actor_id, action, metadata, prev_hash, hash)
         SELECT tenant_id, 6, now(), 'operator', 'op-1', 'operator.read', '{}', hash, ${hash} FROM custodian.audit_events WHERE tenant_id = $1 AND seq = 5`,
        [tenant],
      );
    await forge(`'\\x${'ab'.repeat(32)}'::bytea`);
    assert.deepEqual(await damage(tenant), [['content-changed', 6]]);
    await tamper(db, `DELETE FROM custodian.audit_events WHERE tenant_id = $1 AND seq = 6`, [tenant]);
    await forge(`custodian.audit_event_hash(hash, tenant_id, 6, now(), 'operator', 'op-1', 'operator.read', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}')`);
    assert.deepEqual(await damage(tenant), [['beyond-head', 6]]);
  });

  test('C3: a chain rewritten from the middle, with every hash and the head recomputed, is a fork at the signed checkpoint', async () => {
    const tenant = await chain(10, 8);
    await tamper(db, `UPDATE custodian.audit_events SET purpose = 'rewritten' WHERE tenant_id = $1 AND seq = 5`, [tenant]);
    for (let seq = 5; seq <= 10; seq++) {
      if (seq > 5) await tamper(db, `UPDATE custodian.audit_events e SET prev_hash = p.hash FROM custodian.audit_events p WHERE e.tenant_id = $1 AND p.tenant_id = $1 AND e.seq = $2 AND p.seq = $2 - 1`, [tenant, seq]);
      await tamper(db, `UPDATE custodian.audit_events SET hash = ${REHASH} WHERE tenant_id = $1 AND seq = $2`, [tenant, seq]);
    }
    await tamper(db, `UPDATE custodian.audit_heads h SET hash = e.hash FROM custodian.audit_events e WHERE h.tenant_id = $1 AND e.tenant_id = $1 AND e.seq = 10`, [tenant]);
    assert.deepEqual(await damage(tenant), [['fork', 8]]);
  });

  test('C3: with the checkpoints deleted from the database too, the copies kept outside still show the fork', async () => {
    const tenant = await chain(6, 6);
    const exported = (await listCheckpoints(db, { tenant })).map((c) => ({ tenant: c.tenant, size: c.size, note: c.note }));
    await tamper(db, `DELETE FROM custodian.audit_checkpoints WHERE tenant_id = $1`, [tenant]);
    await tamper(db, `UPDATE custodian.audit_events SET action = 'plan.cancel' WHERE tenant_id = $1 AND seq = 6`, [tenant]);
    await tamper(db, `UPDATE custodian.audit_events SET hash = ${REHASH} WHERE tenant_id = $1 AND seq = 6`, [tenant]);
    await tamper(db, `UPDATE custodian.audit_heads h SET hash = e.hash FROM custodian.audit_events e WHERE h.tenant_id = $1 AND e.tenant_id = $1 AND e.seq = 6`, [tenant]);
    assert.deepEqual(await damage(tenant), [], 'without the copies the rewrite is invisible: see docs/audit.md');
    assert.deepEqual(await damage(tenant, { external: exported }), [['fork', 6]]);
  });

  test('C3: a tenant whose whole chain, head and checkpoints were deleted shows as truncated against the copies kept outside', async () => {
    const tenant = await chain(3, 3);
    const exported = (await listCheckpoints(db, { tenant })).map((c) => ({ tenant: c.tenant, size: c.size, note: c.note }));
    for (const table of ['audit_events', 'audit_heads', 'audit_checkpoints']) await tamper(db, `DELETE FROM custodian.${table} WHERE tenant_id = $1`, [tenant]);
    const report = await verifyAuditLog(db, { keys, external: exported });
    assert.deepEqual(report.tenants.find((t) => t.tenant === tenant)?.problems.map((p) => [p.kind, p.seq]), [['truncated', 1]]);
    assert.equal(report.ok, false);
  });

  test('C3: a checkpoint note changed in the database, or signed by an untrusted key, is a bad signature', async () => {
    const tenant = await chain(4, 4);
    await tamper(db, `UPDATE custodian.audit_checkpoints SET note = replace(note, 'time 20', 'time 19') WHERE tenant_id = $1`, [tenant]);
    assert.deepEqual(await damage(tenant), [['bad-signature', 4]]);
    const other = await chain(3, 3);
    const stranger = checkpointSignerFromSeed(new Secret(Uint8Array.from(randomBytes(32))));
    assert.deepEqual(await damage(other, { keys: [stranger] }), [['bad-signature', 3]]);
    assert.deepEqual(await damage(other, { keys: [stranger, signer] }), []);
  });
});
