import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { AwsKmsProvider, EnvKeyProvider, KeyStore, openValue, rootKeyIdOf, sealValue } from '@custodian/core/crypto';
import { startLocalKms, testBackend, type LocalKms, type TestDatabase } from '@custodian/core/testing';
import { codeOf, keysDatabase, randomRoot } from './support.js';

const context = { tenant: 't', table: 'notes', column: 'body', primaryKey: '1' };

async function rootIds(db: TestDatabase): Promise<Record<string, string | null>> {
  const { rows } = await db.query<{ id: string; root_key_id: string; wrapped: Uint8Array | null }>('SELECT id::text, root_key_id, wrapped FROM custodian.data_keys');
  return Object.fromEntries(rows.map((r) => [r.id, r.wrapped === null ? null : r.root_key_id]));
}

describe(`root key rotation: re-wrapping data keys (${testBackend()})`, () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await keysDatabase();
  });
  afterEach(() => db.close());

  test('A1: after rotating the environment root key, every live data key is re-wrapped under the new one and the old key can be dropped', async () => {
    const oldRoot = randomRoot();
    const before = new KeyStore({ db, provider: new EnvKeyProvider(oldRoot) });
    const tenantKey = await before.activeKey('tenant', 't');
    const sealed = sealValue('kept across the rotation', { key: { id: tenantKey.id, bytes: tenantKey.key }, context });
    await before.activeKey('subject', 's1');
    await before.activeKey('root', null);
    await before.rotate('tenant', 't'); // a decrypt-only key is re-wrapped too: its values still need it
    const gone = await before.destroy('subject', 's1');

    const newRoot = randomRoot();
    const during = new KeyStore({ db, provider: new EnvKeyProvider(newRoot, [oldRoot]) });
    const progress: number[] = [];
    const result = await during.rewrap({ onProgress: (done) => progress.push(done) });
    // Four keys, one destroyed: three hold wrapped bytes.
    assert.deepEqual(result, { total: 3, rewrapped: 3, changedMeanwhile: 0, remaining: 0, aborted: false });
    assert.equal(progress.at(-1), 3);
    const ids = await rootIds(db);
    for (const [id, root] of Object.entries(ids)) assert.equal(root, gone.includes(id) ? null : rootKeyIdOf(newRoot), id);

    // The old root is no longer needed: a store with only the new root opens the old value.
    const afterwards = new KeyStore({ db, provider: new EnvKeyProvider(newRoot) });
    const key = await afterwards.keyById(tenantKey.id);
    assert.equal(Buffer.from(openValue(sealed, { keys: new Map([[key.id, key.key]]), context }).reveal()).toString(), 'kept across the rotation');
    // …and a store with only the old root cannot unwrap anything any more.
    await assert.rejects(new KeyStore({ db, provider: new EnvKeyProvider(oldRoot) }).keyById(tenantKey.id), codeOf('ERR_CRYPTO_DECRYPT_FAILED'));
    // A second run finds nothing to do.
    assert.deepEqual(await during.rewrap(), { total: 0, rewrapped: 0, changedMeanwhile: 0, remaining: 0, aborted: false });
  });

  test('an interrupted re-wrap leaves every key readable, and a rerun finishes it', async () => {
    const oldRoot = randomRoot();
    const before = new KeyStore({ db, provider: new EnvKeyProvider(oldRoot) });
    for (let i = 0; i < 30; i++) await before.activeKey('tenant', `t${i}`);
    const provider = new EnvKeyProvider(randomRoot(), [oldRoot]);
    const stop = new AbortController();
    const first = await new KeyStore({ db, provider }).rewrap({ concurrency: 4, onProgress: (done) => done >= 8 && stop.abort(), signal: stop.signal });
    assert.equal(first.aborted, true);
    assert.ok(first.remaining > 0 && first.remaining < 30, String(first.remaining));
    const cold = new KeyStore({ db, provider });
    for (let i = 0; i < 30; i++) assert.equal((await cold.activeKey('tenant', `t${i}`)).key.reveal().length, 32);
    const second = await new KeyStore({ db, provider }).rewrap();
    assert.equal(second.total, first.remaining);
    assert.equal(second.remaining, 0);
  });
});

describe(`root key rotation in AWS KMS (${testBackend()})`, () => {
  let kms: LocalKms;
  let db: TestDatabase;
  const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };
  const providerFor = (keyId: string) => new AwsKmsProvider({ keyId, region: 'us-east-1', endpoint: kms.endpoint, credentials });
  before(async () => {
    kms = await startLocalKms({ keys: 2 });
    db = await keysDatabase();
  });
  after(async () => {
    await db.close();
    await kms.close();
  });

  test('B2: moving to a new KMS key re-wraps each data key with ReEncrypt (the data key never leaves KMS) and records the new key ARN', async () => {
    const first = providerFor(kms.keyArns[0]!);
    const k = await new KeyStore({ db, provider: first }).activeKey('tenant', 't');
    const second = providerFor(kms.keyArns[1]!);
    const calls = kms.calls.length;
    const result = await new KeyStore({ db, provider: second }).rewrap();
    assert.deepEqual([result.rewrapped, result.remaining], [1, 0]);
    assert.deepEqual(kms.calls.slice(calls).map((c) => c.operation), ['ReEncrypt']);
    assert.deepEqual(Object.values(await rootIds(db)), [kms.keyArns[1]]);
    const reopened = await new KeyStore({ db, provider: second }).keyById(k.id);
    assert.deepEqual(reopened.key.reveal(), k.key.reveal());
    // Through an alias the current ARN is unknown up front, so every key is re-wrapped (to wherever the alias points).
    const viaAlias = providerFor('alias/custodian-root');
    assert.equal(viaAlias.currentRootKeyId, undefined);
    const again = await new KeyStore({ db, provider: viaAlias }).rewrap();
    assert.deepEqual([again.total, again.rewrapped, again.remaining], [1, 1, 0]);
    assert.deepEqual(Object.values(await rootIds(db)), [kms.keyArns[0]]);
    for (const p of [first, second, viaAlias]) p.close();
  });
});
