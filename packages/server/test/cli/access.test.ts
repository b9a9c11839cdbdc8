import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { acceptInvite, signIn } from '@custodian/core/auth';
import { TENANT_APP_SQL, hasStackTrace, project, runCli, tenantPolicySource, withDatabase } from './run-cli.js';

test('C20: custodian access invite seats a tenant\'s first owner with a one-time token stored only as its hash; operator add needs an existing account; bad flags exit 2', { timeout: 300_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(tenantPolicySource(), TENANT_APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const cli = (...args: string[]) => runCli(['access', ...args, ...flags], { cwd: dir });
    assert.equal((await runCli(['migrate', ...flags], { cwd: dir })).code, 0);

    const invited = await cli('invite', '--tenant', 'acme', '--email', 'Owner@Example.com', '--json');
    assert.equal(invited.code, 0, invited.stderr);
    const { token, id } = JSON.parse(invited.stdout) as { token: string; id: string };
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    await withDatabase(dbFlags, async (db) => {
      const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(i)::text AS row FROM custodian.invites i WHERE id = $1`, [id]);
      assert.equal(rows.length, 1);
      assert.ok(!rows[0]!.row.includes(token), 'the token itself is never stored');
      const { account } = await signIn(db, { issuer: 'development', subject: 'owner', email: 'owner@example.com', name: null }, { ttlSeconds: 3600 });
      assert.deepEqual(await acceptInvite(db, token, account), { tenant: 'acme', role: 'owner' });
    }, dir);

    const members = await cli('members', '--tenant', 'acme');
    assert.equal(members.code, 0, members.stderr);
    assert.match(members.stdout, /^owner +[0-9a-f-]{36} owner@example\.com$/m);

    const unknown = await cli('operator', 'add', '--email', 'nobody@example.com');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no live account has that email/);
    const made = await cli('operator', 'add', '--email', 'owner@example.com');
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /made operator/);

    for (const bad of [['invite', '--tenant', 'acme', '--email', 'x@example.com', '--role', 'god'], ['invite', '--email', 'x@example.com'], ['frobnicate'], ['operator', 'promote']]) {
      const result = await cli(...bad);
      assert.equal(result.code, 2, `${bad.join(' ')}: ${result.stderr}`);
      assert.ok(!hasStackTrace(result.stderr));
    }
  } finally {
    await cleanup();
  }
});
