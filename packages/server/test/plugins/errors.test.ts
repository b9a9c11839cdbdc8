import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CustodianError, ERROR_CODES } from '@custodian/core/errors';
import { testServer } from '../helpers/server.js';

/** Routes that exercise each failure; the real body-taking routes arrive with later capabilities. */
function addProbeRoutes(app: FastifyInstance): void {
  app.post<{ Body: { name: string } }>(
    '/probe/echo',
    { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 20 } } } } },
    async (request) => ({ ok: true, length: request.body.name.length }),
  );
  app.get('/probe/crash', async () => {
    throw new Error('duplicate key value (email)=(alice@example.com) sk_live_51Habcdefghijklmnop');
  });
  app.get('/probe/not-found', async () => {
    throw new CustodianError('ERR_HTTP_NOT_FOUND', 'No such request.');
  });
  app.get('/probe/db', async () => {
    throw new CustodianError('ERR_DB_QUERY_FAILED', 'the statement failed [23505]');
  });
}

function assertErrorBody(body: string, code: keyof typeof ERROR_CODES): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(parsed), ['error']);
  assert.deepEqual(Object.keys(parsed.error).sort(), ['code', 'message']);
  assert.equal(parsed.error.code, code);
  assert.ok(parsed.error.code in ERROR_CODES, 'a documented code');
  assert.doesNotMatch(body, /\bat .*\.(ts|js):\d+|stack/i, 'no stack trace');
  return parsed.error;
}

describe('error responses', () => {
  let app: FastifyInstance;
  let raw: string[];
  before(async () => {
    ({ app, raw } = await testServer({ bodyLimit: 1024 }));
    addProbeRoutes(app);
  });
  after(() => app.close());

  test('an unknown route is a 404 JSON body with ERR_HTTP_NOT_FOUND', async () => {
    const res = await app.inject({ url: '/no/such/page?email=alice@example.com' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assertErrorBody(res.body, 'ERR_HTTP_NOT_FOUND');
    assert.doesNotMatch(res.body, /alice|no\/such/, 'the path is not echoed');
  });

  test('bad JSON is a 400 that does not quote the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/probe/echo', headers: { 'content-type': 'application/json' }, payload: '{"name": "alice@example.com"' });
    assert.equal(res.statusCode, 400);
    const error = assertErrorBody(res.body, 'ERR_HTTP_BAD_REQUEST');
    assert.equal(error.message, 'The request body is not valid JSON.');
    assert.doesNotMatch(res.body, /alice/);
  });

  test('an empty JSON body and an unsupported content type are 400 and 415', async () => {
    const empty = await app.inject({ method: 'POST', url: '/probe/echo', headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(empty.statusCode, 400);
    assertErrorBody(empty.body, 'ERR_HTTP_BAD_REQUEST');
    const xml = await app.inject({ method: 'POST', url: '/probe/echo', headers: { 'content-type': 'application/xml' }, payload: '<name>alice</name>' });
    assert.equal(xml.statusCode, 415);
    assertErrorBody(xml.body, 'ERR_HTTP_BAD_REQUEST');
  });

  test('a validation failure is a 400 naming where and what, not the value', async () => {
    const res = await app.inject({ method: 'POST', url: '/probe/echo', payload: { name: 'alice@example.com-and-more-than-twenty' } });
    assert.equal(res.statusCode, 400);
    const error = assertErrorBody(res.body, 'ERR_HTTP_BAD_REQUEST');
    assert.equal(error.message, 'body/name must NOT have more than 20 characters');
    const missing = await app.inject({ method: 'POST', url: '/probe/echo', payload: {} });
    assert.equal(assertErrorBody(missing.body, 'ERR_HTTP_BAD_REQUEST').message, "body must have required property 'name'");
  });

  test('a body over the limit is a 413 with ERR_HTTP_PAYLOAD_TOO_LARGE', async () => {
    const res = await app.inject({ method: 'POST', url: '/probe/echo', payload: { name: 'x'.repeat(2000) } });
    assert.equal(res.statusCode, 413);
    assertErrorBody(res.body, 'ERR_HTTP_PAYLOAD_TOO_LARGE');
  });

  test('the default body limit is 1 MiB', async () => {
    const { app: standard } = await testServer();
    addProbeRoutes(standard);
    const over = await standard.inject({ method: 'POST', url: '/probe/echo', headers: { 'content-type': 'application/json' }, payload: `{"name":"${'x'.repeat(1024 * 1024)}"}` });
    const under = await standard.inject({ method: 'POST', url: '/probe/echo', payload: { name: 'ok' } });
    await standard.close();
    assert.equal(over.statusCode, 413);
    assert.equal(under.statusCode, 200);
  });

  test('an unexpected error is a 500 with ERR_INTERNAL and no detail; the log keeps the frames, not the message', async () => {
    const res = await app.inject({ url: '/probe/crash' });
    assert.equal(res.statusCode, 500);
    const error = assertErrorBody(res.body, 'ERR_INTERNAL');
    assert.equal(error.message, 'An unexpected error occurred.');
    assert.doesNotMatch(res.body, /alice|sk_live|duplicate/);
    const logged = raw.find((l) => l.includes('"request failed"'));
    assert.ok(logged, 'the failure is logged');
    assert.doesNotMatch(logged, /alice|sk_live|duplicate/);
    const line = JSON.parse(logged) as { level: string; error: { type: string; stack: string } };
    assert.equal(line.level, 'error');
    assert.equal(line.error.type, 'Error');
    assert.match(line.error.stack, /^at /);
  });

  test('a Custodian HTTP error keeps its code and message; any other Custodian error is internal', async () => {
    const notFound = await app.inject({ url: '/probe/not-found' });
    assert.equal(notFound.statusCode, 404);
    assert.equal(assertErrorBody(notFound.body, 'ERR_HTTP_NOT_FOUND').message, 'No such request.');
    const db = await app.inject({ url: '/probe/db' });
    assert.equal(db.statusCode, 500);
    assert.equal(assertErrorBody(db.body, 'ERR_INTERNAL').message, 'An unexpected error occurred.');
  });

  test('a malformed URL gets the same JSON shape, without echoing the path', async () => {
    const res = await app.inject({ url: '/%c0%ae%c0%ae/secret' });
    assert.equal(res.statusCode, 400);
    assertErrorBody(res.body, 'ERR_HTTP_BAD_REQUEST');
    assert.doesNotMatch(res.body, /secret|%c0/);
  });
});
