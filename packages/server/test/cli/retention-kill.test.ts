import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Database } from '@custodian/core/db';
import { BIN, TENANT_APP_SQL, project, runCli, tenantPolicySource, withDatabase } from './run-cli.js';

const MEMBER = '00000000-0000-4000-8000-00000000000a';
const DUE = 60_000;
const KEPT = 1_000;

/** Runs the CLI and SIGKILLs it after `ms`; resolves with whether the kill landed before it exited. */
function runAndKillAfter(args: string[], cwd: string, ms: number): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', stderr: `${stderr}\n(exit ${code ?? signal})` });
    });
  });
}

async function reset(db: Database): Promise<void> {
  await db.exec(`
    DELETE FROM messages;
    INSERT INTO messages (workspace_id, member_id, body, created_at)
      SELECT 'acme', '${MEMBER}', 'old ' || g, now() - interval '100 days' - g * interval '1 second' FROM generate_series(1, ${DUE}) g;
    INSERT INTO messages (workspace_id, member_id, body, created_at)
      SELECT 'acme', '${MEMBER}', 'new ' || g, now() - interval '10 days' FROM generate_series(1, ${KEPT}) g;`);
}

/** What is left: the count of each kind of message. */
async function left(db: Database): Promise<string> {
  const { rows } = await db.query<{ old: number; new: number }>(
    `SELECT count(*) FILTER (WHERE body LIKE 'old %')::int AS old, count(*) FILTER (WHERE body LIKE 'new %')::int AS new FROM messages`,
  );
  return `old ${rows[0]!.old}, new ${rows[0]!.new}`;
}

test('a retention run killed (SIGKILL) at a random moment leaves every batch whole, and the next run finishes exactly the due rows', { timeout: 900_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(tenantPolicySource(), TENANT_APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    await withDatabase(dbFlags, (db) => db.exec(`INSERT INTO workspaces VALUES ('acme', 'Acme'); INSERT INTO members (id, workspace_id, email) VALUES ('${MEMBER}', 'acme', 'ada@example.com');`), dir);
    // A short lease: a killed runner's claim on the rule runs out before the next run, as it would after a minute by default.
    const run = ['retention', 'run', '--rule', 'messages-90d', '--lease', '2s', ...flags];

    // A clean run, timed, to aim the kills inside a run's span.
    await withDatabase(dbFlags, reset, dir);
    const started = Date.now();
    const clean = await runCli(run, { cwd: dir });
    const span = Date.now() - started;
    assert.equal(clean.code, 0, clean.stderr);
    const expected = `old 0, new ${KEPT}`;
    assert.equal(await withDatabase(dbFlags, left, dir), expected);

    let midway = 0;
    for (let trial = 0; trial < 8; trial++) {
      await withDatabase(dbFlags, reset, dir);
      const killed = await runAndKillAfter(run, dir, Math.floor(Math.random() * span));
      // Whatever the kill interrupted, what is left is whole batches: never a kept row gone.
      const after = await withDatabase(dbFlags, left, dir);
      assert.match(after, new RegExp(`new ${KEPT}$`), `trial ${trial}: a row not yet due was deleted\n${killed.stderr}`);
      if (killed.killed && after !== expected) midway++;
      await new Promise((resolve) => setTimeout(resolve, 2_200));
      const resumed = await runCli(run, { cwd: dir });
      assert.equal(resumed.code, 0, `trial ${trial}: ${resumed.stderr}`);
      assert.equal(await withDatabase(dbFlags, left, dir), expected, `trial ${trial}: the resumed run ends as a clean run does`);
    }
    assert.ok(midway >= 2, `some kills landed mid-sweep (${midway} of 8)`);
  } finally {
    await cleanup();
  }
});
