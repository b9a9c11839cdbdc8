import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PATHS, createLogger, redactorForPolicy } from '@custodian/server';
import { redactQuery } from '../../src/logging/logger.js';
import { testPolicy } from '../helpers/policy.js';
import { testServer } from '../helpers/server.js';

const SECRETS = ['alice@example.com', 'Bearer eyJhbGciOiJIUzI1NiJ9', 'sid=s3cr3t', 'sk_live_51Habcdefghijklmnop', 'format=json'];

describe('request logging', () => {
  test('A4: one line per request with only method, path, status, duration and user id — no headers, bodies or query values', async () => {
    const { app, raw, lines } = await testServer();
    app.post('/probe/echo', async (request) => {
      request.userId = 'user_123';
      return { received: true };
    });
    await app.inject({
      url: `${PATHS.subprocessors}?format=json&email=alice@example.com`,
      headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9', cookie: 'sid=s3cr3t', 'user-agent': 'probe/1.0' },
    });
    await app.inject({ method: 'POST', url: '/probe/echo', payload: { email: 'alice@example.com', key: 'sk_live_51Habcdefghijklmnop' } });
    await app.inject({ url: '/missing?token=sk_live_51Habcdefghijklmnop' });
    await app.close();

    const requests = lines().filter((l) => l.msg === 'request');
    assert.equal(requests.length, 3, 'exactly one line per request');
    for (const line of requests) {
      const keys = Object.keys(line).filter((k) => k !== 'userId');
      assert.deepEqual(keys.sort(), ['durationMs', 'level', 'method', 'msg', 'path', 'status', 'time']);
      assert.equal(typeof line.durationMs, 'number');
    }
    assert.deepEqual(
      requests.map((l) => [l.method, l.path, l.status, l.userId]),
      [
        ['GET', `${PATHS.subprocessors}?[REDACTED]`, 200, undefined],
        ['POST', '/probe/echo', 200, 'user_123'],
        ['GET', '/missing?[REDACTED]', 404, undefined],
      ],
    );
    const everything = raw.join('');
    for (const secret of SECRETS) assert.ok(!everything.includes(secret), `the log never contains ${secret}`);
    assert.ok(!/user-agent|authorization|cookie|probe\/1\.0/i.test(everything), 'no headers');
  });

  test('A4: the fields follow the policy’s allowlist, e.g. adding the request id and dropping the duration', async () => {
    const policy = testPolicy((p) => (p.logging = { requestFields: ['method', 'status', 'requestId'] }));
    const { app, lines } = await testServer({ policy });
    await app.inject({ url: PATHS.home });
    await app.close();
    const [line] = lines().filter((l) => l.msg === 'request');
    assert.deepEqual(Object.keys(line!).sort(), ['level', 'method', 'msg', 'requestId', 'status', 'time']);
  });

  test('Fastify’s own request lines are off: no "incoming request" or "request completed"', async () => {
    const { app, raw } = await testServer();
    await app.inject({ url: PATHS.privacy });
    await app.inject({ url: '/nope' });
    await app.close();
    assert.equal(raw.length, 2, 'only our two lines');
    assert.ok(raw.every((l) => !/incoming request|request completed|not found/.test(l)), 'no Fastify request lines');
  });

  test('the logger’s serializers allowlist what a careless req, res or err object may add', () => {
    const out: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void out.push(l) } });
    logger.info(
      {
        req: { method: 'GET', url: '/x?email=alice@example.com', headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9' }, body: { a: 1 } },
        res: { statusCode: 201, headers: { 'set-cookie': 'sid=s3cr3t' } },
        err: new Error('alice@example.com'),
      },
      'careless',
    );
    const line = JSON.parse(out[0]!);
    assert.deepEqual(line.req, { method: 'GET', path: '/x?[REDACTED]' });
    assert.deepEqual(line.res, { status: 201 });
    assert.equal(line.err.type, 'Error');
    assert.equal(line.err.message, undefined);
    assert.ok(!out[0]!.includes('alice') && !out[0]!.includes('s3cr3t') && !out[0]!.includes('eyJ'), 'nothing leaks');
  });

  test('A5, C9, B4: every line is redacted before it is written — messages, objects logged carelessly, nested values — and stays valid JSON', () => {
    const out: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void out.push(l) } });
    const key = 'sk-ant-api03-' + 'Qw3'.repeat(31) + 'AA';
    logger.info({ payload: { email: 'alice@example.com', password: 'hunter2-correct', card: '4111 1111 1111 1111' }, header: `Bearer ${key}` }, 'calling with sk_live_51Habcdefghijklmnop');
    logger.warn(`retrying with ${key}`);
    const all = out.join('');
    for (const secret of [key, 'alice@example.com', 'hunter2-correct', '4111 1111 1111 1111', 'sk_live_51Habcdefghijklmnop']) assert.ok(!all.includes(secret), 'the secret is gone');
    const first = JSON.parse(out[0]!) as { msg: string; payload: Record<string, string>; header: string };
    assert.match(first.msg, /^calling with \[REDACTED:stripe-key:[0-9a-f]{8}\]$/);
    assert.match(first.payload.email!, /^\[REDACTED:email:/);
    assert.match(first.payload.password!, /^\[REDACTED:password-assignment:/);
    assert.match(first.header, /^Bearer \[REDACTED:anthropic-key:/);
    // The same secret gets the same tag on every line (correlation without the value).
    const tagOf = (line: string) => /\[REDACTED:anthropic-key:([0-9a-f]{8})\]/.exec(line)![1];
    assert.equal(tagOf(out[0]!), tagOf(out[1]!));
  });

  test('A5, B4: an error report is redacted on its line too: a secret in a stack frame or a code never reaches the destination', () => {
    const out: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void out.push(l) } });
    const key = 'AKIA2E3F4G5H6J7K7L2M';
    const error = Object.assign(new TypeError('not logged'), { code: `E_${key}` });
    error.stack = `TypeError: not logged\n    at upload (/srv/tenants/alice@example.com/${key}/index.js:3:7)\n    at run (node:internal/task_queues:95:5)`;
    logger.error({ err: error }, 'upload failed');
    const line = JSON.parse(out[0]!) as { err: { type: string; code: string; stack: string } };
    assert.ok(!out[0]!.includes(key) && !out[0]!.includes('alice@example.com'), 'nothing leaks');
    assert.equal(line.err.type, 'TypeError');
    assert.match(line.err.code, /^E_\[REDACTED:aws-access-key-id:[0-9a-f]{8}\]$/);
    assert.match(line.err.stack, /^at upload \(\/srv\/tenants\/\[REDACTED:email:[0-9a-f]{8}\]\/\[REDACTED:aws-access-key-id:[0-9a-f]{8}\]\/index\.js:3:7\)\nat run/);
  });

  test('A5: the server’s redactor follows the policy: extra deny-listed keys and patterns, kept prefixes', async () => {
    const policy = testPolicy((p) => (p.logging = { redact: { denyKeys: ['internal_ref'], patterns: [{ name: 'ticket-token', pattern: 'TT-[0-9]{6}' }], keepPrefixes: true } }));
    const out: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void out.push(l) }, redactor: redactorForPolicy(policy) });
    logger.info('"internal_ref": "R-17" TT-123456 sk_live_51Habcdefghijklmnop');
    assert.match(out[0]!, /internal_ref\\": \\"\[REDACTED:denied-key:[0-9a-f]{8}\]\\"/);
    assert.match(out[0]!, /\[REDACTED:ticket-token:[0-9a-f]{8}\]/);
    assert.match(out[0]!, /sk_live_\[REDACTED:stripe-key:[0-9a-f]{8}\]/);
  });

  test('an unknown log level is refused at start-up with a clear error', () => {
    assert.throws(() => createLogger({ level: 'verbose' }), (e: Error & { code?: string }) => e.code === 'ERR_CONFIG_INVALID' && !e.message.includes('verbose'));
    assert.doesNotThrow(() => createLogger({ level: 'silent' }));
  });

  test('paths lose their query values and are cut when very long', () => {
    assert.equal(redactQuery('/a/b'), '/a/b');
    assert.equal(redactQuery('/a?x=1&y=2'), '/a?[REDACTED]');
    assert.equal(redactQuery('/a?'), '/a?[REDACTED]');
    const long = redactQuery(`/${'x'.repeat(2000)}`);
    assert.equal(long.length, 513);
    assert.ok(long.endsWith('…'), 'marked as cut');
  });
});
