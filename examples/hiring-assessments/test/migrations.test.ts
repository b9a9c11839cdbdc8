import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { ownersOf } from '@custodian/core/policy';
import { app, policy } from '../src/index.js';
import { APP_TABLES, openMigrated } from './support.js';

describe(`hiring-assessments migrations (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openMigrated();
  });
  after(() => db.close());

  test('apply after the core migrations and are then up to date', async () => {
    const { rows } = await db.query<{ namespace: string; version: number }>(
      'SELECT namespace, version FROM custodian.schema_migrations ORDER BY applied_at, namespace, version',
    );
    assert.deepEqual(
      rows.filter((r) => r.namespace === 'app').map((r) => r.version),
      [1, 2, 3, 4, 5],
    );
    const again = await migrate(db, [...coreMigrations(), ...app.migrations()]);
    assert.equal(again.applied.length, 0);
    assert.equal(again.upToDate, coreMigrations().length + 5);
  });

  test('every tenant table has row-level security enabled', async () => {
    const { rows } = await db.query<{ relname: string; relrowsecurity: boolean }>(
      `SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`,
    );
    assert.deepEqual(rows.map((r) => r.relname).sort(), [...APP_TABLES].sort());
    assert.ok(rows.every((r) => r.relrowsecurity), 'a table without row-level security');
  });

  test('every table and column the policy names exists, and encrypted columns are bytea', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const types = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
    const missing: string[] = [];
    for (const [table, spec] of Object.entries(policy.tables)) {
      for (const column of [...Object.keys(spec.columns), spec.tenant, spec.softDelete]) {
        if (column && !types.has(`${table}.${column}`)) missing.push(`${table}.${column}`);
      }
      for (const [column, c] of Object.entries(spec.columns)) {
        if (!c.encryption) continue;
        assert.equal(types.get(`${table}.${column}`), 'bytea');
        if (c.encryption.mask && !types.has(`${table}.${c.encryption.mask.column}`)) missing.push(`${table}.${c.encryption.mask.column}`);
      }
    }
    for (const subject of Object.values(policy.subjects)) {
      for (const identity of Object.values(subject.identities)) {
        const table = identity.table ?? subject.table;
        if (!types.has(`${table}.${identity.column}`)) missing.push(`${table}.${identity.column}`);
      }
      for (const ref of subject.activity) if (!types.has(ref)) missing.push(ref);
    }
    assert.deepEqual(missing, []);
  });

  test('retention rules measure age from timestamptz columns', async () => {
    const { rows } = await db.query<{ ref: string; data_type: string }>(
      `SELECT table_name || '.' || column_name AS ref, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const types = new Map(rows.map((r) => [r.ref, r.data_type]));
    const froms = policy.retention.flatMap((r) => (r.kind === 'inactivity' ? [] : [r.from.includes('.') ? r.from : `${r.table}.${r.from}`]));
    assert.equal(froms.length, 5);
    for (const ref of froms) assert.equal(types.get(ref), 'timestamp with time zone', ref);
  });

  test('each hop of an owner path is a real foreign key', async () => {
    // Composite (company_id, x) keys count: the hop's column pairs with the referenced column at the same position.
    const { rows } = await db.query<{ hop: string }>(`
      SELECT src.relname || '.' || a.attname || '->' || dst.relname || '.' || b.attname AS hop
        FROM pg_constraint k
        JOIN pg_class src ON src.oid = k.conrelid
        JOIN pg_class dst ON dst.oid = k.confrelid
        CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS u(src_col, dst_col)
        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.src_col
        JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = u.dst_col
       WHERE k.contype = 'f'`);
    const fks = new Set(rows.map((r) => r.hop));
    let hops = 0;
    for (const [table, spec] of Object.entries(policy.tables)) {
      for (const owner of ownersOf(spec)) {
        if (!('path' in owner)) continue;
        let from = table;
        for (const hop of owner.path) {
          assert.ok(fks.has(`${from}.${hop.column}->${hop.references}`), `${from}.${hop.column} does not reference ${hop.references}`);
          from = hop.references.split('.')[0]!;
          hops++;
        }
      }
    }
    assert.equal(hops, 4);
  });
});
