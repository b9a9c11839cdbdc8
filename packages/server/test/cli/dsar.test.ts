import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP_SQL, hasStackTrace, policySource, project, runCli, withDatabase } from './run-cli.js';

test('custodian dsar plan: finds a person by email in any case, counts their rows per table and lists the statements, changing nothing; bad flags exit 2', async () => {
  const { dir, dbFlags, cleanup } = await project(policySource(), APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    await withDatabase(dbFlags, (db) =>
      db.exec(`INSERT INTO users (id, email, name) VALUES ('00000000-0000-4000-8000-000000000001', 'ada@example.com', 'Ada'), ('00000000-0000-4000-8000-000000000002', 'bob@example.com', 'Bob');
        INSERT INTO notes (user_id, body) SELECT '00000000-0000-4000-8000-000000000001', 'note ' || g FROM generate_series(1, 3) g;
        INSERT INTO notes (user_id, body) VALUES ('00000000-0000-4000-8000-000000000002', 'bob''s');`),
    );
    const plan = await runCli(['dsar', 'plan', '--subject', 'user', '--email', '  ADA@Example.com', '--json', ...flags], { cwd: dir });
    assert.equal(plan.code, 0, plan.stderr);
    const [p] = JSON.parse(plan.stdout) as Array<{ subject: { key: string }; tables: Array<{ table: string; rows: number; fate: string }>; steps: Array<{ table: string; kind: string }> }>;
    assert.equal(p!.subject.key, '00000000-0000-4000-8000-000000000001');
    assert.deepEqual(p!.tables.map((t) => [t.table, t.rows, t.fate]), [['users', 1, 'update'], ['notes', 3, 'delete']]);
    assert.deepEqual(p!.steps.map((s) => [s.kind, s.table]), [['update', 'users'], ['delete', 'notes']]);

    const text = await runCli(['dsar', 'plan', '--subject', 'user', '--email', 'ada@example.com', ...flags], { cwd: dir });
    assert.match(text.stdout, /users\s+1 rows\s+update\s+email: pseudonymize, name: set-null/);
    assert.match(text.stdout, /nothing was changed/);
    const none = await runCli(['dsar', 'plan', '--subject', 'user', '--email', 'nobody@example.com', ...flags], { cwd: dir });
    assert.equal(none.code, 0);
    assert.match(none.stderr, /no user has that email/);

    for (const bad of [['dsar', 'plan', '--email', 'x'], ['dsar', 'plan', '--subject', 'user'], ['dsar', 'plan', '--subject', 'user', '--id', '1', '--email', 'x'], ['dsar', 'plan', '--subject', 'usr', '--id', '1']]) {
      const r = await runCli([...bad, ...flags], { cwd: dir });
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.ok(!hasStackTrace(r.stderr));
    }
    // Nothing was changed by any of it.
    const { rows } = await withDatabase(dbFlags, (db) =>
      db.query<{ n: number }>(`SELECT (SELECT count(*) FROM notes)::int + (SELECT count(*) FROM users WHERE email LIKE '%@example.com')::int AS n`),
    );
    assert.equal(rows[0]!.n, 6);
  } finally {
    await cleanup();
  }
});
