import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { openText, openValue, sealValue, Secret, type EnvelopeAlgorithm } from '@custodian/core/crypto';

const PLAINTEXT = 'SSN-987-65-4321-canary';
const key = randomBytes(32);
const keyHex = key.toString('hex');
const context = { tenant: 't1', table: 'tax_forms', column: 'ssn', primaryKey: 'f1' };
const ALGORITHMS: EnvelopeAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm', 'xsalsa20-poly1305'];

/** Every way a value commonly reaches a log or a response. */
function renderings(value: unknown): string[] {
  const out = [String(value), inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? ''];
  if (value instanceof Error) out.push(value.message, value.stack ?? '', inspect(value.cause), JSON.stringify({ error: value }));
  if (value instanceof Uint8Array) {
    const b = Buffer.from(value);
    out.push(b.toString('utf8'), b.toString('latin1'), b.toString('hex'), b.toString('base64'));
  }
  return out;
}
function assertHidden(value: unknown, secrets: string[]): void {
  for (const text of renderings(value)) {
    for (const s of secrets) assert.ok(!text.includes(s), 'a secret appears in a rendering');
  }
}
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}
const forms = [PLAINTEXT, Buffer.from(PLAINTEXT).toString('hex'), Buffer.from(PLAINTEXT).toString('base64'), keyHex];

describe('envelope: secrets stay secret', () => {
  for (const algorithm of ALGORITHMS) {
    const claim = algorithm === 'aes-256-gcm' ? 'A1, C1' : algorithm === 'xsalsa20-poly1305' ? 'B1' : '';
    test(`${claim ? `${claim}: ` : ''}${algorithm} — the plaintext and key never show in the envelope, the opened value or any error`, () => {
      const envelope = sealValue(PLAINTEXT, { key: { id: 'k1', bytes: key }, algorithm, context });
      assertHidden(envelope, forms);

      const opened = openValue(envelope, { keys: () => key, context });
      assert.ok(opened instanceof Secret);
      for (const text of renderings(opened)) assert.ok(text.includes('[Secret]') && !text.includes(PLAINTEXT));
      assert.equal(Buffer.from(opened.reveal()).toString('utf8'), PLAINTEXT);

      const asText = openText(envelope, { keys: () => key, context });
      for (const text of renderings(asText)) assert.ok(text.includes('[Secret]') && !text.includes(PLAINTEXT));
      assert.equal(asText.reveal(), PLAINTEXT);
      assertHidden({ row: { ssn: asText } }, forms);

      // Failures while opening: wrong context, tampered, unknown key.
      const tampered = Uint8Array.from(envelope);
      tampered[tampered.length - 1]! ^= 1;
      for (const error of [
        thrown(() => openValue(envelope, { keys: () => key, context: { ...context, primaryKey: 'f2' } })),
        thrown(() => openText(tampered, { keys: () => key, context })),
        thrown(() => openValue(envelope, { keys: () => undefined, context })),
      ]) assertHidden(error, forms);

      // Failures while sealing: the plaintext and key passed in do not echo back.
      for (const error of [
        thrown(() => sealValue(PLAINTEXT, { key: { id: 'k1', bytes: key }, algorithm, context: { ...context, table: '' } })),
        thrown(() => sealValue(PLAINTEXT, { key: { id: 'k1', bytes: key.subarray(0, 31) }, algorithm, context })),
        thrown(() => sealValue(PLAINTEXT, { key: { id: '', bytes: key }, algorithm, context })),
        thrown(() => sealValue(`${PLAINTEXT}\ud800`, { key: { id: 'k1', bytes: key }, algorithm, context })),
        thrown(() => sealValue(PLAINTEXT, { key: { id: 'k1', bytes: key }, algorithm: 'rot13' as never, context })),
      ]) {
        assert.ok((error as { code?: string }).code?.startsWith('ERR_CRYPTO_'));
        assertHidden(error, forms);
      }
    });
  }

  test('a plaintext given as a Secret seals like the bare value, and keys may be Secrets too', () => {
    const envelope = sealValue(new Secret(PLAINTEXT), { key: { id: 'k1', bytes: new Secret(Uint8Array.from(key)) }, context });
    assert.equal(openText(envelope, { keys: () => new Secret(Uint8Array.from(key)), context }).reveal(), PLAINTEXT);
  });
});
