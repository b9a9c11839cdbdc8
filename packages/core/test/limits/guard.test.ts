import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BruteForceGuard, GuardedLimiter, openLimitStore, targetKey, type LimitStore } from '@custodian/core/limits';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const fresh = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`limits on the ${kind} store`, () => {
    const store: LimitStore = openLimitStore(kind === 'redis' ? { redisUrl: REDIS_URL } : {});
    after(() => store.close());

    test(`C21: a limit admits exactly its points per window, then refuses with the time to wait (${kind})`, async () => {
      if (kind === 'redis') await waitReady(store);
      const limiter = new GuardedLimiter(store, fresh('t'), { points: 5, durationSeconds: 60, blockSeconds: 0 }, 'local-fallback');
      const key = fresh('k');
      const verdicts = [];
      for (let i = 0; i < 8; i++) verdicts.push(await limiter.consume(key));
      assert.deepEqual(verdicts.map((v) => v.ok), [true, true, true, true, true, false, false, false]);
      assert.deepEqual(verdicts.slice(0, 5).map((v) => (v.ok ? v.remaining : -1)), [4, 3, 2, 1, 0]);
      const refused = verdicts[5]!;
      assert.ok(!refused.ok && refused.reason === 'limited' && refused.resetMs > 55_000 && refused.resetMs <= 60_000, JSON.stringify(refused));
      assert.ok(verdicts.every((v) => !('degraded' in v) || v.degraded === false));
      // Another key has its own count.
      assert.equal((await limiter.consume(fresh('k'))).ok, true);
    });

    test(`C21: blockFor keeps refusing after the window for the declared time (${kind})`, async () => {
      const limiter = new GuardedLimiter(store, fresh('b'), { points: 2, durationSeconds: 1, blockSeconds: 30 }, 'local-fallback');
      const key = fresh('k');
      await limiter.consume(key);
      await limiter.consume(key);
      const third = await limiter.consume(key);
      assert.ok(!third.ok && third.reason === 'limited' && third.resetMs > 25_000, JSON.stringify(third));
      await sleep(1100);
      const later = await limiter.consume(key);
      assert.equal(later.ok, false, 'still blocked after the 1 s window ended');
    });

    test(`C23: maxFailures failures block the key, longer each time; a success resets the count (${kind})`, async () => {
      const guard = new BruteForceGuard(store, { maxFailures: 3, perSeconds: 60, blockSeconds: 1, escalation: 3 });
      const ip = `198.51.100.${Math.floor(Math.random() * 250)}-${fresh('x')}`;
      assert.equal(await guard.fail('ip', ip), null);
      assert.equal(await guard.fail('ip', ip), null);
      assert.equal(await guard.blockedFor('ip', ip), 0);
      const first = await guard.fail('ip', ip);
      assert.deepEqual(first && { level: first.level, seconds: first.seconds, scope: first.scope }, { level: 1, seconds: 1, scope: 'ip' });
      const left = await guard.blockedFor('ip', ip);
      assert.ok(left > 0 && left <= 1000, String(left));
      // While blocked, further failures place no second block.
      assert.equal(await guard.fail('ip', ip), null);
      await sleep(1100);
      assert.equal(await guard.blockedFor('ip', ip), 0);
      for (let i = 0; i < 2; i++) assert.equal(await guard.fail('ip', ip), null);
      const second = await guard.fail('ip', ip);
      assert.deepEqual(second && { level: second.level, seconds: second.seconds }, { level: 2, seconds: 3 }, 'escalated ×3');
      assert.ok((await guard.blockedFor('ip', ip)) > 2000);

      // A success between failures starts the count again.
      const target = targetKey('invite', fresh('token'));
      await guard.fail('target', target);
      await guard.fail('target', target);
      await guard.succeed([{ scope: 'target', key: target }]);
      assert.equal(await guard.fail('target', target), null);
      assert.equal(await guard.fail('target', target), null);
      assert.ok(await guard.fail('target', target), 'the third failure after the reset blocks');
    });
  });
}

test('C23: targets are counted under a hash, never their value', () => {
  const key = targetKey('email', 'ada@example.com');
  assert.match(key, /^email:[0-9a-f]{32}$/);
  assert.ok(!key.includes('ada'));
  assert.notEqual(key, targetKey('email', 'bob@example.com'));
});

describe('C21: when Redis cannot be reached, each mode answers at once', () => {
  test('local-fallback still counts (never unlimited), allow admits, deny refuses; no call waits past the timeout', async () => {
    const store = openLimitStore({ redisUrl: `redis://127.0.0.1:${await closedPort()}`, timeoutMs: 50 });
    try {
      const shape = { points: 3, durationSeconds: 60, blockSeconds: 0 };
      const fallback = new GuardedLimiter(store, fresh('f'), shape, 'local-fallback');
      const open = new GuardedLimiter(store, fresh('o'), shape, 'allow');
      const closed = new GuardedLimiter(store, fresh('c'), shape, 'deny');
      const slowest = { ms: 0 };
      const timed = async <T>(p: Promise<T>): Promise<T> => {
        const t = performance.now();
        const r = await p;
        slowest.ms = Math.max(slowest.ms, performance.now() - t);
        return r;
      };
      const fb = [];
      for (let i = 0; i < 5; i++) fb.push(await timed(fallback.consume('k')));
      assert.deepEqual(fb.map((v) => v.ok), [true, true, true, false, false]);
      assert.ok(fb.every((v) => v.ok === false ? (v.reason === 'limited' && v.degraded) : v.degraded), 'answered by the in-process fallback');
      for (let i = 0; i < 5; i++) assert.equal((await timed(open.consume('k'))).ok, true);
      for (let i = 0; i < 3; i++) assert.deepEqual(await timed(closed.consume('k')), { ok: false, reason: 'unavailable' });
      // 50 ms timeout; the first call per limiter may wait for it, a little scheduling slack on top.
      assert.ok(slowest.ms < 50 + 100, `slowest call ${slowest.ms.toFixed(1)} ms`);
    } finally {
      await store.close();
    }
  });
});

async function waitReady(store: LimitStore): Promise<void> {
  for (let i = 0; i < 50 && store.redis?.status !== 'ready'; i++) await sleep(20);
  assert.equal(store.redis?.status, 'ready', 'the Redis at REDIS_URL (default 127.0.0.1:6379) must be running');
}
