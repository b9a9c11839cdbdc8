import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PATHS, createLogger } from '@custodian/server';
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

  test('a scrub hook sees every line before it is written', () => {
    const out: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => void out.push(l) }, scrub: (l) => l.replace(/sk_live_\w+/g, '[REDACTED:stripe]') });
    logger.info({ note: 'key sk_live_51Habcdefghijklmnop' }, 'x');
    assert.match(out[0]!, /key \[REDACTED:stripe\]/);
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
