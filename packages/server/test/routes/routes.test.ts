import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { PATHS } from '@custodian/server';
import { testPolicy } from '../helpers/policy.js';
import { testServer } from '../helpers/server.js';

describe('routes', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await testServer());
  });
  after(() => app.close());

  const cases: Array<[path: string, type: RegExp]> = [
    [PATHS.home, /^text\/html; charset=utf-8$/],
    [PATHS.privacy, /^text\/html; charset=utf-8$/],
    [PATHS.dataMap, /^text\/html; charset=utf-8$/],
    [PATHS.subprocessors, /^text\/html; charset=utf-8$/],
    [`${PATHS.subprocessors}?format=json`, /^application\/json; charset=utf-8$/],
    [PATHS.securityTxt, /^text\/plain; charset=utf-8$/],
    [PATHS.policy, /^application\/json; charset=utf-8$/],
    [PATHS.health, /^application\/json; charset=utf-8$/],
  ];
  for (const [path, type] of cases) {
    test(`GET ${path} answers 200 with ${type.source.replace(/[\\^$]/g, '')}`, async () => {
      const res = await app.inject({ url: path });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), type);
      assert.ok(res.body.length > 0, 'a body');
    });
  }

  test('HEAD is served for every page too', async () => {
    const res = await app.inject({ method: 'HEAD', url: PATHS.privacy });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
  });

  test('the home page links to every page and endpoint', async () => {
    const page = (await app.inject({ url: PATHS.home })).body;
    for (const path of [PATHS.privacy, PATHS.subprocessors, PATHS.policy, PATHS.securityTxt, PATHS.dataMap, PATHS.health]) {
      assert.ok(page.includes(`href="${path}"`), `home page links to ${path}`);
    }
  });

  test('/v1/policy is the validated policy with its defaults filled in', async () => {
    const res = await app.inject({ url: PATHS.policy });
    const body = res.json();
    assert.deepEqual(body, JSON.parse(JSON.stringify(testPolicy())));
    assert.equal(body.audit.checkpoint.everyEvents, 1000, 'a default the input did not state');
  });

  test('the data map lists every table and every declared column, with owner paths', async () => {
    const policy = testPolicy();
    const page = (await app.inject({ url: PATHS.dataMap })).body;
    for (const [name, table] of Object.entries(policy.tables)) {
      assert.ok(page.includes(`id="table-${name}"`), `table ${name}`);
      for (const column of Object.keys(table.columns)) assert.ok(page.includes(`<code>${column}</code>`), `column ${name}.${column}`);
    }
    assert.ok(page.includes('<code>session_events.session_id → assessment_sessions.id</code> · <code>assessment_sessions.candidate_id → candidates.id</code>'), 'two-hop owner path');
    assert.ok(page.includes('AES-256-GCM'), 'algorithm');
    assert.ok(page.includes('replaced with a pseudonym such as deleted-&lt;uuid&gt;@deleted.invalid'), 'erase action');
  });

  test('an invalid policy is refused at start-up with every problem listed', async () => {
    const raw = JSON.parse(JSON.stringify(testPolicy()));
    raw.contacts.security.email = 'not an email';
    raw.retention[0].table = 'no_such_table';
    await assert.rejects(testServer({ policy: raw }), (e: Error & { code?: string; problems?: unknown[] }) => {
      assert.equal(e.code, 'ERR_POLICY_INVALID');
      assert.equal(e.problems?.length, 2);
      return true;
    });
  });
});
