import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addMember, signIn } from '@custodian/core/auth';
import { addBlock, auditBruteForceBlock, Blocklist, listBlocks, removeBlock, tenantsSeenFrom, type BlockEntry } from '@custodian/core/limits';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { code, openAuthDatabase } from '../auth/helpers.js';

const BOUNDS = { defaultSeconds: 30 * 86400, maxSeconds: 365 * 86400 };
const cli = { type: 'system' as const, id: 'cli:test' };

async function events(db: TestDatabase, tenant: string, action: string) {
  const { rows } = await db.query<{ actor_id: string; target_id: string; metadata: string; ip: string | null }>(
    `SELECT actor_id, target_id, metadata::text AS metadata, host(ip) AS ip FROM custodian.audit_events WHERE tenant_id = $1 AND action = $2 ORDER BY seq`,
    [tenant, action],
  );
  return rows.map((r) => ({ ...r, metadata: JSON.parse(r.metadata) as Record<string, unknown> }));
}

describe(`the IP blocklist (${testBackend()})`, () => {
  let db: TestDatabase;
  before(async () => {
    db = await openAuthDatabase();
    // A member of ws-near signed in from 203.0.113.50; a member of ws-far from elsewhere.
    const near = await signIn(db, { issuer: 'https://idp.example', subject: 'near', email: 'near@example.com', name: null }, { ttlSeconds: 3600, ip: '203.0.113.50' });
    const far = await signIn(db, { issuer: 'https://idp.example', subject: 'far', email: 'far@example.com', name: null }, { ttlSeconds: 3600, ip: '192.0.2.1' });
    await addMember(db, 'ws-near', { accountId: near.account.id, role: 'owner', by: 'test' });
    await addMember(db, 'ws-far', { accountId: far.account.id, role: 'owner', by: 'test' });
  });
  after(() => db.close());

  test('C22: an entry is added with a reason and an expiry, audited for the platform and for tenants whose members used that network', async () => {
    const entry = await addBlock(db, { network: '203.0.113.0/24', reason: 'credential stuffing, incident 114', expiresInSeconds: 3600, actor: cli }, BOUNDS);
    assert.equal(entry.network, '203.0.113.0/24');
    assert.equal(entry.createdBy, 'system:cli:test');
    const hours = (entry.expiresAt.getTime() - entry.createdAt.getTime()) / 3600_000;
    assert.ok(Math.abs(hours - 1) < 0.01, String(hours));
    const platform = await events(db, '_platform', 'blocklist.added');
    assert.equal(platform.length, 1);
    assert.equal(platform[0]!.target_id, entry.id);
    assert.deepEqual(platform[0]!.metadata, { network: '203.0.113.0/24', reason: 'credential stuffing, incident 114', expiresAt: entry.expiresAt.toISOString() });
    // The tenant half: ws-near sees it on its own audit page, ws-far does not.
    assert.equal((await events(db, 'ws-near', 'security.ip_blocked')).length, 1);
    assert.equal((await events(db, 'ws-far', 'security.ip_blocked')).length, 0);
    assert.deepEqual(await tenantsSeenFrom(db, '203.0.113.0/24'), ['ws-near']);

    const removed = await removeBlock(db, { id: entry.id, actor: { type: 'operator', id: '00000000-0000-4000-8000-00000000000a' } });
    assert.equal(removed?.removedBy, 'operator:00000000-0000-4000-8000-00000000000a');
    assert.equal((await events(db, '_platform', 'blocklist.removed')).length, 1);
    assert.equal((await events(db, 'ws-near', 'security.ip_unblocked')).length, 1);
    // Removing twice finds nothing in force; the row stays for the record.
    assert.equal(await removeBlock(db, { id: entry.id, actor: cli }), null);
    assert.equal((await listBlocks(db)).some((e) => e.id === entry.id), false);
    assert.equal((await listBlocks(db, { all: true })).some((e) => e.id === entry.id), true);
  });

  test('C22: malformed entries are refused with a clear error and change nothing', async () => {
    const before = (await listBlocks(db, { all: true })).length;
    const auditBefore = (await events(db, '_platform', 'blocklist.added')).length;
    const cases: Array<[Parameters<typeof addBlock>[1], RegExp]> = [
      [{ network: '203.0.113.0/33', reason: 'r', actor: cli }, /prefix length/],
      [{ network: 'example.com', reason: 'r', actor: cli }, /IP address/],
      [{ network: '0.0.0.0/0', reason: 'r', actor: cli }, /wider than/],
      [{ network: '203.0.113.1', reason: '   ', actor: cli }, /needs a reason/],
      [{ network: '203.0.113.1', reason: 'x'.repeat(501), actor: cli }, /longer than 500/],
      [{ network: '203.0.113.1', reason: 'r', expiresInSeconds: 0, actor: cli }, /future/],
      [{ network: '203.0.113.1', reason: 'r', expiresInSeconds: 2 * 365 * 86400, actor: cli }, /maxExpiry/],
    ];
    for (const [input, message] of cases) {
      await assert.rejects(addBlock(db, input, BOUNDS), (e: Error) => code('ERR_BLOCKLIST_ENTRY_INVALID')(e) && message.test(e.message));
    }
    await assert.rejects(removeBlock(db, { id: 'not-a-uuid', actor: cli }), code('ERR_BLOCKLIST_ENTRY_INVALID'));
    assert.equal((await listBlocks(db, { all: true })).length, before);
    assert.equal((await events(db, '_platform', 'blocklist.added')).length, auditBefore);
  });

  test('C22: the in-memory list blocks what the database holds in force, and lets expired entries go', async () => {
    const a = await addBlock(db, { network: '198.51.100.7', reason: 'abuse', actor: cli }, BOUNDS);
    const b = await addBlock(db, { network: '2001:db8:5::/48', reason: 'abuse', expiresInSeconds: 60, actor: cli }, BOUNDS);
    assert.equal(a.expiresAt.getTime() - a.createdAt.getTime(), 30 * 86400 * 1000, 'the default expiry');
    const list = new Blocklist();
    await list.refresh(db);
    assert.equal(list.check('198.51.100.7')?.id, a.id);
    assert.equal(list.check('::ffff:198.51.100.7')?.id, a.id);
    assert.equal(list.check('2001:db8:5:1::9')?.id, b.id);
    assert.equal(list.check('198.51.100.8'), undefined);
    assert.equal(list.check(undefined), undefined);
    // An entry past its expiry stops blocking even before the next reload.
    assert.equal(list.check('2001:db8:5:1::9', b.expiresAt.getTime() + 1), undefined);
    // Entries handed over already expired or removed are not loaded at all.
    const stale: BlockEntry = { ...a, id: 'x', network: '192.0.2.9/32', expiresAt: new Date(Date.now() - 1000) };
    const gone: BlockEntry = { ...a, id: 'y', network: '192.0.2.10/32', removedAt: new Date(), removedBy: 'cli' };
    list.load([stale, gone]);
    assert.equal(list.size, 0);
    await removeBlock(db, { id: a.id, actor: cli });
    await removeBlock(db, { id: b.id, actor: cli });
  });

  test('C23: a brute-force block is audited in the platform chain and in each affected tenant\'s chain, all or nothing', async () => {
    await auditBruteForceBlock(db, { block: { scope: 'ip', key: '203.0.113.50', level: 2, seconds: 7200 }, routeClass: 'invite-lookup', ip: '203.0.113.50', userAgent: 'curl/8', tenants: ['ws-invite'] });
    const platform = await events(db, '_platform', 'security.brute_force_blocked');
    assert.equal(platform.length, 1);
    assert.deepEqual(platform[0]!.metadata, { routeClass: 'invite-lookup', scope: 'ip', key: '203.0.113.50', level: 2, blockedForSeconds: 7200 });
    assert.equal(platform[0]!.ip, '203.0.113.50');
    // ws-near: its member signed in from that address; ws-invite: named by the caller (an invite's tenant).
    assert.equal((await events(db, 'ws-near', 'security.brute_force_blocked')).length, 1);
    assert.equal((await events(db, 'ws-invite', 'security.brute_force_blocked')).length, 1);
    assert.equal((await events(db, 'ws-far', 'security.brute_force_blocked')).length, 0);
  });
});
