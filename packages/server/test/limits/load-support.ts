// Shared by the C21 load tests: the load generator (autocannon in a child
// process), a server-side record of every response, the limiter's verdict on
// every admitted request, and the grouping of admitted requests into the
// limiter's fixed windows.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect, createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** One path the load generator requests, and the limit its responses must describe. */
export interface Target {
  label: string;
  path: string;
  points: number;
  seconds: number;
}

/** What the load generator saw for one target. */
export interface TargetStats {
  statuses: Record<string, number>;
  /** Responses whose headers or body did not match their status (with up to five examples). */
  bad: number;
  examples: string[];
}

export interface CannonResult {
  total: number;
  durationSeconds: number;
  errors: number;
  timeouts: number;
  byLabel: Record<string, TargetStats>;
}

/**
 * Runs autocannon in a child process, so the load generator does not share
 * the server's event loop, over `targets` in rotation (each connection cycles
 * through the list). Every response is checked there, as it arrives:
 * - 2xx carries RateLimit-Limit/-Policy for the target's limit, and
 *   RateLimit-Remaining/-Reset within it;
 * - 429 is `ERR_RATE_LIMITED` with Retry-After and RateLimit-Reset between 1
 *   and the window's length, RateLimit-Remaining 0, and the target's
 *   RateLimit-Limit and RateLimit-Policy;
 * - 503 is `ERR_RATE_LIMIT_UNAVAILABLE` with Retry-After.
 */
