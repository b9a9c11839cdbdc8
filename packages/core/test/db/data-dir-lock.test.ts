import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openPGlite } from '@custodian/core/db';

test('an embedded database folder opens in one process at a time; a stale lock is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-lock-'));
  // A live process other than us holds the lock.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    writeFileSync(join(dir, 'custodian.lock'), String(holder.pid));
    await assert.rejects(openPGlite({ dataDir: dir }), (e: Error & { code?: string }) => e.code === 'ERR_DB_LOCKED' && e.message.includes(String(holder.pid)));
  } finally {
    holder.kill();
  }
  // The holder is gone: its lock is stale.
  await new Promise((r) => holder.once('exit', r));
  const db = await openPGlite({ dataDir: dir });
  await assert.rejects(openPGlite({ dataDir: dir }), (e: Error & { code?: string }) => e.code === 'ERR_DB_LOCKED');
  await db.close();
  assert.equal(existsSync(join(dir, 'custodian.lock')), false);
});

test('mustExist refuses a folder without a database and creates nothing', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'custodian-lock-')), 'absent');
  await assert.rejects(openPGlite({ dataDir: dir, mustExist: true }), (e: Error & { code?: string }) => e.code === 'ERR_DB_NOT_FOUND');
  assert.equal(existsSync(dir), false);
});
