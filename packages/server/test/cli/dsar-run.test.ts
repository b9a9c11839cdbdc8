import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSmtp, mailText } from '../../../core/test/dsar/smtp.js';
import { APP_SQL, policySource, project, runCli, withDatabase } from './run-cli.js';

const ADA = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';

test('custodian dsar run: a verified access request is exported into the store and its link mailed; a verified erasure request erases the person; both end completed with their results, and nothing is run twice', { timeout: 600_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(policySource(), APP_SQL);
  const smtp = await startSmtp();
  const env = { CUSTODIAN_ROOT_KEY: randomBytes(32).toString('hex') };
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const cli = (...args: string[]) => runCli(['dsar', ...args, ...flags], { cwd: dir, env });
    assert.equal((await runCli(['migrate', ...flags], { cwd: dir })).code, 0);
    await withDatabase(dbFlags, (db) =>
      db.exec(`INSERT INTO users (id, email, name) VALUES ('${ADA}', 'ada@example.com', 'Ada'), ('${BOB}', 'bob@example.com', 'Bob');
        INSERT INTO notes (user_id, body) SELECT u, 'note ' || g FROM unnest(ARRAY['${ADA}', '${BOB}']::uuid[]) u, generate_series(1, 50) g;`),
    );
    const created = async (kind: string) => {
      const r = await cli('create', '--subject', 'user', '--id', ADA, '--kind', kind, '--verified', 'signed-in', '--json');
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { id: string }).id;
    };

    // Access: exported into the store, the link mailed to the person's address, the request completed.
    const access = await created('access');
    const store = join(dir, 'exports');
    const ran = await cli('run', access, '--store', store, '--smtp-url', smtp.url, '--base-url', 'https://privacy.notes.example', '--json');
    assert.equal(ran.code, 0, ran.stderr);
    const out = JSON.parse(ran.stdout) as { jobs: Array<{ outcome: string }>; requests: Array<{ id: string; status: string; result: { artifact: string; mailed: boolean; linkExpiresAt: string } }> };
    assert.deepEqual(out.jobs.map((j) => j.outcome), ['succeeded']);
    const done = out.requests[0]!;
    assert.equal(done.status, 'completed');
    assert.equal(done.result.mailed, true);
    assert.ok(Math.abs(Date.parse(done.result.linkExpiresAt) - Date.now() - 7 * 86_400_000) < 60_000, 'B5: the link works for 7 days');
    assert.equal(smtp.mails.length, 1);
    assert.deepEqual(smtp.mails[0]!.to, ['ada@example.com']);
    assert.match(mailText(smtp.mails[0]!.raw), /https:\/\/privacy\.notes\.example\/v1\/exports\?token=[A-Za-z0-9_.-]+/);
    assert.ok(!/note \d/.test(smtp.mails[0]!.raw), 'the mail carries the link, never the data');
    const file = readdirSync(store, { recursive: true, encoding: 'utf8' }).map((f) => join(store, f)).find((f) => f.endsWith(done.result.artifact))!;
    assert.ok(file && existsSync(file));
    const doc = readFileSync(file, 'utf8');
    assert.ok(doc.includes('ada@example.com') && !doc.includes('bob@example.com'));

    // Erasure: the person erased by the queue, the request completed with the counts.
    const erasure = await created('erasure');
    const erased = await cli('run', erasure, '--json');
    assert.equal(erased.code, 0, erased.stderr);
    const result = (JSON.parse(erased.stdout) as { requests: Array<{ status: string; result: { rows: number } }> }).requests[0]!;
    assert.equal(result.status, 'completed');
    assert.equal(result.result.rows, 51, 'the user row and 50 notes');
    await withDatabase(dbFlags, async (db) => {
      const { rows } = await db.query<{ email: string; notes: number }>(`SELECT email, (SELECT count(*)::int FROM notes WHERE user_id = u.id) AS notes FROM users u WHERE id = $1`, [ADA]);
      assert.match(rows[0]!.email, /^deleted-[0-9a-f-]{36}@deleted\.invalid$/);
      assert.equal(rows[0]!.notes, 0);
      const bob = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notes WHERE user_id = $1`, [BOB]);
      assert.equal(bob.rows[0]!.n, 50, 'nobody else’s rows');
    });

    // Nothing is left to run; a finished request is not queued again.
    const idle = await cli('run');
    assert.equal(idle.code, 0, idle.stderr);
    assert.match(idle.stderr, /no request was due/);
    const again = await cli('run', erasure);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /ERR_DSAR_TRANSITION/);
  } finally {
    await smtp.close();
    await cleanup();
  }
});

