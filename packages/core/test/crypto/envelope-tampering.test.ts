import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { openValue, sealValue, type EnvelopeAlgorithm, type ValueContext } from '@custodian/core/crypto';

const ALGORITHMS: EnvelopeAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm', 'xsalsa20-poly1305'];
const CLAIM: Record<EnvelopeAlgorithm, string> = { 'aes-256-gcm': 'A1, C1', 'xsalsa20-poly1305': 'B1', 'xchacha20-poly1305': '' };
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keyring = new Map<string, Uint8Array>([['key-a', keyA], ['key-b', keyB]]);

/** The one error every failed open must be, checked field by field. */
function isOpaque(error: unknown): boolean {
  assert.ok(error instanceof Error);
  assert.equal((error as { code?: string }).code, 'ERR_CRYPTO_DECRYPT_FAILED');
  assert.equal(error.message, 'the value could not be decrypted');
  assert.equal(error.cause, undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(error)), { code: 'ERR_CRYPTO_DECRYPT_FAILED', message: 'the value could not be decrypted' });
  return true;
}
const rejects = (envelope: Uint8Array, context: ValueContext, expectedAlgorithm?: EnvelopeAlgorithm) =>
  assert.throws(() => openValue(envelope, { keys: keyring, context, expectedAlgorithm }), isOpaque);

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const nonEmpty = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const contextArb: fc.Arbitrary<ValueContext> = fc.record(
  {
    tenant: nonEmpty,
    table: nonEmpty,
    column: nonEmpty,
    primaryKey: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })),
  },
  { requiredKeys: ['table', 'column', 'primaryKey'] },
);
const algorithmArb = fc.constantFrom(...ALGORITHMS);
const bytesArb = fc.uint8Array({ maxLength: 300 });
const canon = (c: ValueContext) => JSON.stringify([c.tenant ?? null, c.table, c.column, typeof c.primaryKey === 'string' ? [c.primaryKey] : c.primaryKey]);

