import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAuditAppender } from '@custodian/core/audit';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { hasStackTrace, cliDatabase, runCli, withDatabase } from './run-cli.js';

test(`C6, B3: custodian audit archive moves old events into segments, show still finds them by id, export writes CSV and verify passes (${testBackend()})`, { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-audit-archive-cli-'));
  const database = await cliDatabase(dir);
  const flags = database.flags;
  const withDb = <T>(fn: (db: Database) => Promise<T>) => withDatabase(flags, fn, dir);
  try {
    assert.equal((await runCli(['migrate', ...flags], { cwd: dir })).code, 0);
    const audit = createAuditAppender();
    const now = Date.now();
    await withDb(async (db) => {
      for (let i = 1; i <= 8; i++) {
        const at = new Date(now - (i <= 5 ? 1000 - i : 10 - i) * 86_400_000); // 1–5 nearly three years old, 6–8 recent
        await audit.appendCommitted(db, { tenant: 'acme', actor: { type: 'member', id: `m${i}` }, action: 'plan.change', userAgent: i === 7 ? '=cmd|calc' : 'ua', metadata: { i }, at });
      }
    });
    const archived = await runCli(['audit', 'archive', '--older-than', '2y', '--json', ...flags], { cwd: dir });
    assert.equal(archived.code, 0, archived.stderr);
    const segments = JSON.parse(archived.stdout) as Array<{ tenant: string; from: number; to: number; location: string }>;
    assert.deepEqual(segments.map((s) => [s.tenant, s.from, s.to]), [['acme', 1, 5]]);
    const segment = readFileSync(join(dir, '.custodian', 'audit-archive', segments[0]!.location), 'utf8');
    assert.equal(segment.trimEnd().split('\n').length, 5);

    const shown = await runCli(['audit', 'show', '--tenant', 'acme', '--seq', '3', ...flags], { cwd: dir });
    assert.equal(shown.code, 0, shown.stderr);
    const event = JSON.parse(shown.stdout) as { seq: number; actor: { id: string }; archived?: { from: number; to: number } };
    assert.deepEqual([event.seq, event.actor.id, event.archived?.from, event.archived?.to], [3, 'm3', 1, 5]);
    const missing = await runCli(['audit', 'show', '--tenant', 'acme', '--seq', '99', ...flags], { cwd: dir });
    assert.equal(missing.code, 1);

    const exported = await runCli(['audit', 'export', '--tenant', 'acme', '--format', 'csv', '--out', 'acme.csv', ...flags], { cwd: dir });
    assert.equal(exported.code, 0, exported.stderr);
    const csv = readFileSync(join(dir, 'acme.csv'), 'utf8').trimEnd().split('\r\n');
    // The header, events 6–8, and the audit.archive event the archiving appended.
    assert.equal(csv.length, 5);
    assert.ok(csv[0]!.startsWith('tenant,seq,occurred_at'));
    assert.ok(csv.some((l) => l.includes(`"'=cmd|calc"`)), 'a formula-looking cell is defused');
    assert.ok(csv.some((l) => l.includes('audit.archive')));

    const verified = await runCli(['audit', 'verify', ...flags], { cwd: dir });
    assert.equal(verified.code, 0, verified.stderr);
    for (const bad of [['audit', 'export'], ['audit', 'export', '--tenant', 'acme', '--format', 'xml'], ['audit', 'archive', '--older-than', 'soon'], ['audit', 'show', '--tenant', 'acme', '--seq', '-1']]) {
      const r = await runCli([...bad, ...flags], { cwd: dir });
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.ok(!hasStackTrace(r.stderr));
    }
  } finally {
    await database.close();
  }
});
