// @run-alone: measures request rates and latencies under load (scripts/test.mjs runs it by itself).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { z } from 'zod';
import { openLimitStore, type LimitStore } from '@custodian/core/limits';
import { definePolicy, type PolicyInput } from '@custodian/core/policy';
import { chatPolicyInput, startApi } from '../api/harness.js';
import { admitOf, cannon, countOf, percentile, recordResponses, sleep, windowsOf, type Admit, type Served, type Target } from './load-support.js';

// 30 s of load per store: paid once, on the PGlite pass (nothing here touches the database).
const skip = process.env.DATABASE_URL ? 'database-independent; run on the PGlite pass' : false;

const REDIS_URL = 'redis://127.0.0.1:6379';
const RATE = 2000;
/**
 * autocannon gives each connection an equal share of the rate per second and
 * sends it back to back: with 40 connections, 50 requests a second each, a
 * connection keeps up as long as a request takes under 20 ms. (With another
 * process holding one of this machine's two cores, 20 connections offered
 * 1,673 req/s through Redis, 40 offered 1,775: this test needs the CPUs to
 * itself to offer 2,000.)
 */
const CONNECTIONS = 40;
const SECONDS = 30;
/** The offered load must really be about RATE, or the test proves less than it says. */
const MIN_RATE = 1800;
/** Half the load goes to each route: ~1,000 req/s from one address against 1,000 per 10 s. */
const PER_IP = { points: 1000, seconds: 10 };
/** ~250 req/s for each of four identities against 500 per 5 s. */
const PER_ID = { points: 500, seconds: 5 };
const KEYS = ['k1', 'k2', 'k3', 'k4'];
/**
 * A verdict's window end is read as `Date.now()` in the handler plus the
 * verdict's time to reset, so it is late by the time from the count to the
 * handler: a few milliseconds in memory, a Redis round trip plus event-loop
 * queueing with Redis (measured up to 35 ms on a quiet machine and 74 ms on
 * a busy one at 2,000 req/s; bounded by the store's 100 ms timeout). 150 ms
 * covers both, and is far below the seconds between one window's end and the
 * next.
 */
const SLACK_MS = 150;

interface LimitUnderTest {
  name: string;
  points: number;
  seconds: number;
  admits: Admit[];
  /** The server's record of the requests counted against `key`. */
  servedFor(key: string): Served[];
}

