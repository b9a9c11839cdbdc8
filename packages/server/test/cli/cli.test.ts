import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { testBackend } from '@custodian/core/testing';
import { APP_SQL, hasStackTrace, policySource, project, runCli } from './run-cli.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'custodian-cli-'));

describe('custodian command line', () => {
  test('--help lists the commands; no command at all is a usage error', async () => {
    const help = await runCli(['--help'], { cwd: scratch() });
    assert.equal(help.code, 0);
    for (const c of ['init', 'migrate', 'check', 'serve', 'demo']) assert.match(help.stderr, new RegExp(`\\b${c}\\b`));
    const none = await runCli([], { cwd: scratch() });
    assert.equal(none.code, 2);
  });

  test('an unknown command or flag is one line with a hint and exit code 2', async () => {
    const unknown = await runCli(['frobnicate'], { cwd: scratch() });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate" \[ERR_CONFIG_INVALID\]\n  hint: one of/);
    const flag = await runCli(['check', '--polcy', 'x.ts'], { cwd: scratch() });
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /custodian check: .*--polcy.*\[ERR_CONFIG_INVALID\]/);
    assert.ok(!hasStackTrace(flag.stderr));
  });

  test('a bad number is refused before any work', async () => {
    const r = await runCli(['demo', '--subjects=-5', '--no-serve'], { cwd: scratch() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--subjects must be a whole number/);
  });

  test(`migrate applies Custodian's and the app's migrations once (${testBackend()})`, async () => {
    const p = await project(policySource(), APP_SQL);
    try {
      const first = await runCli(['migrate', '--json', ...p.dbFlags], { cwd: p.dir });
      assert.equal(first.code, 0, first.stderr);
      const out = JSON.parse(first.stdout) as { applied: string[] };
      assert.ok(out.applied.includes('app/0001_app.sql'));
      assert.ok(out.applied.some((id) => id.startsWith('core/')));
      const second = await runCli(['migrate', ...p.dbFlags], { cwd: p.dir });
      assert.equal(second.code, 0);
      assert.match(second.stderr, /up to date/);
      const status = await runCli(['migrate', '--status', '--json', ...p.dbFlags], { cwd: p.dir });
      assert.ok((JSON.parse(status.stdout) as { applied: boolean }[]).every((s) => s.applied));
    } finally {
      await p.cleanup();
    }
  });

  test(`check passes a fitting policy and fails a broken one with the column named (${testBackend()})`, async () => {
    const p = await project(policySource(), APP_SQL);
    try {
      assert.equal((await runCli(['migrate', ...p.dbFlags], { cwd: p.dir })).code, 0);
      const ok = await runCli(['check', ...p.dbFlags], { cwd: p.dir });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      writeFileSync(join(p.dir, 'custodian.config.ts'), policySource({ emailErase: `{ action: 'set-null' }` }));
      const bad = await runCli(['check', ...p.dbFlags], { cwd: p.dir });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /tables\.users\.columns\.email/);
      assert.match(bad.stdout, /NOT NULL/);
      const json = await runCli(['check', '--json', ...p.dbFlags], { cwd: p.dir });
      const report = JSON.parse(json.stdout) as { ok: boolean; problems: { path: string; severity: string }[] };
      assert.equal(report.ok, false);
      assert.ok(report.problems.some((x) => x.path.startsWith('tables.users.columns.email') && x.severity === 'error'));
    } finally {
      await p.cleanup();
    }
  });

  test('an invalid policy file lists every problem with its path, exit 1, no stack trace', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'custodian.config.ts'), policySource({ emailErase: `{ action: 'pseudonymise' }` }).replace("effectiveDate: '2026-12-01'", "effectiveDate: 'soon'"));
    const r = await runCli(['check', '--data-dir', join(dir, 'db')], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /custodian\.config\.ts: policy has 2 problems \[ERR_POLICY_INVALID\]/);
    assert.match(r.stderr, /✗ effectiveDate: /);
    assert.match(r.stderr, /✗ tables\.users\.columns\.email\.erase\.action: .*pseudonymize/);
    assert.ok(!hasStackTrace(r.stderr));
  });

  test('commands other than migrate refuse a folder that holds no database instead of creating one', async () => {
    const p = await project(policySource(), APP_SQL);
    try {
      const r = await runCli(['check', '--data-dir', 'no-such-db'], { cwd: p.dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no embedded database in .*no-such-db \[ERR_DB_NOT_FOUND\]/);
      assert.ok(!existsSync(join(p.dir, 'no-such-db')));
    } finally {
      await p.cleanup();
    }
  });

  test('a missing policy file says how to create one', async () => {
    const r = await runCli(['check'], { cwd: scratch() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /policy file not found: custodian\.config\.ts \[ERR_POLICY_LOAD_FAILED\]\n  hint: .*custodian init/);
  });

  test(`init writes a policy that flags personal columns and refuses to overwrite (${testBackend()})`, async () => {
    const p = await project(policySource(), APP_SQL);
    try {
      assert.equal((await runCli(['migrate', ...p.dbFlags], { cwd: p.dir })).code, 0);
      const r = await runCli(['init', '--out', 'generated.config.ts', ...p.dbFlags], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const source = readFileSync(join(p.dir, 'generated.config.ts'), 'utf8');
      assert.match(source, /definePolicy/);
      assert.match(source, /email/);
      assert.match(r.stderr, /users\.email/);
      const again = await runCli(['init', '--out', 'generated.config.ts', ...p.dbFlags], { cwd: p.dir });
      assert.equal(again.code, 2);
      assert.match(again.stderr, /exists already/);
    } finally {
      await p.cleanup();
    }
  });

  test('production mode refuses to serve without a root key', async () => {
    const p = await project(policySource(), APP_SQL);
    try {
      assert.equal((await runCli(['migrate', ...p.dbFlags], { cwd: p.dir })).code, 0);
      const r = await runCli(['serve', '--production', '--port', '0', ...p.dbFlags], { cwd: p.dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /production mode needs CUSTODIAN_ROOT_KEY \[ERR_KEY_REQUIRED\]/);
    } finally {
      await p.cleanup();
    }
  });

  test('serve refuses to start while migrations are pending', async () => {
    const p = await project(policySource(), APP_SQL);
    try {
      assert.equal((await runCli(['migrate', ...p.dbFlags], { cwd: p.dir })).code, 0);
      writeFileSync(join(p.dir, 'migrations', '0002_more.sql'), 'CREATE TABLE more (id int);');
      const r = await runCli(['serve', '--port', '0', ...p.dbFlags], { cwd: p.dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /1 migration\(s\) are not applied.*\[ERR_MIGRATION_PENDING\]\n  hint: run `custodian migrate` first/);
    } finally {
      await p.cleanup();
    }
  });

  test('demo --no-serve creates and seeds an embedded database once, then reuses it', async () => {
    const dir = scratch();
    const first = await runCli(['demo', '--subjects', '20', '--no-serve', '--data-dir', 'demo-db'], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /seeding hiring-assessments with 20 subjects: done in/);
    assert.ok(existsSync(join(dir, 'demo-db')));
    const second = await runCli(['demo', '--subjects', '20', '--no-serve', '--data-dir', 'demo-db'], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(second.code, 0);
    assert.match(second.stderr, /seeded earlier/);
    const other = await runCli(['demo', '--example', 'app-platform', '--no-serve', '--data-dir', 'demo-db'], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(other.code, 2);
    assert.match(other.stderr, /holds the "hiring-assessments" demo/);
  });
});
