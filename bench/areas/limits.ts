// Abuse protection: limit decisions per second through Custodian's
// GuardedLimiter (`@custodian/core/limits`) against rate-limiter-flexible
// called directly, in the same run, on the memory store and on Redis; and the
// IP blocklist check per request against a plain Map lookup of the address.
//
// Memory: one caller awaiting each decision in turn, over 10,000 client
// addresses, once with limits high enough that every decision admits and once
// with every key driven past a low limit first, so every decision refuses (the rejected-promise
// path). Redis: 64 decisions in flight at once on one connection per side
// (ioredis writes them back to back without waiting for replies), both
// clients opened with the store's own options. Rounds alternate which side
// goes first and the median is reported, so a burst of other work on this
// 2-core machine hits both sides alike.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Blocklist, GuardedLimiter, openLimitStore, parseNetwork, redisClientOptions, type BlockEntry, type LimitShape, type LimitStore } from '@custodian/core/limits';
import { Rng } from '../../packages/core/test/redact/corpus/gen/rng.js';
import { report, type Result } from '../report.js';

const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
const KEYS = 10_000;
const REDIS_IN_FLIGHT = 64;
const ENTRIES = { v4: { 32: 250, 24: 150, 16: 100 }, v6: { 128: 250, 64: 150, 48: 100 } } as const;
const PROBES = 4096;

// The redaction corpus' seeded generator (mulberry32): the same addresses every run, so runs compare.
const seeded = new Rng('bench-limits');
const rnd = () => seeded.next();
const int = (n: number) => Math.floor(rnd() * n);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Limiting keys as `clientKey` makes them: IPv4 addresses as themselves, IPv6 by /64. */
function clientKeys(): string[] {
  const keys = new Set<string>();
  while (keys.size < KEYS) {
    keys.add(
      rnd() < 0.7
        ? `${1 + int(223)}.${int(256)}.${int(256)}.${int(256)}`
        : `2a0${int(10)}:${int(0x10000).toString(16)}:${int(0x10000).toString(16)}:${int(0x10000).toString(16)}::/64`,
    );
  }
  return shuffle([...keys]);
}

/** One decision, however the limiter is called; true when it admits. */
type Decide = (key: string) => Promise<boolean>;

function ours(limiter: GuardedLimiter, tally: { degraded: number; unavailable: number }): Decide {
  return async (key) => {
    const verdict = await limiter.consume(key);
    if (verdict.ok) {
      if (verdict.degraded) tally.degraded++;
      return true;
    }
    if (verdict.reason === 'unavailable') tally.unavailable++;
    else if (verdict.degraded) tally.degraded++;
    return false;
  };
}

/** rate-limiter-flexible as a caller must use it: a refusal arrives as a rejected promise carrying its result, a store failure as an Error. */
function raw(limiter: RateLimiterAbstract, tally: { errors: number }): Decide {
  return async (key) => {
    try {
      await limiter.consume(key);
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      tally.errors++;
      return false;
    }
  };
}

interface Window {
  perSecond: number;
  admitted: number;
  decisions: number;
}

