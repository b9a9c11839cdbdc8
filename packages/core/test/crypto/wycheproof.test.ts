import assert from 'node:assert/strict';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { describe, test } from 'node:test';
import { aes256gcm, chacha20poly1305, xchacha20poly1305, type Aead } from '../../src/crypto/aead/index.js';
import { hex, loadVectors, type WycheproofGroup } from './wycheproof.js';

// Every applicable vector runs; each test asserts how many did, so a filter
// that silently drops vectors fails instead of passing vacuously.

function isDecryptError(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === 'ERR_CRYPTO_DECRYPT_FAILED' && error.message === 'the value could not be decrypted';
}

function runAead(file: string, aead: Aead, applicable: (g: WycheproofGroup) => boolean) {
  const data = loadVectors(file);
  const groups = data.testGroups.filter(applicable);
  const expected = groups.reduce((n, g) => n + g.tests.length, 0);
  let valid = 0;
  let invalid = 0;
  for (const group of groups) {
    for (const v of group.tests) {
      const [key, iv, aad, msg, ct, tag] = [v.key, v.iv, v.aad, v.msg, v.ct, v.tag].map(hex) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
      const sealed = Buffer.concat([ct, tag]);
      const label = `tcId ${v.tcId} (${v.comment})`;
      if (v.result === 'valid') {
        assert.equal(Buffer.from(aead.open(key, iv, sealed, aad)).toString('hex'), msg.toString('hex'), label);
        assert.equal(Buffer.from(aead.seal(key, iv, msg, aad)).toString('hex'), sealed.toString('hex'), label);
        valid++;
      } else {
        assert.equal(v.result, 'invalid', label);
        assert.throws(() => aead.open(key, iv, sealed, aad), isDecryptError, label);
        invalid++;
      }
    }
  }
  return { total: data.numberOfTests, expected, valid, invalid };
}

describe('Wycheproof vectors', () => {
  test('A1: AES-256-GCM (256-bit keys, 96-bit IVs, 128-bit tags) opens every valid vector and rejects every invalid one', (t) => {
    const r = runAead('aes_gcm_test.json', aes256gcm, (g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128);
    t.diagnostic(`aes_gcm_test.json: ${r.valid} valid + ${r.invalid} invalid of ${r.expected} applicable (${r.total} in file)`);
    assert.ok(r.expected > 0);
    assert.equal(r.valid + r.invalid, r.expected);
    assert.ok(r.invalid > 0);
    // Other IV lengths go through GHASH; this build refuses them outright.
    let refused = 0;
    for (const g of loadVectors('aes_gcm_test.json').testGroups.filter((g) => g.keySize === 256 && g.ivSize !== 96)) {
      for (const v of g.tests) {
        assert.throws(() => aes256gcm.open(hex(v.key), hex(v.iv), Buffer.concat([hex(v.ct), hex(v.tag)]), hex(v.aad)), isDecryptError);
        refused++;
      }
    }
    t.diagnostic(`aes_gcm_test.json: ${refused} vectors with 256-bit keys and other IV lengths refused`);
    assert.ok(refused > 0);
  });

  test('XChaCha20-Poly1305 opens every valid vector and rejects every invalid one, wrong nonce sizes included', (t) => {
    const r = runAead('xchacha20_poly1305_test.json', xchacha20poly1305, () => true);
    t.diagnostic(`xchacha20_poly1305_test.json: ${r.valid} valid + ${r.invalid} invalid of ${r.expected} applicable (${r.total} in file)`);
    assert.ok(r.expected > 0);
    assert.equal(r.valid + r.invalid, r.expected);
    assert.equal(r.expected, r.total);
  });

  test('ChaCha20-Poly1305 opens every valid vector and rejects every invalid one, wrong nonce sizes included', (t) => {
    const r = runAead('chacha20_poly1305_test.json', chacha20poly1305, () => true);
    t.diagnostic(`chacha20_poly1305_test.json: ${r.valid} valid + ${r.invalid} invalid of ${r.expected} applicable (${r.total} in file)`);
    assert.ok(r.expected > 0);
    assert.equal(r.valid + r.invalid, r.expected);
    assert.equal(r.expected, r.total);
  });

  test('HKDF-SHA256 (node:crypto hkdfSync) derives every valid output and refuses every invalid size', (t) => {
    const data = loadVectors('hkdf_sha256_test.json');
    let valid = 0;
    let invalid = 0;
    for (const v of data.testGroups.flatMap((g) => g.tests)) {
      const derive = () => Buffer.from(hkdfSync('sha256', hex(v.ikm), hex(v.salt), hex(v.info), Number(v.size)));
      if (v.result === 'valid') {
        assert.equal(derive().toString('hex'), String(v.okm), `tcId ${v.tcId}`);
        valid++;
      } else {
        assert.throws(derive, `tcId ${v.tcId}`);
        invalid++;
      }
    }
    t.diagnostic(`hkdf_sha256_test.json: ${valid} valid + ${invalid} invalid of ${data.numberOfTests}`);
    assert.ok(valid > 0 && invalid > 0);
    assert.equal(valid + invalid, data.numberOfTests);
  });

  test('HMAC-SHA256 (node:crypto) verifies every valid tag, truncated ones included, and rejects every invalid one', (t) => {
    const data = loadVectors('hmac_sha256_test.json');
    let valid = 0;
    let invalid = 0;
    for (const group of data.testGroups) {
      const tagBytes = group.tagSize! / 8;
      for (const v of group.tests) {
        const tag = hex(v.tag);
        const mac = createHmac('sha256', hex(v.key)).update(hex(v.msg)).digest().subarray(0, tagBytes);
        const verifies = tag.length === tagBytes && timingSafeEqual(mac, tag);
        assert.equal(verifies, v.result === 'valid', `tcId ${v.tcId} (${v.comment})`);
        if (verifies) valid++;
        else invalid++;
      }
    }
    t.diagnostic(`hmac_sha256_test.json: ${valid} valid + ${invalid} invalid of ${data.numberOfTests}`);
    assert.ok(valid > 0 && invalid > 0);
    assert.equal(valid + invalid, data.numberOfTests);
  });
});
