import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRestricted } from '@custodian/core/dsar';
import { APP_SQL, policySource, project, runCli, withDatabase } from './run-cli.js';

const ADA = '00000000-0000-4000-8000-000000000001';

test('C12: custodian dsar complete closes a rectification done by hand with a note; dsar lift ends a restriction, and processing may resume', { timeout: 600_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(policySource(), APP_SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const cli = (...args: string[]) => runCli(['dsar', ...args, ...flags], { cwd: dir });
    assert.equal((await runCli(['migrate', ...flags], { cwd: dir })).code, 0);
    await withDatabase(dbFlags, (db) => db.exec(`INSERT INTO users (id, email, name) VALUES ('${ADA}', 'ada@example.com', 'Ada')`), dir);
    const create = async (kind: string, details: string) => {
      const r = await cli('create', '--subject', 'user', '--id', ADA, '--kind', kind, '--details', details, '--verified', 'signed-in', '--json');
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { id: string }).id;
    };

    const rectification = await create('rectification', '{"name":"the spelling of the surname"}');
    const noNote = await cli('complete', rectification);
    assert.equal(noNote.code, 2);
    assert.match(noNote.stderr, /--note is required/);
    const done = await cli('complete', rectification, '--note', 'corrected the surname', '--json');
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual((JSON.parse(done.stdout) as { status: string; result: unknown }).status, 'completed');
    assert.deepEqual((JSON.parse(done.stdout) as { result: unknown }).result, { note: 'corrected the surname' });
    const twice = await cli('complete', rectification, '--note', 'again');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /ERR_DSAR_TRANSITION/);

    const restriction = await create('restriction', '{"processing":"marketing"}');
    const person = { subject: 'user', key: ADA };
    assert.equal(await withDatabase(dbFlags, (db) => isRestricted(db, person, 'marketing'), dir), true);
    const lifted = await cli('lift', restriction, '--reason', 'the data was found accurate');
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.match(lifted.stdout, /lifted the restriction of restriction request/);
    assert.equal(await withDatabase(dbFlags, (db) => isRestricted(db, person, 'marketing'), dir), false);

    const history = JSON.parse((await cli('status', restriction, '--json')).stdout) as { history: Array<{ action: string }> };
    assert.deepEqual(history.history.map((e) => e.action).slice(-2), ['dsar.restricted', 'dsar.restriction_lifted'], 'placed and lifted, both audited');
  } finally {
    await cleanup();
  }
});
