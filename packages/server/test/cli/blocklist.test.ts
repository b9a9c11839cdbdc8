import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { TENANT_APP_SQL, hasStackTrace, project, runCli, tenantPolicySource, withDatabase } from './run-cli.js';

test('C22: custodian blocklist adds an entry with a reason and an expiry, lists and removes it, audits each change, and refuses bad input without writing', { timeout: 300_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(tenantPolicySource(), TENANT_APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const cli = (...args: string[]) => runCli(['blocklist', ...args, ...flags], { cwd: dir });
    assert.equal((await runCli(['migrate', ...flags], { cwd: dir })).code, 0);

    const added = await cli('add', '203.0.113.7', '--reason', 'credential stuffing, incident 9', '--expires', '12h', '--json');
    assert.equal(added.code, 0, added.stderr);
    const entry = JSON.parse(added.stdout) as { id: string; network: string; reason: string; createdBy: string; createdAt: string; expiresAt: string };
    assert.equal(entry.network, '203.0.113.7/32');
    assert.equal(entry.reason, 'credential stuffing, incident 9');
    assert.match(entry.createdBy, /^system:cli:/);
    assert.equal(Math.round((Date.parse(entry.expiresAt) - Date.parse(entry.createdAt)) / 3600_000), 12);

    const listed = await cli('list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${entry.id}  203\\.0\\.113\\.7/32 +until \\S+  credential stuffing, incident 9`, 'm'));

    // Flag mistakes exit 2 (usage); an entry the blocklist refuses exits 1 with its error code.
    const bad: Array<[string[], number, RegExp]> = [
      [['add', '203.0.113.0/33', '--reason', 'x'], 1, /prefix length.*ERR_BLOCKLIST_ENTRY_INVALID/],
      [['add', '0.0.0.0/0', '--reason', 'x'], 1, /wider than/],
      [['add', '203.0.113.8', '--reason', 'x', '--expires', '2y'], 1, /maxExpiry/],
      [['remove', 'not-an-id'], 1, /UUID/],
      [['add', '203.0.113.8'], 2, /--reason is required/],
      [['add', '203.0.113.8', '--reason', 'x', '--expires', 'soon'], 2, /--expires must be a duration/],
      [['add', '203.0.113.8', '203.0.113.9', '--reason', 'x'], 2, /one address or range/],
      [['frobnicate'], 2, /unknown action/],
    ];
    for (const [args, code, message] of bad) {
      const result = await cli(...args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.ok(!hasStackTrace(result.stderr));
    }

    const removed = await cli('remove', entry.id);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await cli('remove', entry.id)).code, 1, 'nothing in force to remove the second time');
    assert.match((await cli('list')).stderr, /no blocklist entries in force/);
    assert.match((await cli('list', '--all')).stdout, /removed .* by system:cli:/);

    await withDatabase(dbFlags, async (db) => {
      const { rows } = await db.query<{ action: string; target_id: string }>(`SELECT action, target_id FROM custodian.audit_events WHERE tenant_id = '_platform' AND action LIKE 'blocklist.%' ORDER BY seq`);
      assert.deepEqual(rows, [{ action: 'blocklist.added', target_id: entry.id }, { action: 'blocklist.removed', target_id: entry.id }]);
      const count = await db.query<{ n: string }>(`SELECT count(*) AS n FROM custodian.ip_blocks`);
      assert.equal(Number(count.rows[0]!.n), 1, 'refused input wrote nothing');
    }, dir);
  } finally {
    await cleanup();
  }
});
