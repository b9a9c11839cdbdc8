import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CHECK_CODES, erasureOrder, guessPersonal, type ColumnInfo, type ColumnKind, type DatabaseSchema, type TableInfo } from '@custodian/core/check';
import { literalMisfit } from '../../src/check/column-kind.js';

const column = (name: string, kind: ColumnKind, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type: kind,
  udt: kind,
  kind,
  maxLength: null,
  notNull: false,
  default: null,
  identity: null,
  generated: false,
  ...extra,
});
const table = (name: string, extra: Partial<TableInfo> = {}): TableInfo => ({
  schema: 'public',
  name,
  key: name,
  columns: {},
  primaryKey: [],
  uniques: [],
  foreignKeys: [],
  rowLevelSecurity: false,
  forceRowLevelSecurity: false,
  ...extra,
});

describe('check: pure parts', () => {
  test('literalMisfit accepts values of the column type and names only the type when refusing', () => {
    assert.equal(literalMisfit(7, column('n', 'text')), null, 'a number into text is fine');
    assert.equal(literalMisfit('42', column('n', 'integer', { udt: 'int4' })), null);
    assert.match(literalMisfit(99999, column('n', 'integer', { udt: 'int2', type: 'smallint' }))!, /out of range for type smallint/);
    assert.match(literalMisfit(1.5, column('n', 'integer', { type: 'integer' }))!, /a number does not fit type integer/);
    assert.equal(literalMisfit('00000000-0000-4000-8000-000000000000', column('u', 'uuid')), null);
    assert.match(literalMisfit(true, column('t', 'timestamptz', { type: 'timestamp with time zone' }))!, /a boolean does not fit/);
    assert.equal(literalMisfit('2026-01-01T00:00:00Z', column('t', 'timestamptz')), null);
    assert.equal(literalMisfit('false', column('b', 'boolean')), null);
    assert.match(literalMisfit('maybe', column('b', 'boolean', { type: 'boolean' }))!, /a string does not fit type boolean/);
    assert.match(literalMisfit('Deleted User', column('s', 'text', { maxLength: 5, type: 'character varying(5)' }))!, /12 characters does not fit type character varying\(5\)/);
    assert.match(literalMisfit('gone', column('e', 'enum', { enumValues: ['active'], type: 'state' }))!, /not a label of enum state/);
    assert.equal(literalMisfit('10.0.0.1', column('ip', 'inet')), null);
    const refused = literalMisfit('secret-value-1234', column('n', 'integer', { type: 'integer' }))!;
    assert.ok(!refused.includes('secret-value-1234'));
  });

  test('guessPersonal goes by name and type, and leaves out foreign keys and qualifiers', () => {
    const users = table('users', { foreignKeys: [{ name: 'fk', columns: ['owner_email'], references: { table: 'owners', schema: 'public', name: 'owners', columns: ['email'] }, onDelete: 'no-action', onDeleteColumns: null, onUpdate: 'no-action', deferrable: false, initiallyDeferred: false }] });
    const guess = (c: ColumnInfo, t: TableInfo = users) => guessPersonal(t, c)?.category ?? null;
    assert.equal(guess(column('email', 'text')), 'contact');
    assert.equal(guess(column('billing_email', 'text')), 'contact');
    assert.equal(guess(column('email_verified', 'boolean')), null);
    assert.equal(guess(column('email_verified_at', 'timestamptz')), null);
    assert.equal(guess(column('owner_email', 'text')), null, 'a foreign key');
    assert.equal(guess(column('ip_address', 'inet')), 'device');
    assert.equal(guess(column('home_address', 'text')), 'contact');
    assert.equal(guess(column('ssn', 'bytea')), 'government-id');
    assert.equal(guess(column('date_of_birth', 'date')), 'date-of-birth');
    assert.equal(guess(column('refresh_token', 'bytea')), 'credential');
    assert.equal(guessPersonal(users, column('password_hash', 'text'))?.secret, true);
    assert.equal(guess(column('token_count', 'integer')), null);
    assert.equal(guess(column('bank_account_ciphertext', 'bytea')), 'financial');
    assert.equal(guess(column('webhook_api_key_ciphertext', 'bytea')), 'credential');
    assert.equal(guess(column('whatsapp_phone_number_id', 'text')), null, 'a reference to a number, not the number');
    assert.equal(guess(column('national_id', 'text')), 'government-id');
    assert.equal(guess(column('name', 'text')), 'profile');
    assert.equal(guess(column('name', 'text'), table('projects')), null, 'a project name is not a person');
    assert.equal(guess(column('language', 'text'), table('company_members')), 'preference');
  });

  test('erasureOrder puts referencing tables first and sets aside only breakable keys', () => {
    const fk = (from: string, to: string, col: string, onDelete: 'no-action' | 'cascade' = 'no-action') => ({
      name: `${from}_${col}_fkey`,
      columns: [col],
      references: { table: to, schema: 'public', name: to, columns: ['id'] },
      onDelete,
      onDeleteColumns: null,
      onUpdate: 'no-action' as const,
      deferrable: false,
      initiallyDeferred: false,
    });
    const schema: DatabaseSchema = {
      schemas: ['public'],
      tables: {
        a: table('a', { columns: { b_id: column('b_id', 'integer', { notNull: true }) }, foreignKeys: [fk('a', 'b', 'b_id')] }),
        b: table('b', { columns: { c_id: column('c_id', 'integer', { notNull: true }) }, foreignKeys: [fk('b', 'c', 'c_id')] }),
        c: table('c', { columns: { a_id: column('a_id', 'integer', { notNull: true }), c_id: column('c_id', 'integer', { notNull: true }) }, foreignKeys: [fk('c', 'a', 'a_id', 'cascade'), fk('c', 'c', 'c_id')] }),
      },
    };
    // c → a cascades, so it breaks the cycle a → b → c → a; c's key to itself orders nothing.
    assert.deepEqual(erasureOrder(['c', 'b', 'a'], schema), { order: ['a', 'b', 'c'], cycles: [] });
    const hard = structuredClone(schema);
    hard.tables.c!.foreignKeys[0]!.onDelete = 'no-action';
    const result = erasureOrder(['a', 'b', 'c'], hard);
    assert.deepEqual(result.cycles.map((c) => c.tables), [['a', 'b', 'c']]);
    assert.deepEqual([...result.order].sort(), ['a', 'b', 'c']);
  });

  test('docs/check.md documents every problem code, and nothing else', () => {
    const doc = readFileSync(new URL('../../../../docs/check.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^### `([a-z-]+)` \((error|warning)\)$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(documented, Object.entries(CHECK_CODES).map(([code, { severity }]) => [code, severity]));
  });
});
