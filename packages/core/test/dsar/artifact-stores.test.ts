import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { LocalArtifactStore, S3ArtifactStore, newArtifactId, type ArtifactStore } from '@custodian/core/dsar';
import { startLocalS3, type LocalS3 } from './local-s3-server.js';

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };
const codeOf = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

/** The contract every store keeps, run against each. */
async function roundTrip(store: ArtifactStore): Promise<void> {
  const a = { tenant: 'tenant-a', id: newArtifactId('json') };
  assert.equal(await store.exists(a), false);
  assert.equal(await store.get(a), undefined);
  const body = JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => ({ i, text: 'x'.repeat(50) })) });
  const { size } = await store.put(a, Readable.from([Buffer.from(body.slice(0, 1000)), Buffer.from(body.slice(1000))]), 'application/json; charset=utf-8');
  assert.equal(size, Buffer.byteLength(body));
  assert.equal(await store.exists(a), true);
  const got = await store.get(a);
  assert.ok(got);
  assert.match(got.contentType, /^application\/json/);
  assert.equal(await text(got.body), body);
  // The same id under another tenant is another place: nothing there.
  assert.equal(await store.exists({ tenant: 'tenant-b', id: a.id }), false);
  assert.equal(await store.get({ tenant: 'tenant-b', id: a.id }), undefined);
  assert.equal(await store.exists({ id: a.id }), false);
  await store.delete(a);
  assert.equal(await store.exists(a), false);
  await store.delete(a); // twice is fine
  // Ids of any other shape never reach a path or key.
  for (const id of ['../x.json', '..%2fx.json', 'a/b.json', `${'a'.repeat(32)}.exe`, '', `${'A'.repeat(32)}.json`]) {
    await assert.rejects(store.get({ tenant: 'tenant-a', id }), codeOf('ERR_ARTIFACT_NOT_FOUND'));
    await assert.rejects(store.put({ tenant: 'tenant-a', id }, Readable.from(['x']), 'text/plain'), codeOf('ERR_ARTIFACT_NOT_FOUND'));
  }
}

describe('artifact stores', () => {
  let dir: string;
  let s3: LocalS3;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'custodian-artifacts-'));
    s3 = await startLocalS3('exports');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await s3.close();
  });

  test('B5: the local store keeps exports private — folders 0700, files 0600 whatever the umask — and addresses them by tenant and id', async () => {
    const root = join(dir, 'local');
    const store = new LocalArtifactStore(root);
    await roundTrip(store);
    const old = process.umask(0o022);
    try {
      const ref = { tenant: '../../etc', id: newArtifactId('zip') };
      await store.put(ref, Readable.from([Buffer.from('PK')]), 'application/zip');
      assert.equal(statSync(root).mode & 0o777, 0o700);
      const [segment] = readdirSync(root);
      assert.match(segment!, /^t-[0-9a-f]{40}$/, 'the tenant becomes a hash, never a path');
      assert.equal(statSync(join(root, segment!)).mode & 0o777, 0o700);
      assert.equal(statSync(join(root, segment!, ref.id)).mode & 0o777, 0o600);
      assert.equal(readFileSync(join(root, segment!, ref.id), 'utf8'), 'PK');
    } finally {
      process.umask(old);
    }
  });

  test('a failed upload leaves nothing behind in the local store', async () => {
    const store = new LocalArtifactStore(join(dir, 'failing'));
    const ref = { tenant: 't', id: newArtifactId('json') };
    const broken = new Readable({ read() { this.destroy(new Error('source broke')); } });
    await assert.rejects(store.put(ref, broken, 'application/json'), codeOf('ERR_ARTIFACT_STORE_FAILED'));
    assert.equal(await store.exists(ref), false);
    assert.deepEqual(readdirSync(join(dir, 'failing', readdirSync(join(dir, 'failing'))[0]!)), []);
  });

  test('B5: the S3 store puts, gets, heads and deletes objects in a private bucket through the real SDK, path-style, with server-side encryption', async () => {
    const store = new S3ArtifactStore({ bucket: 'exports', prefix: 'dsar/', region: 'us-east-1', endpoint: s3.endpoint, credentials, serverSideEncryption: 'AES256' });
    try {
      await roundTrip(store);
      const ref = { tenant: 'tenant-a', id: newArtifactId('zip') };
      await store.put(ref, Readable.from([Buffer.from('zip bytes')]), 'application/zip');
      const [key, object] = [...s3.objects.entries()].at(-1)!;
      assert.match(key, /^dsar\/t-[0-9a-f]{40}\/[0-9a-f]{32}\.zip$/);
      assert.equal(object.sse, 'AES256');
      assert.equal(object.contentType, 'application/zip');
      assert.deepEqual(new Set(s3.requests.map((r) => r.method)), new Set(['PUT', 'GET', 'HEAD', 'DELETE']));
      assert.ok(s3.requests.every((r) => r.path.startsWith('/exports/')), 'path-style addressing');
    } finally {
      await store.close();
    }
  });

  test('an S3 store that is refused reports ERR_ARTIFACT_STORE_FAILED without the credentials', async () => {
    const store = new S3ArtifactStore({ bucket: 'other-bucket', region: 'us-east-1', endpoint: s3.endpoint, credentials });
    try {
      await assert.rejects(store.put({ tenant: 't', id: newArtifactId('json') }, Readable.from(['{}']), 'application/json'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ERR_ARTIFACT_STORE_FAILED');
        assert.ok(!e.message.includes(credentials.secretAccessKey));
        return true;
      });
    } finally {
      await store.close();
    }
  });
});
