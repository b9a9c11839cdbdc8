import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { coreMigrations, loadMigrations, migrate, migrationStatus, type Database } from '@custodian/core/db';
import { openTestDatabase, testBackend } from '@custodian/core/testing';

const dirs: string[] = [];
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-mig-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const codeOf = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

describe(`migrations (${testBackend()})`, () => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase();
  });
  afterEach(() => db.close());

  test('applies core then app migrations in order and records each with its checksum', async () => {
    const app = loadMigrations(migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' }), 'app');
    const seen: string[] = [];
    const result = await migrate(db, [...coreMigrations(), ...app], { onProgress: (p) => seen.push(p.migration.id) });
    assert.deepEqual(seen, [...coreMigrations().map((m) => m.id), 'app/0001_a.sql', 'app/0002_b.sql']);
    assert.equal(result.upToDate, 0);
    const { rows } = await db.query<{ namespace: string; version: number; checksum: string }>(
      'SELECT namespace, version, checksum FROM custodian.schema_migrations ORDER BY namespace, version',
    );
    assert.deepEqual(rows.filter((r) => r.namespace === 'app').map((r) => [r.version, r.checksum]), app.map((m) => [m.version, m.checksum]));
  });

  test('a second run applies nothing', async () => {
    const all = [...coreMigrations(), ...loadMigrations(migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' }), 'app')];
    await migrate(db, all);
    const again = await migrate(db, all);
    assert.equal(again.applied.length, 0);
    assert.equal(again.upToDate, all.length);
  });

  test('refuses to run when an applied migration changed on disk, and applies nothing', async () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    await migrate(db, loadMigrations(dir, 'app'));
    writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
    writeFileSync(join(dir, '0002_b.sql'), 'CREATE TABLE b (id int);');
    await assert.rejects(migrate(db, loadMigrations(dir, 'app')), (e: Error & { code?: string; migration?: string }) => {
      assert.equal(e.code, 'ERR_MIGRATION_CHANGED');
      assert.equal(e.migration, 'app/0001_a.sql');
      return true;
    });
    const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('b')::text AS t`);
    assert.equal(rows[0]!.t, null);
  });

  test('line-ending changes alone do not count as a change', async () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);\nCREATE TABLE c (id int);\n' });
    await migrate(db, loadMigrations(dir, 'app'));
    writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE a (id int);\r\nCREATE TABLE c (id int);\r\n');
    const result = await migrate(db, loadMigrations(dir, 'app'));
    assert.equal(result.applied.length, 0);
  });

  test('refuses to run when an applied migration is missing on disk', async () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' });
    await migrate(db, loadMigrations(dir, 'app'));
    rmSync(join(dir, '0001_a.sql'));
    await assert.rejects(migrate(db, loadMigrations(dir, 'app')), codeOf('ERR_MIGRATION_MISSING'));
  });

  test('a failing migration rolls back the whole run and names the file', async () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_bad.sql': 'CREATE TABLE b (id int); SELECT * FROM nowhere;' });
    await assert.rejects(migrate(db, loadMigrations(dir, 'app')), (e: Error & { code?: string; migration?: string }) => {
      assert.equal(e.code, 'ERR_MIGRATION_FAILED');
      assert.equal(e.migration, 'app/0002_bad.sql');
      assert.match(e.message, /0002_bad\.sql failed: .*nowhere/);
      return true;
    });
    const { rows } = await db.query<{ a: string | null; s: string | null }>(`SELECT to_regclass('a')::text AS a, to_regclass('custodian.schema_migrations')::text AS s`);
    assert.equal(rows[0]!.a, null);
  });

  test('a pending file numbered below an applied one is refused', async () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0003_c.sql': 'CREATE TABLE c (id int);' });
    await migrate(db, loadMigrations(dir, 'app'));
    writeFileSync(join(dir, '0002_b.sql'), 'CREATE TABLE b (id int);');
    await assert.rejects(migrate(db, loadMigrations(dir, 'app')), (e: Error & { code?: string; migration?: string }) => {
      assert.equal(e.code, 'ERR_MIGRATION_OUT_OF_ORDER');
      assert.equal(e.migration, 'app/0002_b.sql');
      return true;
    });
  });

  test('status lists applied and pending files without changing anything', async () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    await migrate(db, loadMigrations(dir, 'app'));
    writeFileSync(join(dir, '0002_b.sql'), 'CREATE TABLE b (id int);');
    const status = await migrationStatus(db, loadMigrations(dir, 'app'));
    assert.deepEqual(status.map((s) => [s.migration.id, s.applied]), [['app/0001_a.sql', true], ['app/0002_b.sql', false]]);
    const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('b')::text AS t`);
    assert.equal(rows[0]!.t, null);
  });

  test('concurrent runs apply each file exactly once', { skip: testBackend() === 'pglite' && 'one connection: runs serialise anyway' }, async () => {
    const all = [...coreMigrations(), ...loadMigrations(migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', '0002_b.sql': 'CREATE TABLE b (id int);' }), 'app')];
    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(db, all)));
    assert.equal(results.reduce((n, r) => n + r.applied.length, 0), all.length);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.schema_migrations');
    assert.equal(rows[0]!.n, all.length);
  });
});

describe('migration files', () => {
  test('a file not named NNNN_name.sql is an error, not silently skipped', () => {
    const dir = migrationsDir({ '0001_a.sql': 'select 1;', '2_b.sql': 'select 1;' });
    assert.throws(() => loadMigrations(dir, 'app'), codeOf('ERR_MIGRATION_INVALID_NAME'));
  });

  test('two files with one number are an error', () => {
    const dir = migrationsDir({ '0001_a.sql': 'select 1;', '0001_b.sql': 'select 1;' });
    assert.throws(() => loadMigrations(dir, 'app'), codeOf('ERR_MIGRATION_DUPLICATE'));
  });

  test('a missing directory is reported with its own code', () => {
    const dir = migrationsDir({});
    mkdirSync(join(dir, 'x'));
    assert.throws(() => loadMigrations(join(dir, 'nope'), 'app'), codeOf('ERR_MIGRATION_DIR_UNREADABLE'));
  });
});