export function cannon(options: { origin: string; targets: Target[]; overallRate: number; connections: number; seconds: number }): { done: Promise<CannonResult>; child: ChildProcess } {
  const lib = pathToFileURL(createRequire(import.meta.url).resolve('autocannon')).href;
  const script = `
    const { default: autocannon } = await import(${JSON.stringify(lib)});
    const targets = ${JSON.stringify(options.targets)};
    const byLabel = {};
    const int = (v) => (typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : NaN);
    const requests = targets.map((t) => {
      const s = (byLabel[t.label] ??= { statuses: {}, bad: 0, examples: [] });
      return {
        method: 'GET',
        path: t.path,
        onResponse(status, body, _context, h) {
          s.statuses[status] = (s.statuses[status] ?? 0) + 1;
          const policy = t.points + ';w=' + t.seconds;
          const limitOk = int(h['ratelimit-limit']) === t.points && h['ratelimit-policy'] === policy;
          const reset = int(h['ratelimit-reset']);
          const remaining = int(h['ratelimit-remaining']);
          const retry = int(h['retry-after']);
          let ok;
          if (status >= 200 && status < 300) ok = limitOk && remaining >= 0 && remaining <= t.points && reset >= 1 && reset <= t.seconds;
          else if (status === 429) ok = limitOk && remaining === 0 && reset >= 1 && reset <= t.seconds && retry >= 1 && retry <= t.seconds && body.includes('"code":"ERR_RATE_LIMITED"');
          else if (status === 503) ok = retry >= 1 && body.includes('"code":"ERR_RATE_LIMIT_UNAVAILABLE"');
          else ok = false;
          if (!ok) {
            s.bad++;
            if (s.examples.length < 5) s.examples.push(status + ' ' + JSON.stringify(h) + ' ' + body.slice(0, 200));
          }
        },
      };
    });
    const r = await autocannon({ url: ${JSON.stringify(options.origin)}, connections: ${options.connections}, pipelining: 1,
      overallRate: ${options.overallRate}, duration: ${options.seconds}, requests });
    process.stdout.write(JSON.stringify({ total: r.requests.total, durationSeconds: r.duration, errors: r.errors, timeouts: r.timeouts, byLabel }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<CannonResult>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as CannonResult) : reject(new Error(`autocannon exited with ${code}`))));
  });
  return { done, child };
}

/** One response as the server sent it: path, status, arrival (wall clock) and time spent on it. */
export interface Served {
  url: string;
  status: number;
  /** Date.now() when the request reached the server. */
  at: number;
  /** Milliseconds from the request reaching the server to the last byte of the response (or to the connection closing under it). */
  ms: number;
  /** False when the client went away before the response was written out (the load generator stopping mid-request). */
  finished: boolean;
}

/**
 * Records every response at the HTTP server itself. The harness hands over an
 * instance that is already ready, where Fastify takes no more hooks; a
 * listener put ahead of Fastify's own on the Node server sees the request
 * first and the response's end, which spans what `reply.elapsedTime` does
 * (and a little more: routing and the response write).
 */
export function recordResponses(app: FastifyInstance): Served[] {
  const served: Served[] = [];
  app.server.prependListener('request', (req, res) => {
    const at = Date.now();
    const t0 = performance.now();
    res.once('close', () => served.push({ url: req.url ?? '', status: res.statusCode, at, ms: performance.now() - t0, finished: res.writableFinished }));
  });
  return served;
}

/** An admitted request as the limiter judged it, recorded by the route's handler. */
export interface Admit {
  /** The limiter key: the address or the identity. */
  key: string;
  /** Date.now() in the handler, just after the verdict. */
  at: number;
  /** When the verdict's window ends: `at` + the verdict's time to reset. */
  end: number;
  remaining: number;
  degraded: boolean;
}

/** The verdict the route's limit gave `request` (set by the server's limit check), as an {@link Admit}. */
export function admitOf(request: FastifyRequest, key: string): Admit {
  const verdict = request.rateLimit;
  if (!verdict) throw new Error('an admitted request carries no rate-limit verdict');
  const at = Date.now();
  return { key, at, end: at + verdict.resetMs, remaining: verdict.remaining, degraded: verdict.degraded };
}

/** The admitted requests of one fixed window of one key. */
export interface Window {
  key: string;
  /** The earliest end any of its verdicts reported (the others are later only by how long they took to reach the handler). */
  end: number;
  start: number;
  admits: Admit[];
  /** How far apart the verdicts' reported ends are: the error of the grouping. */
  spreadMs: number;
}

/**
 * Groups admitted requests into the limiter's fixed windows, per key.
 * rate-limiter-flexible opens a key's window at the first request after the
 * previous one expired (memory: an expiry time in this process; Redis: `SET
 * … EX <seconds> NX`, so a whole number of seconds from the first request,
 * on Redis's clock) — windows are not aligned to the wall clock, nor to the
 * start of the run, and drift by the gap before the next request. Each
 * verdict says how long its window still runs, so `at + resetMs` names the
 * window's end, give or take the time the verdict took to reach the handler.
 * Ends of different windows are at least a window's length apart; ends
 * within half a window of each other are one window.
 */
export function windowsOf(admits: Admit[], seconds: number): Window[] {
  const out: Window[] = [];
  const byKey = new Map<string, Admit[]>();
  for (const a of admits) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a]);
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.end - b.end);
    let current: Window | null = null;
    let lastEnd = -Infinity;
    for (const a of list) {
      if (!current || a.end - lastEnd > (seconds * 1000) / 2) {
        current = { key, end: a.end, start: a.end - seconds * 1000, admits: [], spreadMs: 0 };
        out.push(current);
      }
      current.admits.push(a);
      current.spreadMs = a.end - current.end;
      lastEnd = a.end;
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key) || a.end - b.end);
}

/** A TCP port nobody listens on now: the kernel's pick for port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a Redis server answers PING on `port` within `ms`. */
function pings(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d: Buffer) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * A Redis server of the test's own on `port` (nothing saved to disk), so it
 * can be stopped and restarted; resolves once it answers PING.
 */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`redis-server on port ${port} exited (${code ?? signal}) before it answered`)));
  });
  exited.catch(() => {});
  for (let i = 0; i < 100; i++) {
    if (await Promise.race([pings(port, 200), exited])) return child;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer within 5 s`);
}

/**
 * The keys of the Redis server on `port` matching `pattern` (`KEYS`, on a
 * connection of its own rather than the limiter's). Spoken over a socket in
 * this process: running redis-cli would fork the server's process, which
 * stalls its event loop for tens of milliseconds, in the middle of a test
 * that times requests.
 */
export function redisKeys(port: number, pattern: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('KEYS timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`*2\r\n$4\r\nKEYS\r\n$${Buffer.byteLength(pattern)}\r\n${pattern}\r\n`));
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      // An array reply: `*<n>`, then `$<len>` and the key for each element.
      const lines = reply.split('\r\n');
      const n = Number(lines[0]?.slice(1));
      if (!lines[0]?.startsWith('*')) return reject(new Error(`unexpected reply to KEYS: ${reply.slice(0, 80)}`));
      if (lines.length < 1 + 2 * n + 1) return;
      socket.end();
      resolve(Array.from({ length: n }, (_, i) => lines[2 + 2 * i]!));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Count of `list` items matching `pred`. */
export const countOf = <T>(list: readonly T[], pred: (x: T) => boolean) => list.reduce((n, x) => n + (pred(x) ? 1 : 0), 0);

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
