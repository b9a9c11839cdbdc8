import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { AwsKmsProvider } from '@custodian/core/crypto';
import { startLocalKms, type LocalKms } from '@custodian/core/testing';

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };
const ctx = { purpose: 'custodian-data-key', scope: 'subject', scopeId: 'u_42', keyId: 'k1' };
const codeOf = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

describe('AWS KMS provider against a local KMS server over HTTP', () => {
  let kms: LocalKms;
  let provider: AwsKmsProvider;
  before(async () => {
    kms = await startLocalKms({ keys: 2 });
    provider = new AwsKmsProvider({ keyId: 'alias/custodian-root', region: 'us-east-1', endpoint: kms.endpoint, credentials });
  });
  after(async () => {
    provider.close();
    await kms.close();
  });

  test('B2: a data key wrapped by a KMS-held root key is generated with its EncryptionContext and unwraps only through KMS', async () => {
    const { plaintext, wrapped, rootKeyId } = await provider.generateDataKey(ctx);
    assert.equal(plaintext.reveal().length, 32);
    assert.equal(rootKeyId, kms.keyArns[0]);
    assert.ok(!Buffer.from(wrapped).includes(Buffer.from(plaintext.reveal())));
    const back = await provider.decryptDataKey(wrapped, ctx);
    assert.deepEqual(back.reveal(), plaintext.reveal());
    const seen = kms.calls.slice(-2);
    assert.deepEqual(seen.map((c) => c.operation), ['GenerateDataKey', 'Decrypt']);
    assert.deepEqual(seen.map((c) => c.context), [ctx, ctx]);
  });

  test('a wrong EncryptionContext is rejected by KMS and reported as the one opaque unwrap error', async () => {
    const { wrapped } = await provider.generateDataKey(ctx);
    for (const wrong of [{ ...ctx, scopeId: 'u_43' }, { ...ctx, keyId: 'k2' }, {}]) {
      await assert.rejects(provider.decryptDataKey(wrapped, wrong), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ERR_CRYPTO_DECRYPT_FAILED');
        assert.equal(e.message, 'a data key could not be unwrapped');
        return true;
      });
    }
    const tampered = Uint8Array.from(wrapped);
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(provider.decryptDataKey(tampered, ctx), codeOf('ERR_CRYPTO_DECRYPT_FAILED'));
  });

  test('reEncrypt moves a wrapped key to another KMS key without changing the data key', async () => {
    const { plaintext, wrapped } = await provider.generateDataKey(ctx);
    const { wrapped: moved, rootKeyId } = await provider.reEncrypt(wrapped, ctx, kms.keyArns[1]);
    assert.equal(rootKeyId, kms.keyArns[1]);
    assert.notDeepEqual(moved, wrapped);
    assert.deepEqual((await provider.decryptDataKey(moved, ctx)).reveal(), plaintext.reveal());
    await assert.rejects(provider.reEncrypt(wrapped, { ...ctx, scope: 'tenant' }), codeOf('ERR_CRYPTO_DECRYPT_FAILED'));
  });

  test('the local server refuses a request without an Authorization header', async () => {
    const res = await fetch(kms.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateDataKey' },
      body: JSON.stringify({ KeyId: 'alias/custodian-root', KeySpec: 'AES_256' }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
  });

  test('an unknown KMS key is ERR_KMS_UNAVAILABLE, not an unwrap failure', async () => {
    const other = new AwsKmsProvider({ keyId: 'alias/nope', region: 'us-east-1', endpoint: kms.endpoint, credentials });
    try {
      await assert.rejects(other.generateDataKey(ctx), codeOf('ERR_KMS_UNAVAILABLE'));
    } finally {
      other.close();
    }
  });

  test('no key bytes or credentials in errors or inspect output', async () => {
    const { plaintext, wrapped } = await provider.generateDataKey(ctx);
    const err = await provider.decryptDataKey(wrapped, { ...ctx, keyId: 'zz' }).catch((e: unknown) => e);
    const shown = [inspect(err, { depth: 10 }), inspect(plaintext), String(plaintext), JSON.stringify({ plaintext })].join('\n');
    assert.ok(!shown.includes(Buffer.from(plaintext.reveal()).toString('hex')));
    assert.ok(!shown.includes(Buffer.from(plaintext.reveal()).toString('base64')));
    assert.ok(!shown.includes(credentials.secretAccessKey));
  });
});

describe('AWS KMS provider when KMS is unreachable', () => {
  test('a closed port fails with ERR_KMS_UNAVAILABLE quickly', async () => {
    const kms = await startLocalKms();
    const endpoint = kms.endpoint;
    await kms.close();
    const provider = new AwsKmsProvider({ keyId: 'alias/custodian-root', region: 'us-east-1', endpoint, credentials, maxAttempts: 2 });
    const started = Date.now();
    try {
      await assert.rejects(provider.generateDataKey(ctx), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ERR_KMS_UNAVAILABLE');
        assert.ok(!e.message.includes(endpoint));
        return true;
      });
    } finally {
      provider.close();
    }
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  test('a server that accepts and never answers fails with ERR_KMS_UNAVAILABLE after the request timeout, no hang', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const { port } = silent.address() as AddressInfo;
    const provider = new AwsKmsProvider({
      keyId: 'alias/custodian-root',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials,
      requestTimeoutMs: 300,
      maxAttempts: 1,
    });
    const started = Date.now();
    try {
      await assert.rejects(provider.decryptDataKey(new Uint8Array(80), ctx), codeOf('ERR_KMS_UNAVAILABLE'));
    } finally {
      provider.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => silent.close(() => ok()));
    }
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  });
});
