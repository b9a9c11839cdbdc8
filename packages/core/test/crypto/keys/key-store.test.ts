import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { EnvKeyProvider, KeyStore, rootKeyIdOf, type KeyRetireRefusedError } from '@custodian/core/crypto';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { codeOf, hex, keysDatabase, randomRoot, storeOn } from './support.js';

describe(`key store (${testBackend()})`, () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await keysDatabase();
  });
  afterEach(() => db.close());

  test('A1: the first use of a scope creates one data key, stored only wrapped by the root key from the environment', async () => {
    const root = randomRoot();
    const keys = storeOn(db, {}, root);
    const first = await keys.activeKey('tenant', 't_1');
    const again = await keys.activeKey('tenant', 't_1');
    assert.equal(again.id, first.id);
    assert.deepEqual(again.key.reveal(), first.key.reveal());
    assert.equal(first.key.reveal().length, 32);
    const { rows } = await db.query<{ id: string; scope: string; scope_id: string; wrapped: Uint8Array; root_key_id: string; provider: string; state: string; algorithm: string }>(
      'SELECT id::text AS id, scope, scope_id, wrapped, root_key_id, provider, state, algorithm FROM custodian.data_keys',
    );
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.deepEqual([row.id, row.scope, row.scope_id, row.state, row.provider, row.algorithm], [first.id, 'tenant', 't_1', 'active', 'env', 'aes-256-gcm']);
    assert.equal(row.root_key_id, rootKeyIdOf(root));
    assert.ok(!hex(row.wrapped).includes(hex(first.key.reveal())), 'no plaintext key in the table');
    assert.ok(!row.root_key_id.includes(hex(root.reveal()).slice(0, 16)));
    // A new store (another process, cold cache) unwraps the same key.
    assert.deepEqual((await storeOn(db, {}, root).keyById(first.id)).key.reveal(), first.key.reveal());
    // Root scope has no id; other scopes need one.
    assert.equal((await keys.activeKey('root', null)).scope, 'root');
    await assert.rejects(keys.activeKey('subject', null), codeOf('ERR_KEY_NOT_FOUND'));
    await assert.rejects(keys.activeKey('root', 'x'), codeOf('ERR_KEY_NOT_FOUND'));
  });

  test(`concurrent first uses from two instances create exactly one key (${testBackend()})`, async () => {
    const root = randomRoot();
    const provider = new EnvKeyProvider(root);
    let generated = 0;
    // A barrier: each key generation waits until four callers are generating (or 2 s pass), so the
    // inserts really do race instead of later callers simply finding the first key.
    let release!: () => void;
    const barrier = new Promise<void>((ok) => ((release = ok), setTimeout(ok, 2000).unref()));
    const counting = {
      name: provider.name,
      decryptDataKey: provider.decryptDataKey.bind(provider),
      reEncrypt: provider.reEncrypt.bind(provider),
      async generateDataKey(ctx: Record<string, string>) {
        if ((generated += 1) >= 4) release();
        await barrier;
        return provider.generateDataKey(ctx);
      },
    };
    const a = new KeyStore({ db, provider: counting });
    const b = new KeyStore({ db, provider: counting });
    const got = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).activeKey('subject', 'u_1')));
    assert.equal(new Set(got.map((k) => k.id)).size, 1);
    assert.equal(new Set(got.map((k) => hex(k.key.reveal()))).size, 1);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.data_keys WHERE scope = 'subject'`);
    assert.equal(rows[0]!.n, 1);
    // The callers really raced: several generated and inserted a key, one insert won.
    assert.ok(generated >= 4, `only ${generated} caller(s) raced`);
  });

  test('concurrent rotations from two instances leave exactly one active key and lose none', async () => {
    const root = randomRoot();
    const a = storeOn(db, {}, root);
    const b = storeOn(db, {}, root);
    const first = await a.activeKey('tenant', 't_1');
    const results = await Promise.all([a.rotate('tenant', 't_1'), b.rotate('tenant', 't_1'), a.rotate('tenant', 't_1'), b.rotate('tenant', 't_1')]);
    const infos = await a.list('tenant', 't_1');
    assert.equal(infos.length, 5);
    assert.equal(infos.filter((i) => i.state === 'active').length, 1);
    assert.equal(infos.find((i) => i.state === 'active')!.id, (await b.activeKey('tenant', 't_1')).id);
    assert.ok(results.some((r) => r.previous === first.id));
    for (const info of infos) assert.equal((await b.keyById(info.id)).id, info.id);
  });

  test('rotate: the old key becomes decrypt-only and still decrypts, a new key is active', async () => {
    const keys = storeOn(db);
    const old = await keys.activeKey('tenant', 't_1');
    const { previous, active } = await keys.rotate('tenant', 't_1');
    assert.equal(previous, old.id);
    assert.notEqual(active, old.id);
    assert.equal((await keys.activeKey('tenant', 't_1')).id, active);
    assert.equal((await keys.info(old.id)).state, 'decrypt-only');
    assert.ok((await keys.info(old.id)).rotatedAt instanceof Date);
    assert.deepEqual((await keys.keyById(old.id)).key.reveal(), old.key.reveal());
    assert.notEqual(hex((await keys.keyById(active)).key.reveal()), hex(old.key.reveal()));
    assert.deepEqual((await keys.list('tenant', 't_1')).map((k) => k.state).sort(), ['active', 'decrypt-only']);
    // Rotating a scope with no key yet just creates its first one.
    assert.deepEqual((await keys.rotate('tenant', 't_2')).previous, null);
  });

  test('retire: refused for an active key, refused while rows remain (nothing changes), then retired and unusable', async () => {
    const keys = storeOn(db);
    const old = await keys.activeKey('tenant', 't_1');
    await assert.rejects(keys.retire(old.id, { rowsUsing: async () => 0 }), codeOf('ERR_KEY_STATE'));
    await keys.rotate('tenant', 't_1');
    const asked: string[] = [];
    await assert.rejects(
      keys.retire(old.id, { rowsUsing: async (id) => (asked.push(id), 3) }),
      (e: KeyRetireRefusedError) => e.code === 'ERR_KEY_RETIRE_REFUSED' && e.rows === 3 && !e.message.includes('3'),
    );
    assert.deepEqual(asked, [old.id]);
    assert.equal((await keys.info(old.id)).state, 'decrypt-only');
    await keys.retire(old.id, { rowsUsing: async () => 0 });
    const info = await keys.info(old.id);
    assert.equal(info.state, 'retired');
    assert.ok(info.retiredAt instanceof Date);
    await assert.rejects(keys.keyById(old.id), codeOf('ERR_KEY_STATE'));
    await keys.retire(old.id, { rowsUsing: async () => 99 }); // already retired: nothing to do
    await assert.rejects(keys.retire('00000000-0000-4000-8000-000000000000', { rowsUsing: async () => 0 }), codeOf('ERR_KEY_NOT_FOUND'));
    await assert.rejects(keys.keyById("not-a-uuid'); --"), codeOf('ERR_KEY_NOT_FOUND'));
  });

  test('retire waits out the grace period in which other instances may still encrypt with a just-rotated key', async () => {
    const keys = storeOn(db, { retireGraceMs: 60_000 });
    const old = await keys.activeKey('tenant', 't_1');
    await keys.rotate('tenant', 't_1');
    await assert.rejects(keys.retire(old.id, { rowsUsing: async () => 0 }), (e: KeyRetireRefusedError) => e.code === 'ERR_KEY_RETIRE_REFUSED' && e.rows === 0);
    assert.equal((await keys.info(old.id)).state, 'decrypt-only');
  });

  test('crypto-shredding: destroying a subject key makes their ciphertexts unreadable for good, even where the key was cached', async () => {
    const root = randomRoot();
    const keys = storeOn(db, {}, root);
    const before = await keys.activeKey('subject', 'u_1');
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', before.key.reveal(), nonce);
    const sealed = Buffer.concat([c.update('ssn 078-05-1120'), c.final()]);
    const tag = c.getAuthTag();
    await keys.rotate('subject', 'u_1');
    const other = await keys.activeKey('subject', 'u_2');
    const destroyed = await keys.destroy('subject', 'u_1');
    assert.equal(destroyed.length, 2);
    assert.ok(destroyed.includes(before.id));
    const { rows } = await db.query<{ state: string; wrapped: unknown; destroyed_at: Date }>(
      `SELECT state, wrapped, destroyed_at FROM custodian.data_keys WHERE scope_id = 'u_1'`,
    );
    assert.deepEqual(rows.map((r) => [r.state, r.wrapped]), [['destroyed', null], ['destroyed', null]]);
    for (const store of [keys, storeOn(db, {}, root)]) {
      for (const id of destroyed) await assert.rejects(store.keyById(id), codeOf('ERR_KEY_STATE'));
    }
    // With the key gone nothing opens the ciphertext; the key is not derivable from anything left.
    assert.equal(keys.cache.size, 1);
    const d = createDecipheriv('aes-256-gcm', randomBytes(32), nonce);
    d.setAuthTag(tag);
    assert.throws(() => Buffer.concat([d.update(sealed), d.final()]));
    // Another subject is untouched; destroying again is a no-op; the state never comes back.
    assert.deepEqual((await keys.keyById(other.id)).key.reveal(), other.key.reveal());
    assert.deepEqual(await keys.destroy('subject', 'u_1'), []);
    await assert.rejects(db.query(`UPDATE custodian.data_keys SET state = 'active' WHERE scope_id = 'u_1'`), codeOf('ERR_DB_QUERY_FAILED'));
  });

  test('a wrapped key copied into another scope\'s row does not unwrap there (context binding)', async () => {
    const keys = storeOn(db);
    const a = await keys.activeKey('tenant', 't_a');
    const b = await keys.activeKey('tenant', 't_b');
    await db.query(`UPDATE custodian.data_keys SET wrapped = (SELECT wrapped FROM custodian.data_keys WHERE id = $1) WHERE id = $2`, [a.id, b.id]);
    keys.cache.clear();
    await assert.rejects(keys.keyById(b.id), codeOf('ERR_CRYPTO_DECRYPT_FAILED'));
  });

  test('usage counter: encryptions are reserved in blocks and a key at its limit is refused with ERR_KEY_USAGE_EXCEEDED', async () => {
    const keys = storeOn(db, { usageLimit: 35, reservationBlock: 10, autoRotate: false });
    const counter = async () => (await db.query<{ n: number }>(`SELECT encryptions AS n FROM custodian.data_keys`)).rows[0]!.n;
    const first = await keys.keyForEncryption('tenant', 't_1');
    assert.equal(await counter(), 10);
    for (let i = 1; i < 30; i++) assert.equal((await keys.keyForEncryption('tenant', 't_1')).id, first.id);
    assert.equal(await counter(), 30);
    await assert.rejects(keys.keyForEncryption('tenant', 't_1'), codeOf('ERR_KEY_USAGE_EXCEEDED'));
    assert.equal(await counter(), 30);
  });

  test('usage counter: a key at its limit is rotated automatically; concurrent callers share blocks', async () => {
    const keys = storeOn(db, { usageLimit: 20, reservationBlock: 5 });
    const got = await Promise.all(Array.from({ length: 30 }, () => keys.keyForEncryption('tenant', 't_1')));
    const ids = [...new Set(got.map((k) => k.id))];
    assert.equal(ids.length, 2);
    assert.equal(got.filter((k) => k.id === ids[0]).length, 20);
    const infos = await keys.list('tenant', 't_1');
    assert.deepEqual(infos.map((i) => [i.state, i.encryptions]).sort(), [['active', 10], ['decrypt-only', 20]]);
  });

  test('the database refuses moving a key state back or lowering its counter, for the owner too', async () => {
    const keys = storeOn(db);
    const k = await keys.keyForEncryption('tenant', 't_1');
    await keys.rotate('tenant', 't_1');
    await assert.rejects(db.query(`UPDATE custodian.data_keys SET state = 'active' WHERE id = $1`, [k.id]), codeOf('ERR_DB_QUERY_FAILED'));
    await assert.rejects(db.query(`UPDATE custodian.data_keys SET encryptions = 0 WHERE id = $1`, [k.id]), codeOf('ERR_DB_QUERY_FAILED'));
  });

  test('the application role reads, creates and counts keys but cannot rewrite, destroy or delete them', async () => {
    const keys = storeOn(db);
    const k = await keys.keyForEncryption('tenant', 't_1');
    await db.transaction(
      async (tx) => {
        const { rows } = await tx.query<{ n: number }>(`UPDATE custodian.data_keys SET encryptions = encryptions + 1 WHERE id = $1 RETURNING encryptions AS n`, [k.id]);
        assert.equal(rows[0]!.n, 1001);
      },
      { role: 'custodian_app' },
    );
    for (const sql of [
      `UPDATE custodian.data_keys SET wrapped = NULL, state = 'destroyed', destroyed_at = now() WHERE id = $1`,
      `UPDATE custodian.data_keys SET root_key_id = 'x' WHERE id = $1`,
      `DELETE FROM custodian.data_keys WHERE id = $1`,
    ]) {
      await assert.rejects(db.transaction((tx) => tx.query(sql, [k.id]), { role: 'custodian_app' }), (e: unknown) => codeOf('ERR_DB_QUERY_FAILED')(e) && /permission denied/.test((e as Error).message));
    }
  });

  test('no key bytes in errors or in inspect output of a data key or the store', async () => {
    const root = randomRoot();
    const keys = new KeyStore({ db, provider: new EnvKeyProvider(root) });
    const k = await keys.activeKey('subject', 'u_9');
    const errors = [
      await keys.retire(k.id, { rowsUsing: async () => 1 }).catch((e: unknown) => e),
      await keys.keyById('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e),
    ];
    await keys.destroy('subject', 'u_9');
    errors.push(await keys.keyById(k.id).catch((e: unknown) => e));
    const shown = [inspect(k, { depth: 10 }), JSON.stringify(k), inspect(keys, { depth: 10, showHidden: true }), ...errors.map((e) => inspect(e, { depth: 10 }))].join('\n');
    for (const secret of [k.key.reveal(), root.reveal()]) {
      assert.ok(!shown.includes(hex(secret)));
      assert.ok(!shown.includes(Buffer.from(secret).toString('base64')));
    }
    assert.ok(errors.every((e) => typeof (e as { code?: string }).code === 'string'));
  });
});
