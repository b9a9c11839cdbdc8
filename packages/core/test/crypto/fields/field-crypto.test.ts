import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { coreMigrations, migrate } from '@custodian/core/db';
import { databaseDecryptAudit, EnvKeyProvider, FieldCrypto, KeyStore, Secret, type FieldRef } from '@custodian/core/crypto';
import { definePolicy } from '@custodian/core/policy';
import { openTestDatabase, testBackend, type TestDatabase } from '@custodian/core/testing';

const policy = definePolicy({
  version: '1',
  effectiveDate: '2026-12-01',
  organization: { name: 'Acme', url: 'https://acme.example' },
  contacts: { privacy: { email: 'privacy@acme.example' }, security: { email: 'security@acme.example' } },
  subjects: {
    user: { description: 'A person', table: 'users', identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email_ciphertext', lookup: 'blind-index' } } },
  },
  tables: {
    users: {
      description: 'Accounts',
      purpose: 'Sign-in',
      owner: { subject: 'user', column: 'id' },
      columns: {
        email_ciphertext: { category: 'contact', encryption: { keyScope: 'subject', blindIndex: { column: 'email_index' } } },
      },
    },
    api_keys: {
      description: 'Customer API keys',
      purpose: 'Calling a model',
      notAboutPersons: 'A company credential',
      tenant: 'company_id',
      columns: {
        key_ciphertext: {
          category: 'credential',
          personal: false,
          secret: true,
          encryption: { algorithm: 'aes-256-gcm', auditDecrypt: true, purposes: ['assessment-session'], mask: { column: 'key_last4' } },
        },
      },
    },
  },
});

const API_KEY = 'sk-ant-api03-' + 'x'.repeat(30) + 'Zq9!';
const keyRef: FieldRef = { table: 'api_keys', column: 'key_ciphertext', tenant: 'company-1', primaryKey: ['company-1', 'key-1'] };
const actor = { type: 'member' as const, id: 'member-7', sessionId: 'sess-1' };

describe(`field encryption from the policy (${testBackend()})`, () => {
  let db: TestDatabase;
  let fields: FieldCrypto;
  before(async () => {
    db = await openTestDatabase();
    await migrate(db, coreMigrations());
    fields = new FieldCrypto({ policy, keys: await sharedKeys(db), audit: databaseDecryptAudit(db), indexSecret: new Secret(Uint8Array.from(randomBytes(32))) });
  });
  after(() => db.close());

  test('C1: a customer key is sealed with AES-256-GCM under its tenant key; only the last 4 characters are kept beside it', async () => {
    const sealed = await fields.seal(keyRef, API_KEY);
    assert.deepEqual(sealed.mask, { column: 'key_last4', value: 'Zq9!' });
    assert.ok(!Buffer.from(sealed.ciphertext).toString('latin1').includes('sk-ant'));
    const opened = await fields.open(keyRef, sealed.ciphertext, { purpose: 'assessment-session', actor });
    assert.equal(opened.reveal(), API_KEY);
    assert.equal(inspect(opened), '[Secret]');
    const { rows } = await db.query<{ scope: string; scope_id: string }>('SELECT scope, scope_id FROM custodian.data_keys');
    assert.deepEqual(rows, [{ scope: 'tenant', scope_id: 'company-1' }]);
  });

  test('C2: every decrypt of a customer key writes an audit row first (who, why, which key, which session)', async () => {
    const sealed = await fields.seal(keyRef, API_KEY);
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.decrypt_events')).rows[0]!.n;
    await fields.open(keyRef, sealed.ciphertext, { purpose: 'assessment-session', actor });
    const { rows } = await db.query<{ actor_id: string; purpose: string; key_id: string; session_id: string; row_key: string }>(
      'SELECT actor_id, purpose, key_id, session_id, row_key FROM custodian.decrypt_events ORDER BY id DESC LIMIT 1',
    );
    const keyId = (await db.query<{ id: string }>('SELECT id FROM custodian.data_keys')).rows[0]!.id;
    assert.deepEqual(rows[0], { actor_id: 'member-7', purpose: 'assessment-session', key_id: keyId, session_id: 'sess-1', row_key: 'company-1/key-1' });
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.decrypt_events')).rows[0]!.n, before + 1);
  });

  test('A3: a decrypt without an allowed purpose is refused before anything is opened', async () => {
    const sealed = await fields.seal(keyRef, API_KEY);
    for (const purpose of ['', 'curiosity']) {
      await assert.rejects(fields.open(keyRef, sealed.ciphertext, { purpose, actor }), (e: Error & { code?: string }) => e.code === 'ERR_CRYPTO_PURPOSE_REQUIRED');
    }
  });

  test('C2: when the audit row cannot be written, no plaintext is returned', async () => {
    const sink = {
      calls: 0,
      async record() {
        this.calls++;
        throw Object.assign(new Error('write failed'), { code: 'ERR_AUDIT_WRITE_FAILED' });
      },
    };
    const failing = new FieldCrypto({ policy, keys: await sharedKeys(db), audit: sink });
    const sealed = await failing.seal(keyRef, API_KEY);
    await assert.rejects(
      failing.open(keyRef, sealed.ciphertext, { purpose: 'assessment-session', actor }),
      (e: Error & { code?: string }) => e.code === 'ERR_AUDIT_WRITE_FAILED' && !e.message.includes(API_KEY),
    );
    assert.equal(sink.calls, 1);
  });

  test('a value copied to another row or tenant does not open there, with the one opaque error', async () => {
    const sealed = await fields.seal(keyRef, API_KEY);
    for (const ref of [{ ...keyRef, primaryKey: ['company-1', 'key-2'] }, { ...keyRef, tenant: 'company-2', primaryKey: ['company-2', 'key-1'] }]) {
      await assert.rejects(fields.open(ref, sealed.ciphertext, { purpose: 'assessment-session', actor }), (e: Error & { code?: string }) => e.code === 'ERR_CRYPTO_DECRYPT_FAILED' && e.message === 'the value could not be decrypted');
    }
  });

  test('B2: destroying a subject key makes that subject\'s values unreadable (crypto-shredding); the blind index still finds nothing else', async () => {
    const ref: FieldRef = { table: 'users', column: 'email_ciphertext', subject: 'user-1', primaryKey: 'user-1' };
    const keys = await sharedKeys(db);
    const local = new FieldCrypto({ policy, keys, audit: databaseDecryptAudit(db), indexSecret: new Secret(new Uint8Array(32).fill(7)) });
    const sealed = await local.seal(ref, 'Ada@Example.com');
    assert.deepEqual(sealed.blindIndex?.value, local.index(ref, ' ada@example.com '));
    assert.equal((await local.open(ref, sealed.ciphertext, { purpose: 'support', actor })).reveal(), 'Ada@Example.com');
    await keys.destroy('subject', 'user-1');
    await assert.rejects(local.open(ref, sealed.ciphertext, { purpose: 'support', actor }), (e: Error & { code?: string }) => e.code === 'ERR_CRYPTO_DECRYPT_FAILED');
  });
});

let shared: KeyStore | undefined;
/** One key store, on one random root, for every FieldCrypto in this file: they share the database's data keys. */
async function sharedKeys(db: TestDatabase): Promise<KeyStore> {
  shared ??= new KeyStore({ db, provider: new EnvKeyProvider(new Secret(Uint8Array.from(randomBytes(32)))), retireGraceMs: 0 });
  return shared;
}
