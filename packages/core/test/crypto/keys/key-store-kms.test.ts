import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { AwsKmsProvider, KeyStore } from '@custodian/core/crypto';
import { startLocalKms, testBackend, type LocalKms, type TestDatabase } from '@custodian/core/testing';
import { codeOf, hex, keysDatabase } from './support.js';

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

describe(`key store over AWS KMS (${testBackend()})`, () => {
  let kms: LocalKms;
  let db: TestDatabase;
  let provider: AwsKmsProvider;
  before(async () => {
    kms = await startLocalKms();
    provider = new AwsKmsProvider({ keyId: 'alias/custodian-root', region: 'us-east-1', endpoint: kms.endpoint, credentials });
  });
  after(async () => {
    provider.close();
    await kms.close();
  });
  beforeEach(async () => {
    db = await keysDatabase();
  });
  afterEach(() => db.close());

  test('B2: a data key wrapped by a KMS-held root key is stored wrapped, bound to its scope, and unwrapped through KMS by another instance', async () => {
    const keys = new KeyStore({ db, provider });
    const k = await keys.activeKey('tenant', 't_1');
    const { rows } = await db.query<{ provider: string; root_key_id: string; wrapped: Uint8Array }>(
      'SELECT provider, root_key_id, wrapped FROM custodian.data_keys WHERE id = $1',
      [k.id],
    );
    assert.deepEqual([rows[0]!.provider, rows[0]!.root_key_id], ['aws-kms', kms.keyArns[0]]);
    assert.ok(!hex(rows[0]!.wrapped).includes(hex(k.key.reveal())));
    const before = kms.calls.filter((c) => c.operation === 'Decrypt').length;
    const cold = new KeyStore({ db, provider });
    assert.deepEqual((await cold.keyById(k.id)).key.reveal(), k.key.reveal());
    await cold.keyById(k.id); // second use comes from the cache
    const decrypts = kms.calls.filter((c) => c.operation === 'Decrypt');
    assert.equal(decrypts.length, before + 1);
    assert.deepEqual(decrypts.at(-1)!.context, { purpose: 'custodian-data-key', scope: 'tenant', scopeId: 't_1', keyId: k.id });
  });

  test('B2: destroying a subject key held under KMS leaves nothing KMS can unwrap', async () => {
    const keys = new KeyStore({ db, provider });
    const k = await keys.activeKey('subject', 'u_1');
    assert.deepEqual(await keys.destroy('subject', 'u_1'), [k.id]);
    await assert.rejects(new KeyStore({ db, provider }).keyById(k.id), codeOf('ERR_KEY_STATE'));
  });

  test('KMS down: first use of a scope fails with ERR_KMS_UNAVAILABLE and creates no key row', async () => {
    const down = await startLocalKms();
    const endpoint = down.endpoint;
    await down.close();
    const dead = new AwsKmsProvider({ keyId: 'alias/custodian-root', region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
    try {
      await assert.rejects(new KeyStore({ db, provider: dead }).activeKey('tenant', 't_1'), codeOf('ERR_KMS_UNAVAILABLE'));
    } finally {
      dead.close();
    }
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.data_keys');
    assert.equal(rows[0]!.n, 0);
  });
});
