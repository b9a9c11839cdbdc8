import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { PATHS } from '@custodian/server';
import { tableRows } from '../helpers/html.js';
import { testPolicy } from '../helpers/policy.js';
import { testServer } from '../helpers/server.js';

describe('/legal/subprocessors', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await testServer());
  });
  after(() => app.close());

  test('C25: the page lists each sub-processor with purpose, location and data categories', async () => {
    const res = await app.inject({ url: PATHS.subprocessors });
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    const rows = tableRows(res.body, 'subprocessor-list');
    const policy = testPolicy();
    assert.equal(rows.length, policy.subprocessors.length);
    policy.subprocessors.forEach((s, i) => {
      assert.deepEqual(rows[i]!.cells.slice(0, 3), [s.name, s.purpose, s.location]);
    });
    assert.match(rows[0]!.cells[3]!, /Contact details.*Content people create/);
    assert.ok(res.body.includes('<a href="https://cloudhost.example/">Cloud Host Co</a>'), 'linked by its URL');
  });

  test('C25: ?format=json and Accept: application/json give the same list as JSON', async () => {
    const expected = {
      organization: 'Example Hiring',
      version: '2.0',
      effectiveDate: '2026-03-01',
      subprocessors: [
        { name: 'Cloud Host Co', purpose: 'Hosting and database', location: 'United States', url: 'https://cloudhost.example', categories: ['contact', 'content'] },
        { name: 'Mail Sender Ltd', purpose: 'Transactional email', location: 'EU (Dublin)', url: null, categories: ['contact'] },
      ],
    };
    const byQuery = await app.inject({ url: `${PATHS.subprocessors}?format=json` });
    assert.equal(byQuery.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(byQuery.json(), expected);
    const byAccept = await app.inject({ url: PATHS.subprocessors, headers: { accept: 'application/json' } });
    assert.deepEqual(byAccept.json(), expected);
    assert.equal(byAccept.headers.vary, 'Accept');
  });

  test('a browser’s Accept header gets HTML; ?format=html wins over Accept', async () => {
    const browser = await app.inject({ url: PATHS.subprocessors, headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    assert.match(String(browser.headers['content-type']), /^text\/html/);
    const forced = await app.inject({ url: `${PATHS.subprocessors}?format=html`, headers: { accept: 'application/json' } });
    assert.match(String(forced.headers['content-type']), /^text\/html/);
    const weighted = await app.inject({ url: PATHS.subprocessors, headers: { accept: 'text/html;q=0.5, application/json' } });
    assert.match(String(weighted.headers['content-type']), /^application\/json/);
  });

  test('an unknown format is a 400 with a JSON error', async () => {
    const res = await app.inject({ url: `${PATHS.subprocessors}?format=xml` });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'ERR_HTTP_BAD_REQUEST');
  });

  test('a policy without sub-processors says so', async () => {
    const { app: empty } = await testServer({ policy: testPolicy((p) => (p.subprocessors = [])) });
    const res = await empty.inject({ url: PATHS.subprocessors });
    await empty.close();
    assert.match(res.body, /We use no sub-processors\./);
  });
});
