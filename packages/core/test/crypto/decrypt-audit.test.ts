import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, coreMigrations, migrate, type Database } from '@custodian/core/db';
import { openTestDatabase, testBackend } from '@custodian/core/testing';
import { databaseDecryptAudit } from '@custodian/core/crypto';

const record = {
  actor: { type: 'member' as const, id: 'member-7', sessionId: 'sess-42' },
  purpose: 'assessment-session',
  tenant: 'company-1',
  table: 'customer_api_keys',
  column: 'key_ciphertext',
  rowKey: 'company-1/key-9',
  keyId: 'dk-123',
};

describe(`decrypt audit records (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase();
    await migrate(db, coreMigrations());
  });
  after(() => db.close());

  test('C2: a decrypt record names who, why, which key, which value and which session', async () => {
    await databaseDecryptAudit(db).record(record);
    const { rows } = await db.query('SELECT tenant_id, actor_type, actor_id, purpose, table_name, column_name, row_key, key_id, session_id FROM custodian.decrypt_events');
    assert.deepEqual(rows, [
      {
        tenant_id: 'company-1',
        actor_type: 'member',
        actor_id: 'member-7',
        purpose: 'assessment-session',
        table_name: 'customer_api_keys',
        column_name: 'key_ciphertext',
        row_key: 'company-1/key-9',
        key_id: 'dk-123',
        session_id: 'sess-42',
      },
    ]);
  });

  test('C2: the application role may add decrypt records but never change or remove one', async () => {
    await databaseDecryptAudit(db, { role: APP_ROLE }).record(record);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.decrypt_events');
    assert.equal(rows[0]!.n, 2);
    for (const sql of ['UPDATE custodian.decrypt_events SET purpose = $1', 'DELETE FROM custodian.decrypt_events WHERE purpose = $1']) {
      await assert.rejects(
        db.transaction((tx) => tx.query(sql, ['x']), { role: APP_ROLE }),
        (e: Error & { code?: string }) => e.code === 'ERR_DB_QUERY_FAILED' && /permission denied/.test(e.message),
      );
    }
  });

  test('a record that cannot be written fails closed, naming no value', async () => {
    const broken = await openTestDatabase(); // no migrations: the table does not exist
    try {
      await assert.rejects(databaseDecryptAudit(broken).record(record), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ERR_AUDIT_WRITE_FAILED');
        for (const value of ['member-7', 'company-1/key-9', 'dk-123']) assert.ok(!e.message.includes(value));
        return true;
      });
    } finally {
      await broken.close();
    }
  });
});
