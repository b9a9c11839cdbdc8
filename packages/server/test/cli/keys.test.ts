import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { openPGlite } from '@custodian/core/db';
import { runCli } from './run-cli.js';

const POLICY = fileURLToPath(new URL('../../../../examples/hiring-assessments/custodian.config.ts', import.meta.url));

interface KeyRow {
  id: string;
  scope: string;
  scopeId: string | null;
  state: string;
  values: number;
}

test('custodian keys: status counts the stored values under each key, rotate moves a scope to a new key, retire refuses a key in use, reencrypt moves its values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-keys-'));
  const flags = ['--policy', POLICY, '--data-dir', 'db'];
  const seeded = await runCli(['demo', '--subjects', '300', '--no-serve', '--data-dir', 'db'], { cwd: dir, timeoutMs: 120_000 });
  assert.equal(seeded.code, 0, seeded.stderr);

  const status = async () => {
    const r = await runCli(['keys', 'status', '--json', ...flags], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as KeyRow[];
  };
  const before = await status();
  const db = await openPGlite({ dataDir: join(dir, 'db') });
  const stored = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customer_api_keys')).rows[0]!.n;
  await db.close();
  assert.ok(stored > 0);
  assert.equal(before.reduce((n, k) => n + k.values, 0), stored, 'every stored API key is counted under the key its envelope names');
  assert.ok(before.every((k) => k.scope === 'tenant' && k.state === 'active'));

  const target = before.find((k) => k.values > 0)!;
  const rotated = await runCli(['keys', 'rotate', '--scope', 'tenant', '--id', target.scopeId!, '--json', ...flags], { cwd: dir });
  assert.equal(rotated.code, 0, rotated.stderr);
  const { previous, active } = JSON.parse(rotated.stdout) as { previous: string; active: string };
  assert.equal(previous, target.id);
  const after = await status();
  assert.equal(after.find((k) => k.id === target.id)?.state, 'decrypt-only');
  assert.equal(after.find((k) => k.id === active)?.state, 'active');
  assert.equal(after.find((k) => k.id === target.id)?.values, target.values, 'rotation alone leaves the values where they are');

  const retire = await runCli(['keys', 'retire', '--key', target.id, ...flags], { cwd: dir });
  assert.equal(retire.code, 1);
  assert.match(retire.stderr, /\[ERR_KEY_RETIRE_REFUSED\]/);
  assert.equal((await status()).find((k) => k.id === target.id)?.state, 'decrypt-only');

  // Re-encryption moves the values to the new key; nothing stays under the old one.
  const moved = await runCli(['keys', 'reencrypt', ...flags], { cwd: dir });
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stderr, /re-encrypting values under .*100% \(/s);
  const finalStatus = await status();
  assert.equal(finalStatus.find((k) => k.id === target.id)?.values, 0);
  assert.equal(finalStatus.find((k) => k.id === active)?.values, target.values);

  const usage = await runCli(['keys', 'rotate', '--scope', 'root', '--id', 'x', ...flags], { cwd: dir });
  assert.equal(usage.code, 2);
});
