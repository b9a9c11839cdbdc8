import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { Secret } from '@custodian/core/crypto';
import { LocalArtifactStore, exportLinkKey, newArtifactId, signExportLink } from '@custodian/core/dsar';
import { testServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'custodian-exports-route-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('B5: GET /v1/exports streams the export a signed link names, as a no-store attachment, and the token never reaches the request log', async () => {
  const store = new LocalArtifactStore(dir);
  const linkKey = exportLinkKey(new Secret(Uint8Array.from(randomBytes(32))));
  const ref = { tenant: 'company-1', id: newArtifactId('zip') };
  await store.put(ref, Readable.from([Buffer.from('PK\u0003\u0004 a zip')]), 'application/zip');
  const { app, lines } = await testServer({ exports: { store, linkKey } });
  try {
    const { token } = signExportLink(linkKey, { tenant: ref.tenant, artifactId: ref.id });
    const res = await app.inject({ method: 'GET', url: `/v1/exports?token=${token}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'PK\u0003\u0004 a zip');
    assert.equal(res.headers['content-type'], 'application/zip');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="data-export.zip"');
    const [logged] = lines().filter((l) => String(l.path).startsWith('/v1/exports'));
    assert.ok(logged, 'the request is logged');
    assert.ok(!JSON.stringify(lines()).includes(token.slice(0, 20)), 'but not its token');
    // The same export id under another tenant's link: nothing there.
    const other = signExportLink(linkKey, { tenant: 'company-2', artifactId: ref.id }).token;
    const res2 = await app.inject({ method: 'GET', url: `/v1/exports?token=${other}` });
    assert.deepEqual([res2.statusCode, res2.json().error.code], [404, 'ERR_ARTIFACT_NOT_FOUND']);
    const none = await app.inject({ method: 'GET', url: '/v1/exports' });
    assert.deepEqual([none.statusCode, none.json().error.code], [404, 'ERR_EXPORT_LINK_INVALID']);
  } finally {
    await app.close();
  }
});

test('without an export store the route does not exist', async () => {
  const { app } = await testServer();
  try {
    const res = await app.inject({ method: 'GET', url: '/v1/exports?token=x.y' });
    assert.deepEqual([res.statusCode, res.json().error.code], [404, 'ERR_HTTP_NOT_FOUND']);
  } finally {
    await app.close();
  }
});
