import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import { PATHS } from '@custodian/server';
import { testServer } from '../helpers/server.js';

function assertSecurityHeaders(h: OutgoingHttpHeaders, label: string): void {
  const csp = String(h['content-security-policy']);
  for (const directive of ["default-src 'none'", "img-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `${label}: CSP has ${directive}`);
  }
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/]+={0,2}'/, `${label}: inline style allowed by hash only`);
  assert.doesNotMatch(csp, /unsafe-inline|script-src/, `${label}: no inline script, no unsafe-inline`);
  assert.equal(h['x-content-type-options'], 'nosniff', label);
  assert.equal(h['referrer-policy'], 'no-referrer', label);
  assert.equal(h['x-frame-options'], 'DENY', label);
  assert.equal(h['cross-origin-opener-policy'], 'same-origin', label);
  assert.equal(h['cross-origin-resource-policy'], 'same-origin', label);
  const permissions = String(h['permissions-policy']);
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment']) assert.ok(permissions.includes(`${feature}=()`), `${label}: ${feature} off`);
}

describe('security headers', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await testServer());
    app.get('/probe/crash', async () => {
      throw new Error('boom');
    });
  });
  after(() => app.close());

  const cases: Array<[label: string, url: string, status: number]> = [
    ['200 page', PATHS.privacy, 200],
    ['200 JSON', PATHS.policy, 200],
    ['200 text', PATHS.securityTxt, 200],
    ['404', '/nowhere', 404],
    ['400 validation', `${PATHS.subprocessors}?format=xml`, 400],
    ['400 malformed URL', '/%c0', 400],
    ['500', '/probe/crash', 500],
  ];
  for (const [label, url, status] of cases) {
    test(`on a ${label} response`, async () => {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, status);
      assertSecurityHeaders(res.headers, label);
      assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS in development');
    });
  }

  test('the CSP style hash is the hash of the page stylesheet, so the pages render styled', async () => {
    const res = await app.inject({ url: PATHS.privacy });
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)?.[1];
    assert.ok(style, 'the page has a stylesheet');
    const hash = createHash('sha256').update(style).digest('base64');
    assert.ok(String(res.headers['content-security-policy']).includes(`'sha256-${hash}'`), 'hash matches');
    assert.doesNotMatch(res.body, /\sstyle="/, 'no style attributes, which the CSP would block');
  });

  test('Strict-Transport-Security in production only, on every response', async () => {
    const { app: prod } = await testServer({ mode: 'production' });
    for (const url of [PATHS.home, '/nowhere']) {
      const res = await prod.inject({ url });
      assert.equal(res.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains', url);
      assertSecurityHeaders(res.headers, `production ${url}`);
    }
    await prod.close();
  });

  test('Cache-Control: no-store on /v1/*, including its errors, and not on public pages', async () => {
    assert.equal((await app.inject({ url: PATHS.policy })).headers['cache-control'], 'no-store');
    assert.equal((await app.inject({ url: '/v1/nothing-here' })).headers['cache-control'], 'no-store');
    assert.equal((await app.inject({ url: PATHS.privacy })).headers['cache-control'], undefined);
  });
});