async function underLoad(t: TestContext, store: LimitStore): Promise<void> {
  // A fresh key space for every run: the class names are part of every counter's key, so
  // counters left in the shared Redis by an earlier run cannot be counted here.
  const run = randomBytes(4).toString('hex');
  const ipClass = `load-ip-${run}`;
  const idClass = `load-id-${run}`;
  const input = {
    ...chatPolicyInput(),
    rateLimits: {
      // deny: a store failure shows up as a 503 the test counts, never as silently admitted requests.
      [ipClass]: { perIp: { points: PER_IP.points, per: `${PER_IP.seconds}s` }, onStoreFailure: 'deny' },
      [idClass]: { perIdentity: { points: PER_ID.points, per: `${PER_ID.seconds}s` }, onStoreFailure: 'deny' },
    },
  } as PolicyInput;
  const ipAdmits: Admit[] = [];
  const idAdmits: Admit[] = [];
  const h = await startApi({
    policy: definePolicy(input),
    limitStore: store,
    api: {
      routes: (api) => {
        api.route({
          method: 'GET',
          url: '/v1/load/ip',
          tag: 'app',
          summary: 'Counted per address',
          access: { kind: 'public' },
          limit: { class: ipClass },
          responses: { 200: { description: 'ok' } },
          handler: async ({ request }) => {
            ipAdmits.push(admitOf(request, 'address'));
            return { ok: true };
          },
        });
        api.route({
          method: 'GET',
          url: '/v1/load/id',
          tag: 'app',
          summary: 'Counted per identity',
          access: { kind: 'public' },
          query: z.strictObject({ key: z.string().max(64) }),
          limit: { class: idClass, identity: ({ query }) => `key:${run}:${query.key}` },
          responses: { 200: { description: 'ok' } },
          handler: async ({ request, query }) => {
            idAdmits.push(admitOf(request, query.key));
            return { ok: true };
          },
        });
      },
    },
  });
  try {
    const served = recordResponses(h.app);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    // Alternating: every connection sends one request per address for each per identity, rotating the identities.
    const targets: Target[] = KEYS.flatMap((k) => [
      { label: 'ip', path: '/v1/load/ip', ...PER_IP },
      { label: k, path: `/v1/load/id?key=${k}`, ...PER_ID },
    ]);
    const result = await cannon({ origin, targets, overallRate: RATE, connections: CONNECTIONS, seconds: SECONDS }).done;
    // The requests in flight when the load generator exited are closed under the server a moment later.
    await sleep(250);

    // The load is what the claim says (≈2,000 req/s for 30 s, asserted below), every request answered.
    const clientRate = result.total / result.durationSeconds;
    const span = (Math.max(...served.map((s) => s.at)) - Math.min(...served.map((s) => s.at))) / 1000;
    const serverRate = served.length / span;
    t.diagnostic(`${store.kind}: ${result.total} requests in ${result.durationSeconds} s: ${clientRate.toFixed(0)} req/s offered, ${serverRate.toFixed(0)} req/s arriving over ${span.toFixed(2)} s; server time p50 ${percentile(served.map((s) => s.ms), 50).toFixed(2)} ms, p99 ${percentile(served.map((s) => s.ms), 99).toFixed(2)} ms, max ${Math.max(...served.map((s) => s.ms)).toFixed(1)} ms`);
    for (const [label, stats] of Object.entries(result.byLabel)) t.diagnostic(`${store.kind} ${label}: ${JSON.stringify(stats.statuses)}`);
    assert.equal(result.errors, 0, 'connection errors');
    assert.equal(result.timeouts, 0, 'timed-out requests');
    assert.ok(served.length >= result.total, `the server answered ${served.length} requests, the load generator counted ${result.total}`);

    // Every answer is an admission or a refusal of the limit (no 503: the store kept up), with the headers that say so.
    for (const [label, stats] of Object.entries(result.byLabel)) {
      assert.deepEqual(Object.keys(stats.statuses).sort(), ['200', '429'], `${label}: statuses ${JSON.stringify(stats.statuses)}`);
      assert.equal(stats.bad, 0, `${label}: responses whose headers do not match their status: ${stats.examples.join('\n')}`);
    }
    assert.deepEqual([...new Set(served.filter((s) => s.finished).map((s) => s.status))].sort(), [200, 429]);
    assert.ok(countOf(served, (s) => !s.finished) <= CONNECTIONS, 'only requests in flight when the load stopped go unanswered');

    const limits: LimitUnderTest[] = [
      { name: 'per address', ...PER_IP, admits: ipAdmits, servedFor: () => served.filter((s) => s.url.startsWith('/v1/load/ip')) },
      { name: 'per identity', ...PER_ID, admits: idAdmits, servedFor: (key) => served.filter((s) => s.url === `/v1/load/id?key=${key}`) },
    ];
    for (const limit of limits) checkWindows(t, store.kind, limit);

    // Checked last, so a run the machine could not drive at full rate still reports how the limits held.
    assert.ok(clientRate >= MIN_RATE, `offered ${clientRate.toFixed(0)} req/s, below ${MIN_RATE}`);
    assert.ok(serverRate >= MIN_RATE, `the server received ${serverRate.toFixed(0)} req/s, below ${MIN_RATE}`);
    assert.ok(span >= SECONDS - 1, `the load lasted ${span.toFixed(2)} s`);
  } finally {
    await h.close();
  }
}

/**
 * Per key and per fixed window (grouped as {@link windowsOf} explains: by the
 * window end each verdict reports): no window admits more than its quota,
 * and every window the load covered from start to end admits at least 99%
 * of it. The grouping is checked against the server's own clock, so a
 * limiter that opened a new window early cannot hide in it: every admission
 * lies inside its window, and a window starts no earlier than the one
 * before it ended. Independently of any grouping, a key cannot have been
 * admitted more than one quota per window length the run spans.
 */
