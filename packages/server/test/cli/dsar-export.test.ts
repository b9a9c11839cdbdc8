import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mailText, startSmtp } from '../../../core/test/dsar/smtp.js';
import { Secret } from '@custodian/core/crypto';
import { exportLinkKey, verifyExportLink } from '@custodian/core/dsar';
import { APP_SQL, hasStackTrace, policySource, project, runCli, withDatabase } from './run-cli.js';

const ADA = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';

test('custodian dsar export: JSON to a private file, a CSV zip, a stored export with a signed link printed or mailed, progress on stderr; bad flags exit 2', async () => {
  const { dir, dbFlags, cleanup } = await project(policySource(), APP_SQL);
  const rootHex = randomBytes(32).toString('hex');
  const env = { CUSTODIAN_ROOT_KEY: rootHex };
  const smtp = await startSmtp();
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    await withDatabase(dbFlags, (db) =>
      db.exec(`INSERT INTO users (id, email, name) VALUES ('${ADA}', 'ada@example.com', 'Ada'), ('${BOB}', 'bob@example.com', 'Bob');
        INSERT INTO notes (user_id, body) SELECT '${ADA}', 'note ' || g FROM generate_series(1, 12000) g;
        INSERT INTO notes (user_id, body) VALUES ('${BOB}', 'bob''s note');`),
    );
    const person = ['--subject', 'user', '--email', 'ADA@example.com'];

    const out = join(dir, 'ada.json');
    const json = await runCli(['dsar', 'export', ...person, '--out', out, ...flags], { cwd: dir, env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { tables: Record<string, unknown[]>; manifest: { sha256: string; tables: Array<{ table: string; rows: number }> } };
    assert.deepEqual(doc.manifest.tables.map((t) => [t.table, t.rows]), [['users', 1], ['notes', 12000]]);
    assert.ok(!readFileSync(out, 'utf8').includes('bob'));
    assert.match(json.stderr, /tables\/notes: 10000 rows/, 'a progress line for a large table');
    assert.match(json.stderr, new RegExp(`sha256 ${doc.manifest.sha256}`));

    const again = await runCli(['dsar', 'export', ...person, '--out', out, ...flags], { cwd: dir, env });
    assert.equal(again.code, 2, 'an existing file is not overwritten');
    assert.match(again.stderr, /exists already/);

    const zip = join(dir, 'ada.zip');
    const zipped = await runCli(['dsar', 'export', ...person, '--format', 'csv-zip', '--out', zip, ...flags], { cwd: dir, env });
    assert.equal(zipped.code, 0, zipped.stderr);
    const bytes = readFileSync(zip);
    assert.equal(bytes.subarray(0, 4).toString('hex'), '504b0304');
    assert.ok(bytes.includes('tables/notes.csv') && bytes.includes('manifest.json'));

    const store = join(dir, 'exports');
    const stored = await runCli(['dsar', 'export', ...person, '--store', store, '--base-url', 'https://privacy.notes.example', ...flags], { cwd: dir, env });
    assert.equal(stored.code, 0, stored.stderr);
    const url = new URL(stored.stdout.trim());
    assert.equal(url.origin + url.pathname, 'https://privacy.notes.example/v1/exports');
    const key = exportLinkKey(new Secret(Uint8Array.from(Buffer.from(rootHex, 'hex'))));
    const link = verifyExportLink(key, url.searchParams.get('token')!);
    assert.equal(link.tenant, undefined);
    assert.ok(existsSync(join(store, 'no-tenant', link.artifactId)));
    assert.ok(Math.abs(link.expiresAt.getTime() - Date.now() - 7 * 86_400_000) < 120_000, 'valid for the policy’s 7 days');

    const mailed = await runCli(['dsar', 'export', ...person, '--store', store, '--mail-to', 'ada@example.com', '--smtp-url', smtp.url, ...flags], { cwd: dir, env });
    assert.equal(mailed.code, 0, mailed.stderr);
    assert.equal(mailed.stdout, '', 'the link goes by mail only');
    assert.equal(smtp.mails.length, 1);
    assert.match(mailText(smtp.mails[0]!.raw), /\/v1\/exports\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    assert.ok(!smtp.mails[0]!.raw.includes('note 1'), 'no data in the mail');

    writeFileSync(join(dir, 'taken.json'), '');
    for (const bad of [
      [...person, '--format', 'xml'],
      [...person, '--mail-to', 'ada@example.com'],
      [...person, '--out', join(dir, 'x.json'), '--store', store],
      ['--subject', 'user'],
      [...person, '--base-url', 'javascript:alert(1)'],
    ]) {
      const r = await runCli(['dsar', 'export', ...bad, ...flags], { cwd: dir, env });
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.ok(!hasStackTrace(r.stderr));
    }
    const nobody = await runCli(['dsar', 'export', '--subject', 'user', '--email', 'nobody@example.com', ...flags], { cwd: dir, env });
    assert.notEqual(nobody.code, 0);
    assert.equal(nobody.stdout, '');
  } finally {
    await smtp.close();
    await cleanup();
  }
});
