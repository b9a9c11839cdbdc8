import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { introspect } from '@custodian/core/check';
import { coreMigrations, migrate } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { openCheckDatabase, type CheckDatabase } from './fixtures.js';

const SQL = `
CREATE TYPE account_state AS ENUM ('active', 'suspended', 'deleted');
CREATE DOMAIN short_text AS varchar(40);
CREATE TABLE accounts (
  tenant_id text NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  email citext_placeholder,
  handle short_text NOT NULL,
  state account_state NOT NULL DEFAULT 'active',
  tags text[],
  born date,
  secret bytea,
  seen_from inet,
  prefs jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, handle)
);
CREATE UNIQUE INDEX accounts_email_lower ON accounts (lower(email));
CREATE UNIQUE INDEX accounts_live_handle ON accounts (handle) WHERE state = 'active';
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
DROP SCHEMA IF EXISTS billing CASCADE;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  account_id bigint,
  number text NOT NULL UNIQUE NULLS NOT DISTINCT,
  FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE SET NULL (account_id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE notes (id int PRIMARY KEY, invoice_id uuid NOT NULL REFERENCES billing.invoices (id) ON DELETE CASCADE ON UPDATE RESTRICT, body text);
`.replace('citext_placeholder', 'text');

describe(`introspect (${testBackend()})`, () => {
  let h: CheckDatabase;
  before(async () => {
    h = await openCheckDatabase();
    // Custodian's own schema exists in a real deployment and must not show up.
    await migrate(h.db, coreMigrations());
  });
  after(() => h.close());

  test('reads columns with their types, nullability, defaults and identity', async () => {
    const schema = await h.schemaOf(SQL);
    const accounts = schema.tables.accounts!;
    assert.equal(accounts.key, 'accounts');
    assert.equal(accounts.schema, 'public');
    assert.deepEqual(Object.keys(accounts.columns), ['tenant_id', 'id', 'email', 'handle', 'state', 'tags', 'born', 'secret', 'seen_from', 'prefs', 'created_at']);
    const c = accounts.columns;
    assert.deepEqual([c.id!.kind, c.id!.udt, c.id!.identity, c.id!.notNull], ['integer', 'int8', 'always', true]);
    assert.deepEqual([c.email!.kind, c.email!.notNull, c.email!.identity], ['text', false, null]);
    // A domain resolves to its base type, with its length.
    assert.deepEqual([c.handle!.type, c.handle!.udt, c.handle!.kind, c.handle!.maxLength], ['short_text', 'varchar', 'text', 40]);
    assert.deepEqual([c.state!.kind, c.state!.enumValues, c.state!.default], ['enum', ['active', 'suspended', 'deleted'], "'active'::account_state"]);
    assert.deepEqual([c.tags!.type, c.tags!.udt, c.tags!.kind, c.tags!.elementKind], ['text[]', '_text', 'array', 'text']);
    assert.deepEqual(
      ['born', 'secret', 'seen_from', 'prefs', 'created_at'].map((n) => c[n]!.kind),
      ['date', 'bytea', 'inet', 'json', 'timestamptz'],
    );
    assert.equal(c.created_at!.default, 'now()');
    assert.equal(accounts.rowLevelSecurity, true);
    assert.equal(schema.tables.notes!.rowLevelSecurity, false);
  });

  test('reads primary keys, unique constraints and unique indexes, single- and multi-column', async () => {
    const schema = await h.schemaOf(SQL);
    const accounts = schema.tables.accounts!;
    assert.deepEqual(accounts.primaryKey, ['tenant_id', 'id']);
    const byName = Object.fromEntries(accounts.uniques.map((u) => [u.name, u]));
    assert.deepEqual(byName.accounts_pkey, { name: 'accounts_pkey', kind: 'primary-key', columns: ['tenant_id', 'id'], expressions: [], partial: false, nullsNotDistinct: false });
    assert.deepEqual(byName.accounts_tenant_id_handle_key?.columns, ['tenant_id', 'handle']);
    assert.equal(byName.accounts_tenant_id_handle_key?.kind, 'constraint');
    assert.deepEqual([byName.accounts_email_lower?.kind, byName.accounts_email_lower?.columns, byName.accounts_email_lower?.expressions], ['index', [], ['lower(email)']]);
    assert.deepEqual([byName.accounts_live_handle?.columns, byName.accounts_live_handle?.partial], [['handle'], true]);
    const invoices = schema.tables['billing.invoices']!;
    assert.deepEqual(invoices.uniques.find((u) => u.columns.includes('number'))?.nullsNotDistinct, true);
  });

  test('reads foreign keys with their referenced table, columns, ON DELETE action and deferrability', async () => {
    const schema = await h.schemaOf(SQL);
    const invoices = schema.tables['billing.invoices']!;
    assert.equal(invoices.key, 'billing.invoices');
    assert.deepEqual(invoices.foreignKeys.map(({ name: _, ...fk }) => fk), [
      {
        columns: ['tenant_id', 'account_id'],
        references: { table: 'accounts', schema: 'public', name: 'accounts', columns: ['tenant_id', 'id'] },
        onDelete: 'set-null',
        onDeleteColumns: ['account_id'],
        onUpdate: 'no-action',
        deferrable: true,
        initiallyDeferred: true,
      },
    ]);
    const note = schema.tables.notes!.foreignKeys[0]!;
    assert.deepEqual([note.references.table, note.onDelete, note.onDeleteColumns, note.onUpdate, note.deferrable], ['billing.invoices', 'cascade', null, 'restrict', false]);
  });

  test('leaves out Custodian\'s and the system\'s schemas, and reads only the schemas asked for', async () => {
    const schema = await h.schemaOf(SQL);
    assert.deepEqual(schema.schemas, ['billing', 'public']);
    assert.deepEqual(Object.keys(schema.tables).sort(), ['accounts', 'billing.invoices', 'notes']);
    const billing = await introspect(h.db, { schemas: ['billing'] });
    assert.deepEqual(Object.keys(billing.tables), ['billing.invoices']);
    // The referenced table lies outside what was read; the key still names it.
    assert.equal(billing.tables['billing.invoices']!.foreignKeys[0]!.references.table, 'accounts');
    const own = await introspect(h.db, { schemas: ['custodian'] });
    assert.deepEqual(own.schemas, ['custodian']);
  });

  test('a database that cannot be read fails with ERR_INTROSPECTION_FAILED and no SQL in the message', async () => {
    const broken = { query: () => Promise.reject(new Error('connection reset')), exec: () => Promise.resolve() };
    await assert.rejects(introspect(broken), (e: { code?: string; message?: string }) => e.code === 'ERR_INTROSPECTION_FAILED' && !/SELECT/i.test(e.message ?? ''));
  });
});
