import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openTestDatabase, testBackend } from '@custodian/core/testing';
import { PATHS } from '@custodian/server';
import { testServer } from '../helpers/server.js';

describe(`GET /healthz (${testBackend()})`, () => {
  test('reports the database ok after a real `select 1`', async () => {
    const db = await openTestDatabase();
    const { app } = await testServer({ db });
    try {
      const res = await app.inject({ url: PATHS.health });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok', database: 'ok' });
      assert.equal(res.headers['cache-control'], 'no-store');
    } finally {
      await app.close();
      await db.close();
    }
  });

  test('answers 503 when the database is gone, without the failure’s detail', async () => {
    const db = await openTestDatabase();
    const { app, raw } = await testServer({ db });
    await db.close();
    try {
      const res = await app.inject({ url: PATHS.health });
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { status: 'unavailable', database: 'unavailable' });
      const warning = raw.map((l) => JSON.parse(l)).find((l) => l.msg === 'health check: database unavailable');
      assert.equal(warning?.error?.code, 'ERR_DB_CLOSED');
    } finally {
      await app.close();
    }
  });

  test(
    'answers 503 when the database does not answer in time',
    { skip: testBackend() === 'postgres' && 'a pool hands the probe a free connection; only the single-connection embedded database can be held busy' },
    async () => {
      const db = await openTestDatabase();
      const { app } = await testServer({ db, healthTimeoutMs: 50 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // The embedded database has one connection; an open transaction keeps the probe waiting.
      const busy = db.transaction(async (tx) => {
        await tx.query('select 1');
        await held;
      });
      try {
        const res = await app.inject({ url: PATHS.health });
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().database, 'unavailable');
      } finally {
        release();
        await busy;
        await app.close();
        await db.close();
      }
    },
  );

  test('without a database, reports the server alone', async () => {
    const { app } = await testServer();
    const res = await app.inject({ url: PATHS.health });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    await app.close();
  });
});
