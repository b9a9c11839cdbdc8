import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { test } from 'node:test';
import fc from 'fast-check';
import { blindIndex, blindIndexCandidates, deriveIndexKey, mask } from '@custodian/core/crypto';

const root = new Uint8Array(randomBytes(32));
const scope = { table: 'users', column: 'email' };

test('C1: the display mask keeps the last 4 characters, counting characters rather than bytes', () => {
  assert.equal(mask('sk-ant-api03-abcdefgh1234', { keep: 'last', length: 4 }), '1234');
  assert.equal(mask('clé-secrète-éèàü', { keep: 'last', length: 4 }), 'éèàü');
  assert.equal(mask('token-👍🏽👍🏽🇺🇸🇫🇷', { keep: 'last', length: 4 }), '👍🏽👍🏽🇺🇸🇫🇷');
  assert.equal(mask('abcdefgh', { keep: 'first', length: 3 }), 'abc');
});

test('C1: a mask never shows more than half of a value', () => {
  assert.equal(mask('abcdef', { keep: 'last', length: 4 }), 'def');
  assert.equal(mask('ab', { keep: 'last', length: 4 }), 'b');
  assert.equal(mask('a', { keep: 'last', length: 4 }), '');
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer({ min: 1, max: 16 }), (value, length) => {
      const shown = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(mask(value, { keep: 'last', length }))].length;
      const total = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(value.normalize('NFC'))].length;
      return shown <= length && shown <= Math.floor(total / 2);
    }),
  );
});

test('a blind index matches equal values after the declared normalisation, and nothing else', () => {
  const key = deriveIndexKey(root, scope);
  const a = blindIndex('  Ada@Example.com ', key, ['trim', 'lowercase']);
  assert.deepEqual(a, blindIndex('ada@example.com', key, ['trim', 'lowercase']));
  assert.notDeepEqual(a, blindIndex('ada@example.org', key, ['trim', 'lowercase']));
  assert.notDeepEqual(blindIndex('Ada', key, []), blindIndex('ada', key, []));
  assert.equal(a.length, 32);
});

test('index keys differ per column, per tenant and per version, and are not the root key', () => {
  const keys = [
    deriveIndexKey(root, scope),
    deriveIndexKey(root, { table: 'users', column: 'backup_email' }),
    deriveIndexKey(root, { ...scope, tenant: 't1' }),
    deriveIndexKey(root, { ...scope, tenant: 't2' }),
    deriveIndexKey(root, { ...scope, version: 2 }),
    // Length framing: ('ab','c') and ('a','bc') must not collide.
    deriveIndexKey(root, { table: 'ab', column: 'c' }),
    deriveIndexKey(root, { table: 'a', column: 'bc' }),
  ].map((k) => Buffer.from(k.reveal()).toString('hex'));
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(!keys.includes(Buffer.from(root).toString('hex')));
  assert.equal(inspect(deriveIndexKey(root, scope)), '[Secret]');
});

test('during an index key rotation a value is found under the old or the new index', () => {
  const oldKey = deriveIndexKey(root, { ...scope, version: 1 });
  const newKey = deriveIndexKey(root, { ...scope, version: 2 });
  const stored = blindIndex('ada@example.com', oldKey, ['lowercase']);
  const candidates = blindIndexCandidates('ADA@example.com', [newKey, oldKey], ['lowercase']);
  assert.ok(candidates.some((c) => c.equals(stored)));
  assert.equal(candidates.length, 2);
});