/** Decisions per second with `inFlight` callers each awaiting its own decisions back to back, for `ms`. */
async function window(decide: Decide, keys: string[], ms: number, inFlight: number): Promise<Window> {
  let next = 0;
  let decisions = 0;
  let admitted = 0;
  const start = performance.now();
  const until = start + ms;
  // One caller checks the clock every 64 decisions (performance.now() is not free next to a memory
  // decision); many check it after each one, so they all stop together and the window ends at full concurrency.
  const batch = inFlight === 1 ? 64 : 1;
  const worker = async () => {
    while (performance.now() < until) {
      for (let j = 0; j < batch; j++) {
        const key = keys[next]!;
        next = next + 1 === keys.length ? 0 : next + 1;
        if (await decide(key)) admitted++;
        decisions++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { perSecond: decisions / ((performance.now() - start) / 1000), admitted, decisions };
}

/** Median decisions/s of each side over `rounds` rounds, the side that goes first alternating; after one warm-up window each. */
async function pair(a: Decide, b: Decide, keys: string[], rounds: number, ms: number, inFlight: number) {
  await window(a, keys, ms, inFlight);
  await window(b, keys, ms, inFlight);
  const as: Window[] = [];
  const bs: Window[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      as.push(await window(a, keys, ms, inFlight));
      bs.push(await window(b, keys, ms, inFlight));
    } else {
      bs.push(await window(b, keys, ms, inFlight));
      as.push(await window(a, keys, ms, inFlight));
    }
  }
  const admittedShare = (ws: Window[]) => ws.reduce((s, w) => s + w.admitted, 0) / ws.reduce((s, w) => s + w.decisions, 0);
  return {
    a: median(as.map((w) => w.perSecond)),
    b: median(bs.map((w) => w.perSecond)),
    aAdmitted: admittedShare(as),
    bAdmitted: admittedShare(bs),
    spread: (ws: Window[]) => `${Math.round(Math.min(...ws.map((w) => w.perSecond))).toLocaleString('en-US')}–${Math.round(Math.max(...ws.map((w) => w.perSecond))).toLocaleString('en-US')}`,
    as,
    bs,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}% admitted`;

async function memory(quick: boolean, results: Result[], ratios: Record<string, number>): Promise<void> {
  const rounds = quick ? 3 : 9;
  const ms = quick ? 150 : 500;
  const keys = clientKeys();
  const store = openLimitStore();
  const variants: { label: string; shape: LimitShape }[] = [
    // Never reached in the run: every decision admits.
    { label: 'admit', shape: { points: 1_000_000_000, durationSeconds: 3600, blockSeconds: 0 } },
    // Every key is driven past its 10 points before timing, so every timed decision refuses.
    { label: 'refuse', shape: { points: 10, durationSeconds: 3600, blockSeconds: 0 } },
  ];
  for (const { label, shape } of variants) {
    const tally = { degraded: 0, unavailable: 0 };
    const rawTally = { errors: 0 };
    const guarded = new GuardedLimiter(store, `bench-${label}`, shape, 'local-fallback');
    // The very prefix GuardedLimiter gives it (each limiter has its own memory): a longer key costs more to build and hash.
    const direct = new RateLimiterMemory({ keyPrefix: `custodian:bench-${label}`, points: shape.points, duration: shape.durationSeconds, blockDuration: shape.blockSeconds });
    if (shape.points < 1000) {
      for (const key of keys) {
        for (let i = 0; i <= shape.points; i++) {
          await guarded.consume(key);
          await direct.consume(key).catch(() => {});
        }
      }
    }
    const p = await pair(ours(guarded, tally), raw(direct, rawTally), keys, rounds, ms, 1);
    if (tally.degraded || tally.unavailable || rawTally.errors) throw new Error(`memory ${label}: ${JSON.stringify({ ...tally, ...rawTally })}`);
    results.push(
      { name: `memory ${label}: GuardedLimiter.consume`, value: p.a, unit: 'decisions/s', note: `${pct(p.aAdmitted)}; rounds ${p.spread(p.as)}` },
      { name: `memory ${label}: RateLimiterMemory.consume`, value: p.b, unit: 'decisions/s', note: `${pct(p.bAdmitted)}; rounds ${p.spread(p.bs)}` },
      { name: `memory ${label}: time per decision, ours − raw`, value: (1e9 / p.a - 1e9 / p.b), unit: 'ns', note: '' },
    );
    ratios[`memory ${label} / rate-limiter-flexible${label === 'admit' ? ' (goal ≥ 0.90)' : ''}`] = p.a / p.b;
  }
  await store.close();
}

async function ready(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return;
  const timer = setTimeout(() => client.emit('error', new Error(`not ready after ${ms} ms`)), ms);
  try {
    await Promise.race([once(client, 'ready'), once(client, 'error').then(([e]) => Promise.reject(e as Error))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Deletes every key matching `pattern` (SCAN + UNLINK; never anything wider). */
async function removeKeys(admin: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [nextCursor, found] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = nextCursor;
    if (found.length) removed += await admin.unlink(...found);
  } while (cursor !== '0');
  return removed;
}

async function redis(quick: boolean, results: Result[], ratios: Record<string, number>, context: Record<string, string | number>): Promise<void> {
  const url = process.env.REDIS_URL ?? DEFAULT_REDIS;
  const rounds = quick ? 3 : 7;
  const ms = quick ? 250 : 1000;
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const name = `bench-limits-${id}`;
  // Its own keys, a prefix of the same length as GuardedLimiter's `custodian:<name>`.
  const rawPrefix = `rlflexraw:${name}`;
  // Used only to clean up: an ordinary client that waits for its connection.
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (error) {
    context.redis = `skipped: ${(error as Error).message}`;
    admin.disconnect();
    return;
  }
  let store: LimitStore | null = null;
  let client: Redis | null = null;
  try {
    store = openLimitStore({ redisUrl: url });
    client = new Redis(url, redisClientOptions(store.timeoutMs));
    client.on('error', () => {});
    await ready(store.redis!, 5000);
    await ready(client, 5000);
    const info = await admin.info('server');
    context.redis = `${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} at ${new URL(url).host}, ${REDIS_IN_FLIGHT} in flight`;
    const shape: LimitShape = { points: 1_000_000_000, durationSeconds: 3600, blockSeconds: 0 };
    const tally = { degraded: 0, unavailable: 0 };
    const rawTally = { errors: 0 };
    const guarded = new GuardedLimiter(store, name, shape, 'local-fallback');
    // The same rate-limiter-flexible options GuardedLimiter gives it, on its own prefix.
    const direct = new RateLimiterRedis({ storeClient: client, keyPrefix: rawPrefix, points: shape.points, duration: shape.durationSeconds, blockDuration: shape.blockSeconds, rejectIfRedisNotReady: true });
    const keys = clientKeys();
    const p = await pair(ours(guarded, tally), raw(direct, rawTally), keys, rounds, ms, REDIS_IN_FLIGHT);
    // A decision answered by the in-process fallback would flatter our side: say so rather than report it as Redis.
    const failed = tally.degraded || tally.unavailable ? `; ${tally.degraded} degraded, ${tally.unavailable} unavailable — NOT all from Redis` : '';
    results.push(
      { name: 'redis: GuardedLimiter.consume', value: p.a, unit: 'decisions/s', note: `${pct(p.aAdmitted)}; rounds ${p.spread(p.as)}${failed}` },
      { name: 'redis: RateLimiterRedis.consume', value: p.b, unit: 'decisions/s', note: `${pct(p.bAdmitted)}; rounds ${p.spread(p.bs)}${rawTally.errors ? `; ${rawTally.errors} errors` : ''}` },
    );
    ratios['redis / rate-limiter-flexible (goal ≥ 0.90)'] = p.a / p.b;
  } finally {
    await store?.close();
    client?.disconnect();
    const removed = (await removeKeys(admin, `custodian:${name}:*`)) + (await removeKeys(admin, `${rawPrefix}:*`));
    context['redis keys removed'] = removed;
    admin.disconnect();
  }
}

/** An address inside `words`' first `prefix` bits, the rest random (IPv6). */
function v6Inside(words: number[], prefix: number): number[] {
  return words.map((w, i) => {
    const keep = Math.min(16, Math.max(0, prefix - i * 16));
    const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    return (w & mask) | (int(0x10000) & ~mask & 0xffff);
  });
}
const v6Text = (words: number[]) => words.map((w) => w.toString(16)).join(':');
const v4Text = (word: number) => `${word >>> 24}.${(word >>> 16) & 255}.${(word >>> 8) & 255}.${word & 255}`;
function v4Inside(word: number, prefix: number): number {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((word & mask) | (int(0x100000000) & ~mask)) >>> 0;
}

interface Probes {
  label: string;
  addresses: string[];
}

/**
 * 1,000 entries (IPv4 /32, /24, /16 inside 10.0.0.0/8; IPv6 /128, /64, /48
 * inside 2001:db8::/32) and probes half of which fall inside a random entry;
 * the misses come from 198.18.0.0/15 and 2001:db9::/32, which no entry
 * touches, so the expected hit count is known without asking the blocklist.
 */
function blocklistFixture(): { entries: BlockEntry[]; exact: Map<string, BlockEntry>; probes: Probes[]; covered: Set<string> } {
  const entries: BlockEntry[] = [];
  const exact = new Map<string, BlockEntry>();
  const v4: { word: number; prefix: number }[] = [];
  const v6: { words: number[]; prefix: number }[] = [];
  const seen = new Set<string>();
  const now = Date.now();
  const add = (text: string, address: string, full: boolean) => {
    const network = parseNetwork(text);
    if ('error' in network) throw new Error(`${text}: ${network.error}`);
    if (seen.has(network.text)) return false;
    seen.add(network.text);
    const entry: BlockEntry = {
      id: `00000000-0000-4000-8000-${String(entries.length).padStart(12, '0')}`,
      network: network.text,
      reason: 'bench',
      createdBy: 'system:bench',
      createdAt: new Date(now),
      expiresAt: new Date(now + 86_400_000),
      removedAt: null,
      removedBy: null,
    };
    entries.push(entry);
    if (full) exact.set(address, entry);
    return true;
  };
  for (const [prefix, count] of Object.entries(ENTRIES.v4)) {
    for (let made = 0; made < count; ) {
      const word = v4Inside(0x0a000000, 8);
      const p = Number(prefix);
      if (add(`${v4Text(word)}/${p}`, v4Text(word), p === 32)) {
        v4.push({ word, prefix: p });
        made++;
      }
    }
  }
  for (const [prefix, count] of Object.entries(ENTRIES.v6)) {
    for (let made = 0; made < count; ) {
      const words = v6Inside([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32);
      const p = Number(prefix);
      if (add(`${v6Text(words)}/${p}`, v6Text(words), p === 128)) {
        v6.push({ words, prefix: p });
        made++;
      }
    }
  }
  const v4Probe = (hit: boolean) => {
    if (!hit) return v4Inside(0xc6120000, 15);
    const net = v4[int(v4.length)]!;
    return v4Inside(net.word, net.prefix);
  };
  // The probes built inside an entry, by construction (the misses come from ranges no entry touches).
  const covered = new Set<string>();
  const build = (label: string, make: (hit: boolean) => string): Probes => {
    const addresses = Array.from({ length: PROBES }, (_, i) => {
      const address = make(i % 2 === 0);
      if (i % 2 === 0) covered.add(address);
      return address;
    });
    return { label, addresses: shuffle(addresses) };
  };
  const v4Dotted = build('IPv4', (hit) => v4Text(v4Probe(hit)));
  const v4Mapped = build('IPv4-mapped IPv6', (hit) => `::ffff:${v4Text(v4Probe(hit))}`);
  const v6Probes = build('IPv6', (hit) => {
    if (!hit) return v6Text(v6Inside([0x2001, 0xdb9, 0, 0, 0, 0, 0, 0], 32));
    const net = v6[int(v6.length)]!;
    return v6Text(v6Inside(net.words, net.prefix));
  });
  // What a dual-stack server sees: mostly IPv4 (a quarter of it mapped), a third IPv6.
  const mixed: Probes = {
    label: 'mixed',
    addresses: shuffle([...v4Dotted.addresses.slice(0, 2048), ...v4Mapped.addresses.slice(0, 683), ...v6Probes.addresses.slice(0, 1365)]),
  };
  return { entries, exact, probes: [v4Dotted, v4Mapped, v6Probes, mixed], covered };
}

/** Nanoseconds per call of `check` over `addresses`, cycling through them for `ms`; also the hits of one pass. */
function nsPerCheck(check: (ip: string) => unknown, addresses: string[], ms: number): { ns: number; hits: number } {
  let n = 0;
  let hits = 0;
  const start = performance.now();
  const until = start + ms;
  do {
    hits = 0;
    for (let i = 0; i < addresses.length; i++) if (check(addresses[i]!) !== undefined) hits++;
    n += addresses.length;
  } while (performance.now() < until);
  return { ns: ((performance.now() - start) * 1e6) / n, hits };
}

function blocklist(quick: boolean, results: Result[], ratios: Record<string, number>, context: Record<string, string | number>): void {
  const rounds = quick ? 3 : 7;
  const ms = quick ? 100 : 300;
  const { entries, exact, probes, covered } = blocklistFixture();
  const list = new Blocklist();
  list.load(entries);
  if (list.size !== entries.length) throw new Error(`blocklist holds ${list.size} of ${entries.length} entries`);
  const mix = (counts: Record<string, number>) => Object.entries(counts).map(([prefix, n]) => `${n} /${prefix}`).join(', ');
  context.blocklist = `${entries.length} entries (IPv4: ${mix(ENTRIES.v4)}; IPv6: ${mix(ENTRIES.v6)}), ${PROBES} probes per family, half inside an entry`;
  const check = (ip: string) => list.check(ip);
  const floor = (ip: string) => exact.get(ip);
  for (const p of probes) {
    // The check must find exactly the probes built inside an entry, or the timing means nothing.
    const expected = p.addresses.filter((a) => covered.has(a)).length;
    nsPerCheck(check, p.addresses, ms);
    nsPerCheck(floor, p.addresses, ms);
    const ourNs: number[] = [];
    const floorNs: number[] = [];
    let hits = 0;
    let floorHits = 0;
    for (let r = 0; r < rounds; r++) {
      const first = r % 2 === 0 ? check : floor;
      const second = r % 2 === 0 ? floor : check;
      const x = nsPerCheck(first, p.addresses, ms);
      const y = nsPerCheck(second, p.addresses, ms);
      const [o, f] = r % 2 === 0 ? [x, y] : [y, x];
      ourNs.push(o.ns);
      floorNs.push(f.ns);
      hits = o.hits;
      floorHits = f.hits;
    }
    if (hits !== expected) throw new Error(`${p.label}: the blocklist found ${hits} of ${expected} covered addresses`);
    const ns = median(ourNs);
    results.push(
      { name: `blocklist check, ${p.label}`, value: ns, unit: 'ns/check', note: `goal < 1,000; ${hits}/${p.addresses.length} blocked` },
      { name: `Map.get of the address, ${p.label}`, value: median(floorNs), unit: 'ns/check', note: `exact match only: ${floorHits} found` },
    );
    ratios[`blocklist ${p.label}: Map.get time / check time`] = median(floorNs) / ns;
  }
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const results: Result[] = [];
  const ratios: Record<string, number> = {};
  const context: Record<string, string | number> = { quick: String(quick), keys: KEYS };
  const loadBefore = load();
  await memory(quick, results, ratios);
  await redis(quick, results, ratios, context);
  blocklist(quick, results, ratios, context);
  context['load average before/after'] = `${loadBefore} / ${load()}`;
  report('limits', results, ratios, context);
}
