import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, coreMigrations, migrate, type Database } from '@custodian/core/db';
import { openTestDatabase, testBackend } from '@custodian/core/testing';

describe(`database layer (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase();
    await migrate(db, coreMigrations());
  });
  after(() => db.close());

  test('parses int8, timestamptz, jsonb and bytea the same way on both backends', async () => {
    const { rows } = await db.query<{ n: number; t: Date; j: { a: number }; b: Uint8Array }>(
      `SELECT 9007199254740991::int8 AS n, '2026-01-02T03:04:05Z'::timestamptz AS t, '{"a":1}'::jsonb AS j, '\\x0102'::bytea AS b`,
    );
    assert.equal(rows[0]!.n, 9007199254740991);
    assert.equal(rows[0]!.t.toISOString(), '2026-01-02T03:04:05.000Z');
    assert.deepEqual(rows[0]!.j, { a: 1 });
    assert.deepEqual([...rows[0]!.b], [1, 2]);
  });

  test('a transaction commits when its callback resolves and rolls back when it throws', async () => {
    await db.exec('CREATE TABLE tx_probe (id int PRIMARY KEY)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe VALUES (1)');
    });
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (2)');
        throw new Error('abort');
      }),
      /abort/,
    );
    const { rows } = await db.query<{ id: number }>('SELECT id FROM tx_probe ORDER BY id');
    assert.deepEqual(rows.map((r) => r.id), [1]);
  });

  test('the tenant context is transaction-local and never leaks to the next transaction', async () => {
    const inside = await db.transaction(
      async (tx) => (await tx.query<{ t: string | null }>('SELECT custodian.current_tenant() AS t')).rows[0]!.t,
      { tenantId: 'tenant-a' },
    );
    assert.equal(inside, 'tenant-a');
    const afterwards = await db.transaction(async (tx) => (await tx.query<{ t: string | null }>('SELECT custodian.current_tenant() AS t')).rows[0]!.t);
    assert.equal(afterwards, null);
  });

  test('row-level security keyed on the tenant context binds the application role', async () => {
    await db.exec(`
      CREATE TABLE rls_probe (tenant_id text NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id));
      ALTER TABLE rls_probe ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON rls_probe USING (tenant_id = custodian.current_tenant()) WITH CHECK (tenant_id = custodian.current_tenant());
      GRANT SELECT, INSERT ON rls_probe TO ${APP_ROLE};
      INSERT INTO rls_probe VALUES ('a', 1), ('a', 2), ('b', 3);
    `);
    const seen = await db.transaction(async (tx) => (await tx.query<{ id: number }>('SELECT id FROM rls_probe ORDER BY id')).rows.map((r) => r.id), {
      tenantId: 'a',
      role: APP_ROLE,
    });
    assert.deepEqual(seen, [1, 2]);
    const none = await db.transaction(async (tx) => (await tx.query('SELECT id FROM rls_probe')).rows.length, { role: APP_ROLE });
    assert.equal(none, 0);
    const all = await db.transaction(async (tx) => (await tx.query('SELECT id FROM rls_probe')).rows.length);
    assert.equal(all, 3, 'the owner, not bound by the policy, sees every row');
    await assert.rejects(
      db.transaction(async (tx) => tx.query(`INSERT INTO rls_probe VALUES ('b', 9)`), { tenantId: 'a', role: APP_ROLE }),
      (e: Error & { code?: string }) => e.code === 'ERR_DB_QUERY_FAILED' && /row-level security/.test(e.message),
    );
  });

  test('the application role is not a superuser and cannot bypass row-level security', async () => {
    const { rows } = await db.query<{ rolsuper: boolean; rolbypassrls: boolean }>('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    assert.deepEqual(rows[0], { rolsuper: false, rolbypassrls: false });
  });

  test('a query failure is wrapped with a stable code and keeps the SQLSTATE', async () => {
    await assert.rejects(db.query('SELECT * FROM no_such_table'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_DB_QUERY_FAILED');
      assert.match(e.message, /no_such_table.*\[42P01\]/);
      return true;
    });
  });

  test('a data-exception message never echoes the offending input', async () => {
    await assert.rejects(db.query('SELECT $1::uuid', ['SECRET-not-a-uuid']), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_DB_QUERY_FAILED');
      assert.match(e.message, /invalid input syntax for type uuid: "…" \[22P02\]/);
      assert.ok(!e.message.includes('SECRET'));
      return true;
    });
  });

  test('SELECT row counts agree on both backends', async () => {
    const { rowCount } = await db.query('SELECT * FROM generate_series(1, 3)');
    assert.equal(rowCount, 3);
  });

  test('int8 beyond 2^53 comes back exact, as a BigInt; int8 arrays parse the same way', async () => {
    const { rows } = await db.query<{ n: bigint; a: unknown[] }>(`SELECT 9007199254740993::int8 AS n, ARRAY[1, 9007199254740993, NULL]::int8[] AS a`);
    assert.equal(rows[0]!.n, 9007199254740993n);
    assert.deepEqual(rows[0]!.a, [1, 9007199254740993n, null]);
  });

  test('an invalid role name is refused before any SQL is built', async () => {
    await assert.rejects(
      db.transaction(async () => 1, { role: 'x"; DROP TABLE rls_probe; --' }),
      (e: Error & { code?: string }) => e.code === 'ERR_DB_INVALID_IDENTIFIER',
    );
  });
});
