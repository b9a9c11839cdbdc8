import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { openValue, parseEnvelopeHeader, sealValue, type EnvelopeAlgorithm, type ValueContext } from '@custodian/core/crypto';
import { sealWithNonce } from '../../src/crypto/envelope/seal.js';

interface Vector {
  name: string;
  algorithm: EnvelopeAlgorithm;
  keyId: string;
  key: string;
  nonce: string;
  context: ValueContext;
  plaintext: string;
  associatedData: string;
  envelope: string;
}
const { vectors } = JSON.parse(readFileSync(new URL('./vectors/envelope-v1.json', import.meta.url), 'utf8')) as { vectors: Vector[] };
const sodium = createRequire(import.meta.url)('sodium-native');
const hex = (s: string) => Buffer.from(s, 'hex');

// Independent of src/: the spec in docs/envelope.md, rebuilt here by hand.
function specHeader(v: Vector): Buffer {
  const id = Buffer.from(v.keyId, 'utf8');
  const alg = { 'xchacha20-poly1305': 1, 'aes-256-gcm': 2, 'xsalsa20-poly1305': 3 }[v.algorithm];
  return Buffer.concat([Buffer.from([0xc5, 0x01, alg, id.length]), id, hex(v.nonce)]);
}
function specContext(c: ValueContext): Buffer {
  const framed = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32BE(b.length);
    return Buffer.concat([n, b]);
  };
  const keys = typeof c.primaryKey === 'string' ? [c.primaryKey] : [...c.primaryKey];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(keys.length);
  return Buffer.concat([
    c.tenant === undefined ? Buffer.from([0]) : Buffer.concat([Buffer.from([1]), framed(c.tenant)]),
    framed(c.table),
    framed(c.column),
    count,
    ...keys.map(framed),
  ]);
}
function rawSeal(v: Vector, ad: Buffer): Buffer {
  const key = hex(v.key);
  const nonce = hex(v.nonce);
  const m = hex(v.plaintext);
  const out = Buffer.alloc(m.length + 16);
  if (v.algorithm === 'aes-256-gcm') {
    const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(ad);
    return Buffer.concat([c.update(m), c.final(), c.getAuthTag()]);
  }
  if (v.algorithm === 'xchacha20-poly1305') {
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, m, ad, null, nonce, key);
    return out;
  }
  const subkey = Buffer.alloc(32);
  sodium.crypto_generichash(subkey, Buffer.concat([Buffer.from('custodian:secretbox-ad:v1'), ad]), key);
  sodium.crypto_secretbox_easy(out, m, nonce, subkey);
  return out;
}

describe('envelope known-answer vectors (format version 1)', () => {
  test('the committed vectors cover every algorithm', () => {
    assert.deepEqual(new Set(vectors.map((v) => v.algorithm)), new Set(['xchacha20-poly1305', 'aes-256-gcm', 'xsalsa20-poly1305']));
    assert.equal(vectors.length, 12);
  });

  for (const v of vectors) {
    const claim = v.algorithm === 'aes-256-gcm' ? 'A1: ' : v.algorithm === 'xsalsa20-poly1305' ? 'B1: ' : '';
    test(`${claim}${v.name}: opens to the committed plaintext and re-seals to the identical bytes`, () => {
      const key = hex(v.key);
      const opened = openValue(hex(v.envelope), { keys: (id) => (id === v.keyId ? key : undefined), context: v.context, expectedAlgorithm: v.algorithm });
      assert.equal(Buffer.from(opened.reveal()).toString('hex'), v.plaintext);
      const resealed = sealWithNonce(hex(v.plaintext), { key: { id: v.keyId, bytes: key }, algorithm: v.algorithm, context: v.context }, (n) => n.set(hex(v.nonce)));
      assert.equal(Buffer.from(resealed).toString('hex'), v.envelope);
      assert.deepEqual(parseEnvelopeHeader(hex(v.envelope)), { version: 1, algorithm: v.algorithm, keyId: v.keyId });
    });

    test(`${claim}${v.name}: matches the byte-by-byte spec built with the raw library calls`, () => {
      const header = specHeader(v);
      const ad = Buffer.concat([header, specContext(v.context)]);
      assert.equal(ad.toString('hex'), v.associatedData);
      assert.equal(Buffer.concat([header, rawSeal(v, ad)]).toString('hex'), v.envelope);
    });
  }

  test('B1: secretbox envelopes get a fresh random nonce per record', () => {
    const key = randomBytes(32);
    const context = { table: 'messages', column: 'body', primaryKey: 'm1' };
    const nonces = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const e = sealValue('same text', { key: { id: 'k', bytes: key }, algorithm: 'xsalsa20-poly1305', context });
      nonces.add(Buffer.from(e.subarray(5, 29)).toString('hex'));
    }
    assert.equal(nonces.size, 2000);
  });
});
