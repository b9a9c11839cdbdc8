import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { EnvKeyProvider, PREVIOUS_ROOT_KEYS_ENV, rootKeyIdOf, Secret } from '@custodian/core/crypto';

const root = () => new Secret(Uint8Array.from(randomBytes(32)));
const ctx = { purpose: 'custodian-data-key', scope: 'tenant', scopeId: 't_1', keyId: 'k1' };
const opaque = (e: unknown) => {
  const err = e as Error & { code?: string };
  assert.equal(err.code, 'ERR_CRYPTO_DECRYPT_FAILED');
  assert.equal(err.message, 'a data key could not be unwrapped');
  return true;
};

describe('environment-key provider', () => {
  test('A1: a data key wrapped with AES-256-GCM under the 32-byte hex root key from the environment unwraps to the same bytes', async () => {
    const hex = randomBytes(32).toString('hex');
    const provider = EnvKeyProvider.fromEnvironment({ mode: 'production', env: { CUSTODIAN_ROOT_KEY: hex }, developmentKeyFile: '/nonexistent' });
    const { plaintext, wrapped, rootKeyId } = await provider.generateDataKey(ctx);
    assert.equal(plaintext.reveal().length, 32);
    assert.equal(wrapped.length, 69);
    assert.equal(rootKeyId, provider.currentRootKeyId);
    assert.ok(!Buffer.from(wrapped).includes(Buffer.from(plaintext.reveal())), 'the wrapped form does not contain the key');
    const back = await provider.decryptDataKey(wrapped, { ...ctx });
    assert.deepEqual(back.reveal(), plaintext.reveal());
  });

  test('context key order does not matter; any other context fails with the one opaque error', async () => {
    const provider = new EnvKeyProvider(root());
    const { plaintext, wrapped } = await provider.generateDataKey(ctx);
    const reordered = { keyId: 'k1', scopeId: 't_1', scope: 'tenant', purpose: 'custodian-data-key' };
    assert.deepEqual((await provider.decryptDataKey(wrapped, reordered)).reveal(), plaintext.reveal());
    for (const wrong of [{ ...ctx, scopeId: 't_2' }, { ...ctx, keyId: 'k2' }, { ...ctx, extra: '' }, { purpose: ctx.purpose }]) {
      await assert.rejects(provider.decryptDataKey(wrapped, wrong), opaque);
    }
  });

  test('a wrong root key, a tampered byte or a truncated blob fail with the same opaque error', async () => {
    const provider = new EnvKeyProvider(root());
    const { wrapped } = await provider.generateDataKey(ctx);
    await assert.rejects(new EnvKeyProvider(root()).decryptDataKey(wrapped, ctx), opaque);
    for (let i = 0; i < wrapped.length; i++) {
      const bad = Uint8Array.from(wrapped);
      bad[i]! ^= 0x01;
      await assert.rejects(provider.decryptDataKey(bad, ctx), opaque);
    }
    await assert.rejects(provider.decryptDataKey(wrapped.subarray(0, 60), ctx), opaque);
    await assert.rejects(provider.decryptDataKey(new Uint8Array(0), ctx), opaque);
  });

  test('the root key id is a fingerprint, not the key, and differs per key', () => {
    const a = root();
    const id = rootKeyIdOf(a);
    assert.match(id, /^[0-9a-f]{16}$/);
    const hex = Buffer.from(a.reveal()).toString('hex');
    assert.ok(!hex.includes(id) && !id.includes(hex.slice(0, 16)));
    assert.notEqual(rootKeyIdOf(root()), id);
    assert.equal(new EnvKeyProvider(a).currentRootKeyId, id);
  });

  test('root rotation: the previous root still unwraps, reEncrypt moves a key to the current root, and the old root can then go', async () => {
    const oldRoot = root();
    const newRoot = root();
    const before = new EnvKeyProvider(oldRoot);
    const { plaintext, wrapped, rootKeyId } = await before.generateDataKey(ctx);
    const during = new EnvKeyProvider(newRoot, [oldRoot]);
    assert.deepEqual(during.rootKeyIds, [rootKeyIdOf(newRoot), rootKeyId]);
    assert.deepEqual((await during.decryptDataKey(wrapped, ctx)).reveal(), plaintext.reveal());
    const { wrapped: rewrapped, rootKeyId: newId } = await during.reEncrypt(wrapped, ctx);
    assert.equal(newId, rootKeyIdOf(newRoot));
    assert.equal(during.currentRootKeyId, newId);
    const after = new EnvKeyProvider(newRoot);
    assert.deepEqual((await after.decryptDataKey(rewrapped, ctx)).reveal(), plaintext.reveal());
    await assert.rejects(after.decryptDataKey(wrapped, ctx), opaque);
    await assert.rejects(during.reEncrypt(wrapped, { ...ctx, scope: 'subject' }), opaque);
    await assert.rejects(during.reEncrypt(wrapped, ctx, 'ffffffffffffffff'), (e: Error & { code?: string }) => e.code === 'ERR_KEY_NOT_FOUND');
  });

  test('previous root keys come from the environment; a malformed one is refused without echoing it', () => {
    const cur = randomBytes(32).toString('hex');
    const prev = randomBytes(32).toString('hex');
    const p = EnvKeyProvider.fromEnvironment({ mode: 'production', env: { CUSTODIAN_ROOT_KEY: cur, [PREVIOUS_ROOT_KEYS_ENV]: ` ${prev} ,` }, developmentKeyFile: '/x' });
    assert.equal(p.rootKeyIds.length, 2);
    const bad = `${prev.slice(0, 62)}zz`;
    assert.throws(
      () => EnvKeyProvider.fromEnvironment({ mode: 'production', env: { CUSTODIAN_ROOT_KEY: cur, [PREVIOUS_ROOT_KEYS_ENV]: bad }, developmentKeyFile: '/x' }),
      (e: Error & { code?: string }) => e.code === 'ERR_KEY_INVALID' && !e.message.includes(bad) && !e.message.includes(cur),
    );
  });

  test('no key bytes in inspect output of the provider, a generated key or an unwrap error', async () => {
    const r = root();
    const provider = new EnvKeyProvider(r);
    const generated = await provider.generateDataKey(ctx);
    const err = await provider.decryptDataKey(generated.wrapped, { ...ctx, keyId: 'x' }).catch((e: unknown) => e);
    const shown = [inspect(provider, { depth: 10, showHidden: true }), inspect(generated.plaintext), JSON.stringify(generated), inspect(err, { depth: 10 })].join('\n');
    for (const secret of [r.reveal(), generated.plaintext.reveal()]) {
      const hex = Buffer.from(secret).toString('hex');
      assert.ok(!shown.includes(hex) && !shown.includes(Buffer.from(secret).toString('base64')));
      assert.ok(!shown.includes(inspect(Buffer.from(secret)).slice(8, 40)));
    }
  });
});