describe('envelope: round trips and tampering', () => {
  test('A1, B1: any plaintext and context round-trip under every algorithm, strings and bytes alike', () => {
    fc.assert(
      fc.property(fc.oneof(bytesArb, fc.string({ unit: 'grapheme' })), contextArb, algorithmArb, (plaintext, context, algorithm) => {
        const envelope = sealValue(plaintext, { key: { id: 'key-a', bytes: keyA }, algorithm, context });
        const opened = Buffer.from(openValue(envelope, { keys: keyring, context, expectedAlgorithm: algorithm }).reveal());
        const expected = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : Buffer.from(plaintext);
        assert.ok(opened.equals(expected));
      }),
      { numRuns: 300 },
    );
  });

  for (const algorithm of ALGORITHMS) {
    test(`${CLAIM[algorithm] ? `${CLAIM[algorithm]}: ` : ''}${algorithm} — flipping any single byte of a sample of envelopes is rejected (exhaustive over positions)`, () => {
      let flips = 0;
      const samples = fc.sample(fc.tuple(bytesArb, contextArb), { numRuns: 6, seed: 7 });
      for (const [plaintext, context] of samples) {
        const envelope = sealValue(plaintext, { key: { id: 'key-a', bytes: keyA }, algorithm, context });
        for (let i = 0; i < envelope.length; i++) {
          for (const mask of [0x01, 0x80, 0xff]) {
            const copy = Uint8Array.from(envelope);
            copy[i]! ^= mask;
            rejects(copy, context);
            flips++;
          }
        }
      }
      assert.ok(flips > 500, `${flips} flips`);
    });
  }

  test('A1, B1: a random single-byte change anywhere is rejected (property)', () => {
    fc.assert(
      fc.property(bytesArb, contextArb, algorithmArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (plaintext, context, algorithm, at, mask) => {
        const envelope = sealValue(plaintext, { key: { id: 'key-a', bytes: keyA }, algorithm, context });
        envelope[at % envelope.length]! ^= mask;
        rejects(envelope, context);
      }),
      { numRuns: 500 },
    );
  });

  test('A1, B1, C1: a value moved to another row, column, table or tenant is rejected', () => {
    fc.assert(
      fc.property(bytesArb, contextArb, contextArb, algorithmArb, (plaintext, from, to, algorithm) => {
        fc.pre(canon(from) !== canon(to));
        const envelope = sealValue(plaintext, { key: { id: 'key-a', bytes: keyA }, algorithm, context: from });
        rejects(envelope, to);
      }),
      { numRuns: 500 },
    );
    const base = { tenant: 't1', table: 'users', column: 'ssn', primaryKey: 'u1' };
    const envelope = sealValue('123-45-6789', { key: { id: 'key-a', bytes: keyA }, algorithm: 'aes-256-gcm', context: base });
    for (const moved of [
      { ...base, primaryKey: 'u2' },
      { ...base, column: 'ein' },
      { ...base, table: 'payouts' },
      { ...base, tenant: 't2' },
      { table: 'users', column: 'ssn', primaryKey: 'u1' },
      { ...base, primaryKey: ['u1', ''] },
      { ...base, table: 'user', column: 'sssn' },
    ]) rejects(envelope, moved);
  });

  test('length framing: contexts whose strings concatenate alike are different contexts', () => {
    const a = { table: 'ab', column: 'c', primaryKey: ['x', 'y'] };
    const envelope = sealValue('v', { key: { id: 'key-a', bytes: keyA }, context: a });
    for (const b of [{ table: 'a', column: 'bc', primaryKey: ['x', 'y'] }, { table: 'ab', column: 'c', primaryKey: ['xy'] }, { table: 'ab', column: 'c', primaryKey: ['x', 'y', ''] }, { tenant: 'ab', table: 'c', column: 'x', primaryKey: 'y' }]) {
      rejects(envelope, b);
    }
    assert.equal(Buffer.from(openValue(envelope, { keys: keyring, context: a }).reveal()).toString(), 'v');
    // A single string key and a one-element array are the same key, by design.
    const single = sealValue('v', { key: { id: 'key-a', bytes: keyA }, context: { table: 't', column: 'c', primaryKey: 'k' } });
    assert.equal(Buffer.from(openValue(single, { keys: keyring, context: { table: 't', column: 'c', primaryKey: ['k'] } }).reveal()).toString(), 'v');
  });

  test('A1, B1: every truncation is rejected', () => {
    for (const algorithm of ALGORITHMS) {
      const context = { table: 't', column: 'c', primaryKey: '1' };
      const envelope = sealValue(randomBytes(40), { key: { id: 'key-a', bytes: keyA }, algorithm, context });
      for (let n = 0; n < envelope.length; n++) rejects(envelope.subarray(0, n), context);
      rejects(Buffer.concat([envelope, Buffer.from([0])]), context);
    }
  });

  test('A1, B1: a changed header is rejected — version, algorithm, key id, or another known key', () => {
    const context = { table: 't', column: 'c', primaryKey: '1' };
    for (const algorithm of ALGORITHMS) {
      const envelope = sealValue('secret', { key: { id: 'key-a', bytes: keyA }, algorithm, context });
      const edit = (f: (b: Uint8Array) => void) => { const b = Uint8Array.from(envelope); f(b); return b; };
      rejects(edit((b) => (b[0] = 0x00)), context);
      rejects(edit((b) => (b[1] = 2)), context);
      for (const alg of [0, 1, 2, 3, 4, 255]) if (alg !== envelope[2]) rejects(edit((b) => (b[2] = alg)), context);
      // 'key-a' → 'key-b': a key that exists, so the open really runs under it.
      rejects(edit((b) => (b[8] = 'b'.charCodeAt(0))), context);
      rejects(edit((b) => (b[3] = 4)), context);
      rejects(envelope, context, ALGORITHMS.find((a) => a !== algorithm));
      assert.equal(Buffer.from(openValue(envelope, { keys: keyring, context, expectedAlgorithm: algorithm }).reveal()).toString(), 'secret');
    }
  });

  test('unknown key, wrong key, malformed keyring answers, junk input and bad contexts give the same error', () => {
    const context = { table: 't', column: 'c', primaryKey: '1' };
    const envelope = sealValue('secret', { key: { id: 'key-a', bytes: keyA }, context });
    assert.throws(() => openValue(envelope, { keys: () => undefined, context }), isOpaque);
    assert.throws(() => openValue(envelope, { keys: () => keyB, context }), isOpaque);
    assert.throws(() => openValue(envelope, { keys: () => keyA.subarray(0, 16), context }), isOpaque);
    assert.throws(() => openValue(envelope, { keys: () => 'not bytes' as never, context }), isOpaque);
    for (const junk of [new Uint8Array(0), new Uint8Array(200), randomBytes(64), 'c5' as never, null as never]) {
      assert.throws(() => openValue(junk, { keys: keyring, context }), isOpaque);
    }
    for (const bad of [{}, { ...context, table: '' }, { ...context, primaryKey: [] }, { ...context, tenant: '' }, { ...context, column: '\ud800' }, null]) {
      assert.throws(() => openValue(envelope, { keys: keyring, context: bad as never }), isOpaque);
    }
  });
});