function checkWindows(t: TestContext, kind: string, limit: LimitUnderTest): void {
  const ms = limit.seconds * 1000;
  assert.ok(limit.admits.every((a) => !a.degraded), `${limit.name}: an admission was made without the store`);
  const windows = windowsOf(limit.admits, limit.seconds);
  const keys = [...new Set(limit.admits.map((a) => a.key))].sort();
  assert.equal(keys.length, limit.name === 'per address' ? 1 : KEYS.length, `${limit.name}: keys ${keys.join(', ')}`);
  for (const key of keys) {
    const servedForKey = limit.servedFor(key);
    // Every 200 written is an admission; a request the load generator dropped when it stopped may have been admitted without its answer being written.
    const sent = countOf(servedForKey, (s) => s.finished && s.status === 200);
    const dropped = countOf(servedForKey, (s) => !s.finished);
    const recorded = countOf(limit.admits, (a) => a.key === key);
    assert.ok(recorded >= sent && recorded <= sent + dropped, `${key}: ${recorded} admissions recorded, ${sent} 200s written, ${dropped} requests dropped by the client`);
    const first = Math.min(...servedForKey.map((s) => s.at));
    const last = Math.max(...servedForKey.map((s) => s.at));
    const own = windows.filter((w) => w.key === key);
    const admitted = own.map((w) => w.admits.length);
    const complete = own.filter((w) => w.start >= first - SLACK_MS && w.end <= last);
    t.diagnostic(
      `${kind} ${limit.name} ${key}: ${limit.points} per ${limit.seconds} s; offered ${servedForKey.length} over ${((last - first) / 1000).toFixed(2)} s; ` +
        `admitted per window [${admitted.join(', ')}] (${complete.length} complete: [${complete.map((w) => w.admits.length).join(', ')}]); ` +
        `window end spread max ${Math.max(...own.map((w) => w.spreadMs))} ms`,
    );
    for (const [i, w] of own.entries()) {
      assert.ok(w.admits.length <= limit.points, `${limit.name} ${key}: window ${i} admitted ${w.admits.length} > ${limit.points}`);
      // One count per admission: the remaining points of a window's admissions never repeat.
      assert.equal(new Set(w.admits.map((a) => a.remaining)).size, w.admits.length, `${limit.name} ${key}: window ${i} handed out a count twice`);
      assert.ok(w.spreadMs <= SLACK_MS, `${limit.name} ${key}: window ${i}'s verdicts disagree on its end by ${w.spreadMs} ms`);
      for (const a of w.admits) assert.ok(a.at >= w.start - SLACK_MS && a.at <= w.end + SLACK_MS, `${limit.name} ${key}: an admission at ${a.at} outside window ${i} [${w.start}, ${w.end}]`);
      const next = own[i + 1];
      if (next) assert.ok(next.end - w.end >= ms - SLACK_MS, `${limit.name} ${key}: window ${i + 1} ends ${next.end - w.end} ms after window ${i}, less than its length`);
    }
    // The run spans `last - first`: at most that many whole window lengths, plus the window open at the start.
    const bound = limit.points * (Math.floor((last - first) / ms) + 1);
    const total = countOf(limit.admits, (a) => a.key === key);
    assert.ok(total <= bound, `${limit.name} ${key}: ${total} admitted over ${last - first} ms, more than ${bound}`);
    const expected = Math.floor((last - first) / ms) - 1;
    assert.ok(complete.length >= expected, `${limit.name} ${key}: only ${complete.length} windows lie inside the run (expected ≥ ${expected})`);
    for (const w of complete) {
      assert.ok(w.admits.length >= Math.ceil(limit.points * 0.99), `${limit.name} ${key}: a complete window admitted ${w.admits.length}, under 99% of ${limit.points}`);
    }
  }
}

test('C21: at ~2,000 req/s for 30 s on loopback, each limit admits its quota per window to within 1% (memory store)', { skip, timeout: 120_000 }, async (t) => {
  const store = openLimitStore();
  try {
    await underLoad(t, store);
  } finally {
    await store.close();
  }
});

test('C21: at ~2,000 req/s for 30 s on loopback, each limit admits its quota per window to within 1% (Redis store)', { skip, timeout: 120_000 }, async (t) => {
  const store = openLimitStore({ redisUrl: REDIS_URL });
  try {
    // Wait for the connection: a request made before it is up would follow the failure mode.
    const redis = store.redis!;
    if (redis.status !== 'ready') await new Promise<void>((resolve, reject) => redis.once('ready', resolve).once('error', reject));
    await underLoad(t, store);
  } finally {
    await store.close();
  }
});
