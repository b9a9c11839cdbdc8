import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP_SQL, hasStackTrace, policySource, project, runCli, withDatabase } from './run-cli.js';

const DAY = 86_400_000;
const ADA = '00000000-0000-4000-8000-000000000001';

test('custodian dsar create, verify, extend, reject, status and list: requests with deadlines, tracked in the audit log; bad input exits 2 without a stack trace', { timeout: 600_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(policySource(), APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const cli = (...args: string[]) => runCli(['dsar', ...args, ...flags], { cwd: dir });
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    await withDatabase(dbFlags, (db) => db.exec(`INSERT INTO users (id, email, name) VALUES ('${ADA}', 'ada@example.com', 'Ada');`), dir);

    // create: found by email in any case, due in 30 days (GDPR), received.
    const created = await cli('create', '--subject', 'user', '--email', ' ADA@example.com', '--kind', 'erasure', '--json');
    assert.equal(created.code, 0, created.stderr);
    const erasure = JSON.parse(created.stdout) as { id: string; status: string; kind: string; person: { key: string }; identity: string; receivedAt: string; deadline: string };
    assert.deepEqual([erasure.status, erasure.kind, erasure.person.key, erasure.identity], ['received', 'erasure', ADA, 'email']);
    assert.equal(Date.parse(erasure.deadline) - Date.parse(erasure.receivedAt), 30 * DAY);

    const objected = await cli('create', '--subject', 'user', '--id', ADA, '--kind', 'objection', '--details', '{"processing":"marketing"}', '--jurisdiction', 'ccpa', '--verified', 'signed-in');
    assert.equal(objected.code, 0, objected.stderr);
    assert.match(objected.stdout, /recorded objection request [0-9a-f-]{36} for user .* — verified, deadline .* \(due in 45 days\)/);
    const objectionId = /request ([0-9a-f-]{36})/.exec(objected.stdout)![1]!;

    // verify, extend (within the limit, then beyond it), status.
    const verified = await cli('verify', erasure.id, '--method', 'email-link', '--json');
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(JSON.parse(verified.stdout).status, 'verified');
    const extended = await cli('extend', erasure.id, '--days', '30', '--reason', 'backups must be searched', '--json');
    assert.equal(extended.code, 0, extended.stderr);
    assert.equal(Date.parse(JSON.parse(extended.stdout).deadline) - Date.parse(erasure.receivedAt), 60 * DAY);
    const tooLong = await cli('extend', erasure.id, '--days', '31', '--reason', 'more');
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, /60 days in all under gdpr.*\[ERR_DSAR_EXTENSION_REFUSED\]/s);

    const status = await cli('status', erasure.id, '--json');
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { request: { status: string; extendedDays: number }; job: unknown; history: Array<{ action: string; actor: { type: string } }> };
    assert.deepEqual(s.history.map((e) => e.action), ['dsar.received', 'dsar.verified', 'dsar.extended']);
    assert.ok(s.history.every((e) => e.actor.type === 'operator'));
    assert.equal(s.request.extendedDays, 30);
    assert.equal(s.job, null);
    const text = await cli('status', erasure.id);
    assert.match(text.stdout, /erasure request/);
    assert.match(text.stdout, /extended by 30 of 60 days: backups must be searched/);
    assert.match(text.stdout, /job\s+not queued/);
    assert.match(text.stdout, /dsar\.extended/);

    // reject: closes it with the reason; the objection's restriction is lifted with it.
    const rejected = await cli('reject', objectionId, '--reason', 'compelling legitimate grounds');
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /rejected objection request .* — rejected/);
    const again = await cli('reject', objectionId, '--reason', 'twice');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /cannot reject a request that is rejected \[ERR_DSAR_TRANSITION\]/);

    // An overdue request, received 40 days ago (written directly: the CLI cannot move the clock).
    await withDatabase(dbFlags, (db) =>
      db.query(
        `INSERT INTO custodian.dsar_requests (tenant_id, subject, subject_key, identity, kind, jurisdiction, received_at, due_at, max_extension_days, updated_at)
         VALUES ('_platform', 'user', $1, 'email', 'access', 'gdpr', now() - interval '40 days', now() - interval '10 days', 60, now())`,
        [ADA],
      ),
    dir);
    const all = await cli('list', '--json');
    assert.equal(all.code, 0, all.stderr);
    const listed = JSON.parse(all.stdout) as Array<{ kind: string; status: string; overdue: boolean }>;
    assert.deepEqual(listed.map((r) => [r.kind, r.status, r.overdue]), [['access', 'received', true], ['objection', 'rejected', false], ['erasure', 'verified', false]], 'by deadline, soonest first');
    const overdueList = await cli('list', '--overdue');
    assert.equal(overdueList.code, 0, overdueList.stderr);
    assert.match(overdueList.stdout, /access\s+received\s+.*OVERDUE by 10 days/);
    assert.equal(overdueList.stdout.trim().split('\n').length, 1);
    const soon = await cli('list', '--due-within', '61', '--json');
    assert.deepEqual((JSON.parse(soon.stdout) as Array<{ kind: string }>).map((r) => r.kind), ['erasure']);
    const byStatus = await cli('list', '--status', 'rejected', '--json');
    assert.deepEqual((JSON.parse(byStatus.stdout) as Array<{ id: string }>).map((r) => r.id), [objectionId]);

    // Failures: a person who is not there, an unknown request, bad input.
    const nobody = await cli('create', '--subject', 'user', '--email', 'nobody@example.com', '--kind', 'access');
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /\[ERR_DSAR_SUBJECT_NOT_FOUND\]/);
    assert.doesNotMatch(nobody.stderr, /nobody@example\.com/, 'the identity value is not echoed');
    const missing = await cli('status', '00000000-0000-4000-8000-00000000dead');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\[ERR_DSAR_NOT_FOUND\]/);
    const noDetails = await cli('create', '--subject', 'user', '--id', ADA, '--kind', 'objection');
    assert.equal(noDetails.code, 1);
    assert.match(noDetails.stderr, /\[ERR_DSAR_REQUEST_INVALID\]/);
    for (const bad of [
      ['create', '--subject', 'user', '--id', ADA],
      ['create', '--subject', 'user', '--id', ADA, '--kind', 'portability'],
      ['create', '--subject', 'user', '--id', ADA, '--kind', 'rectification', '--details', '[1]'],
      ['status'],
      ['verify', erasure.id],
      ['extend', erasure.id, '--days', '0', '--reason', 'x'],
      ['list', '--overdue', '--due-within', '3'],
    ]) {
      const r = await cli(...bad);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
    // None of that changed a request.
    const after = await cli('list', '--json');
    assert.equal((JSON.parse(after.stdout) as unknown[]).length, 3);
  } finally {
    await cleanup();
  }
});
