import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { test } from 'node:test';
import { resolveRootKey, Secret, sealPlaceholder, openPlaceholder, isPlaceholder } from '@custodian/core/crypto';

test('a Secret shows nothing through String, JSON, inspect or format', () => {
  const s = new Secret('hunter2-plaintext');
  for (const shown of [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ nested: { s } }), format('%s %o %j', s, s, s)]) {
    assert.ok(!shown.includes('hunter2'), shown);
  }
  assert.equal(s.reveal(), 'hunter2-plaintext');
});

test('production mode refuses to start without a root key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-key-'));
  assert.throws(() => resolveRootKey({ mode: 'production', env: {}, developmentKeyFile: join(dir, 'k') }), (e: Error & { code?: string }) => e.code === 'ERR_KEY_REQUIRED');
});

test('A1: the root key is 32 bytes given as hex in an environment variable; anything else is refused without echoing it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-key-'));
  const good = 'ab'.repeat(32);
  const key = resolveRootKey({ mode: 'production', env: { CUSTODIAN_ROOT_KEY: good }, developmentKeyFile: join(dir, 'k') });
  assert.equal(key.source, 'environment');
  assert.equal(Buffer.from(key.key.reveal()).toString('hex'), good);
  const bad = 'zz'.repeat(32);
  assert.throws(
    () => resolveRootKey({ mode: 'production', env: { CUSTODIAN_ROOT_KEY: bad }, developmentKeyFile: join(dir, 'k') }),
    (e: Error & { code?: string }) => e.code === 'ERR_KEY_INVALID' && !e.message.includes(bad),
  );
});

test('development mode generates a key once, readable only by its owner, and reuses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-key-'));
  const file = join(dir, 'state', 'dev-root-key');
  const first = resolveRootKey({ mode: 'development', env: {}, developmentKeyFile: file });
  assert.equal(first.source, 'development-generated');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const second = resolveRootKey({ mode: 'development', env: {}, developmentKeyFile: file });
  assert.equal(second.source, 'development-file');
  assert.deepEqual(second.key.reveal(), first.key.reveal());
  assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
  writeFileSync(file, 'not a key');
  assert.throws(() => resolveRootKey({ mode: 'development', env: {}, developmentKeyFile: file }), (e: Error & { code?: string }) => e.code === 'ERR_KEY_INVALID');
});

test('placeholder values are marked, round-trip, and never contain the plaintext verbatim', () => {
  const sealed = sealPlaceholder('123-45-6789');
  assert.ok(isPlaceholder(sealed));
  assert.ok(!sealed.toString('latin1').includes('123-45-6789'));
  assert.equal(openPlaceholder(sealed), '123-45-6789');
  assert.ok(!isPlaceholder(Buffer.from('plain')));
});
