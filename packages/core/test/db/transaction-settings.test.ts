import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { APP_ROLE, coreMigrations, migrate } from '@custodian/core/db';
import { openTestDatabase, type TestDatabase } from '@custodian/core/testing';
import { quoteLiteral } from '../../src/db/transaction-setup.js';

let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
  await migrate(db, coreMigrations());
});
after(() => db.close());

test('a transaction\'s tenant and member role arrive exactly as given, whatever characters they hold', async () => {
  // On PostgreSQL these travel as literals in the one-round-trip preamble; quotes, backslashes and SQL must stay data.
  const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
  await fc.assert(
    fc.asyncProperty(text, text, async (tenant, role) => {
      const row = await db.transaction(
        async (tx) => (await tx.query<{ t: string | null; r: string | null; u: string }>(`SELECT custodian.current_tenant() AS t, custodian.current_member_role() AS r, current_user AS u`)).rows[0]!,
        { tenantId: tenant, memberRole: role, role: APP_ROLE, readOnly: true },
      );
      assert.equal(row.t, tenant === '' ? null : tenant);
      assert.equal(row.r, role === '' ? null : role);
      assert.equal(row.u, APP_ROLE);
    }),
    { seed: 20261127, numRuns: 150 },
  );
});

test('settings end with their transaction: the next one on the pool sees none', async () => {
  await db.transaction(async () => {}, { tenantId: 't-1', memberRole: 'owner', role: APP_ROLE });
  for (let i = 0; i < 5; i++) {
    const row = (await db.query<{ t: string | null; r: string | null }>(`SELECT custodian.current_tenant() AS t, custodian.current_member_role() AS r`)).rows[0]!;
    assert.deepEqual(row, { t: null, r: null });
  }
});

test('quoteLiteral writes the forms libpq writes', () => {
  assert.equal(quoteLiteral("it's"), "'it''s'");
  assert.equal(quoteLiteral('a\\b'), " E'a\\\\b'");
  assert.throws(() => quoteLiteral('a\0b'), (e: unknown) => (e as { code?: string }).code === 'ERR_DB_INVALID_IDENTIFIER');
});
