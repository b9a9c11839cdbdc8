import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { DataKeyCache, Secret } from '@custodian/core/crypto';

const key = (fill: number) => new Secret(new Uint8Array(32).fill(fill));

function harness(options: { maxAgeMs?: number; maxUses?: number; maxEntries?: number }) {
  let now = 1_000_000;
  const evicted: { id: string; zeroed: Uint8Array }[] = [];
  const cache = new DataKeyCache({ ...options, now: () => now, onEvict: (id, zeroed) => evicted.push({ id, zeroed }) });
  return { cache, evicted, tick: (ms: number) => (now += ms) };
}

test('an entry older than the max age is gone and its bytes are zeroed', () => {
  const { cache, evicted, tick } = harness({ maxAgeMs: 300_000 });
  cache.set('k1', key(7));
  tick(299_999);
  assert.deepEqual(cache.get('k1')!.reveal(), new Uint8Array(32).fill(7));
  tick(1);
  assert.equal(cache.get('k1'), undefined);
  assert.deepEqual(evicted.map((e) => e.id), ['k1']);
  assert.deepEqual(evicted[0]!.zeroed, new Uint8Array(32));
});

test('an idle entry is swept and zeroed by later use of the cache, not only when asked for', () => {
  const { cache, evicted, tick } = harness({ maxAgeMs: 1000 });
  cache.set('idle', key(1));
  tick(1000);
  cache.set('other', key(2));
  assert.equal(cache.get('other')!.reveal()[0], 2);
  assert.deepEqual(evicted.map((e) => e.id), ['idle']);
  assert.equal(cache.size, 1);
});

test('an entry handed out max-uses times is evicted and zeroed', () => {
  const { cache, evicted } = harness({ maxUses: 3 });
  cache.set('k', key(9));
  const copies = [cache.get('k'), cache.get('k'), cache.get('k')];
  assert.equal(cache.get('k'), undefined);
  assert.deepEqual(evicted[0]!.zeroed, new Uint8Array(32));
  // Copies already handed out stay intact: a caller mid-encryption never finds its key zeroed.
  for (const c of copies) assert.deepEqual(c!.reveal(), new Uint8Array(32).fill(9));
});

test('the cache keeps its own copy; max entries evicts the oldest; clear zeroes everything', () => {
  const { cache, evicted } = harness({ maxEntries: 2 });
  const mine = key(5);
  cache.set('a', mine);
  mine.reveal().fill(0);
  assert.equal(cache.get('a')!.reveal()[0], 5);
  cache.set('b', key(6));
  cache.set('c', key(7));
  assert.equal(cache.get('a'), undefined);
  cache.clear();
  assert.equal(cache.size, 0);
  assert.deepEqual(evicted.map((e) => e.id), ['a', 'b', 'c']);
  for (const e of evicted) assert.deepEqual(e.zeroed, new Uint8Array(32));
});

test('inspect of the cache shows no key bytes', () => {
  const { cache } = harness({});
  cache.set('k', key(0xab));
  assert.ok(!inspect(cache, { depth: 10, showHidden: true }).toLowerCase().includes('ab, ab') && !inspect(cache, { depth: 10 }).includes('171'));
});
