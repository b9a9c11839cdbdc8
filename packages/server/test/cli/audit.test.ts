import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAuditAppender } from '@custodian/core/audit';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { hasStackTrace, cliDatabase, runCli, withDatabase } from './run-cli.js';

test(`custodian audit: checkpoint signs each grown chain, verify passes an intact log and names the damage in a tampered one, export keeps copies (${testBackend()})`, { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-audit-cli-'));
  const database = await cliDatabase(dir);
  const flags = database.flags;
  const withDb = <T>(fn: (db: Database) => Promise<T>) => withDatabase(flags, fn, dir);
  try {
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    const audit = createAuditAppender();
    await withDb(async (db) => {
      for (let i = 0; i < 6; i++) await audit.appendCommitted(db, { tenant: 'acme', actor: { type: 'member', id: `m${i}` }, action: 'plan.change', metadata: { i } });
      await audit.appendCommitted(db, { tenant: 'globex', actor: { type: 'operator', id: 'op-1' }, action: 'operator.read' });
    });

    const signed = await runCli(['audit', 'checkpoint', ...flags], { cwd: dir });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(signed.stdout.trim().split('\n').map((l) => l.split('  ').slice(0, 2).join(' ')).join(','), 'acme size 6,globex size 1');
    assert.match(signed.stderr, /development key generated now in \.custodian\/dev-audit-signing-key/);
    const verifierKey = /verifier key: (\S+)/.exec(signed.stderr)![1]!;
    assert.ok(existsSync(join(dir, '.custodian', 'dev-audit-signing-key')));

    const clean = await runCli(['audit', 'verify', ...flags], { cwd: dir });
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stderr, /verified 7 events in 2 tenants/);

    const exported = await runCli(['audit', 'export-checkpoints', '--out', 'copy.json', ...flags], { cwd: dir });
    assert.equal(exported.code, 0, exported.stderr);
    const copy = JSON.parse(readFileSync(join(dir, 'copy.json'), 'utf8')) as { verifierKeys: string[]; checkpoints: { tenant: string; size: number; note: string }[] };
    assert.deepEqual(copy.verifierKeys, [verifierKey]);
    assert.deepEqual(copy.checkpoints.map((c) => [c.tenant, c.size]), [['acme', 6], ['globex', 1]]);

    await withDb((db) =>
      db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query(`DELETE FROM custodian.audit_events WHERE tenant_id = 'acme' AND seq = 3`);
      }),
    );
    const damaged = await runCli(['audit', 'verify', '--json', ...flags], { cwd: dir });
    assert.equal(damaged.code, 1);
    const report = JSON.parse(damaged.stdout) as { ok: boolean; tenants: { tenant: string; problems: { kind: string; seq: number }[] }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.tenants.map((t) => [t.tenant, t.problems.map((p) => `${p.kind}@${p.seq}`)]), [['acme', ['gap@3']], ['globex', []]]);
    assert.match(damaged.stderr, /first gap at sequence 3 \[ERR_AUDIT_VERIFY_FAILED\]/);
    assert.ok(!hasStackTrace(damaged.stderr));

    const human = await runCli(['audit', 'verify', '--checkpoints', 'copy.json', '--key', verifierKey, ...flags], { cwd: dir });
    assert.equal(human.code, 1);
    assert.match(human.stdout, /✗ acme {2}seq 3 {2}gap: event 3 is missing/);
    const other = await runCli(['audit', 'verify', '--tenant', 'globex', ...flags], { cwd: dir });
    assert.equal(other.code, 0, other.stderr);

    for (const args of [['audit', 'rewrite'], ['audit', 'verify', '--out', 'x'], ['audit', 'checkpoint', '--tenant', ''], ['audit', 'verify', '--key', 'not-a-key']]) {
      const r = await runCli([...args, ...flags], { cwd: dir });
      assert.equal(r.code, args.includes('not-a-key') ? 1 : 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(!hasStackTrace(r.stderr));
    }
    const production = await runCli(['audit', 'checkpoint', '--production', ...flags], { cwd: dir });
    assert.equal(production.code, 1);
    assert.match(production.stderr, /\[ERR_KEY_REQUIRED\]/);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
