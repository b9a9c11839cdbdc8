import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import {
  AUDIT_SIGNING_KEY_ENV,
  checkpointBody,
  checkpointSignerFromSeed,
  createAuditAppender,
  listCheckpoints,
  openNote,
  parseCheckpointBody,
  parseVerifierKey,
  resolveCheckpointSigner,
  scheduleCheckpoints,
  signNote,
  writeCheckpoints,
} from '@custodian/core/audit';
import { Secret } from '@custodian/core/crypto';
import { APP_ROLE } from '@custodian/core/db';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent } from './helpers.js';

type Failure = Error & { code?: string };
const seedHex = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'; // RFC 8032 test 1
const signer = checkpointSignerFromSeed(new Secret(Uint8Array.from(Buffer.from(seedHex, 'hex'))));

describe('checkpoint notes', () => {
  test('the signer is Ed25519 (RFC 8032 test 1) and its verifier key round-trips in the C2SP format', () => {
    assert.equal(Buffer.from(signer.publicKey).toString('hex'), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = signer.sign(new Uint8Array(0));
    assert.equal(Buffer.from(sig).toString('hex').slice(0, 32), 'e5564300c360ac729086e2cc806e828a');
    assert.match(signer.verifierKey, /^custodian-audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const parsed = parseVerifierKey(signer.verifierKey);
    assert.deepEqual([...parsed.publicKey], [...signer.publicKey]);
    assert.throws(() => parseVerifierKey(signer.verifierKey.replace(/\+([0-9a-f]{2})/, '+00')), (e: Failure) => e.code === 'ERR_AUDIT_CHECKPOINT_INVALID');
    assert.equal(JSON.stringify(signer).includes(seedHex), false);
  });

  test('a checkpoint body reads back, and its note verifies only unchanged', () => {
    const hash = new Uint8Array(32).fill(7);
    const body = checkpointBody('acme corp/eu', 42, hash, new Date('2026-11-27T10:00:00.000Z'));
    assert.equal(body, `custodian-audit/acme%20corp%2Feu\n42\n${Buffer.from(hash).toString('base64')}\ntime 2026-11-27T10:00:00.000Z\n`);
    assert.deepEqual(parseCheckpointBody(body), { tenant: 'acme corp/eu', size: 42, headHash: '07'.repeat(32), signedAt: new Date('2026-11-27T10:00:00.000Z') });
    const key = parseVerifierKey(signer.verifierKey);
    const note = signNote(body, signer.name, signer.publicKey, signer.sign);
    assert.match(note, new RegExp(`^${body.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n\u2014 custodian-audit [A-Za-z0-9+/]{91}=\n$`));
    assert.deepEqual(openNote(note, [key]).verifiedBy, ['custodian-audit']);
    assert.throws(() => openNote(note.replace('\n42\n', '\n43\n'), [key]), (e: Failure) => e.code === 'ERR_AUDIT_CHECKPOINT_INVALID');
    assert.equal(parseCheckpointBody(body.replace('\n42\n', '\n042\n')), undefined);
  });

  test('the signing key comes from CUSTODIAN_AUDIT_SIGNING_KEY; production refuses to go without; development keeps a generated key private', () => {
    const fromEnv = resolveCheckpointSigner({ mode: 'production', env: { [AUDIT_SIGNING_KEY_ENV]: seedHex }, developmentKeyFile: '/nonexistent/key' });
    assert.equal(fromEnv!.source, 'environment');
    assert.equal(fromEnv!.signer.verifierKey, signer.verifierKey);
    assert.throws(() => resolveCheckpointSigner({ mode: 'production', env: {}, developmentKeyFile: '/nonexistent/key' }), (e: Failure) => e.code === 'ERR_KEY_REQUIRED');
    assert.throws(
      () => resolveCheckpointSigner({ mode: 'production', env: { [AUDIT_SIGNING_KEY_ENV]: 'abc123-not-a-key' }, developmentKeyFile: '/x' }),
      (e: Failure) => e.code === 'ERR_KEY_INVALID' && !e.message.includes('abc123'),
    );
    const dir = mkdtempSync(join(tmpdir(), 'custodian-audit-key-'));
    try {
      const file = join(dir, 'dev-audit-signing-key');
      assert.equal(resolveCheckpointSigner({ mode: 'development', env: {}, developmentKeyFile: file, create: false }), undefined);
      const made = resolveCheckpointSigner({ mode: 'development', env: {}, developmentKeyFile: file })!;
      assert.equal(made.source, 'development-generated');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
      assert.equal(resolveCheckpointSigner({ mode: 'development', env: {}, developmentKeyFile: file })!.signer.verifierKey, made.signer.verifierKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(`checkpoints in the database (${testBackend()})`, () => {
  let db: TestDatabase;
  const audit = createAuditAppender();
  before(async () => {
    db = await openAuditDatabase();
  });
  after(() => db.close());

  test('a checkpoint is written per tenant whose chain grew, and only then', async () => {
    for (let i = 1; i <= 3; i++) await audit.appendCommitted(db, sampleEvent('t1', i));
    await audit.appendCommitted(db, sampleEvent('t2', 1));
    const first = await writeCheckpoints(db, signer);
    assert.deepEqual(first.map((c) => [c.tenant, c.size]), [['t1', 3], ['t2', 1]]);
    assert.deepEqual(await writeCheckpoints(db, signer), []);
    await audit.appendCommitted(db, sampleEvent('t1', 4));
    assert.deepEqual((await writeCheckpoints(db, signer)).map((c) => [c.tenant, c.size]), [['t1', 4]]);
    const listed = await listCheckpoints(db, { tenant: 't1' });
    assert.deepEqual(listed.map((c) => c.size), [3, 4]);
    const { rows } = await db.query<{ hash: string }>(`SELECT encode(hash, 'hex') AS hash FROM custodian.audit_events WHERE tenant_id = 't1' AND seq = 4`);
    assert.equal(listed[1]!.headHash, rows[0]!.hash);
    const body = parseCheckpointBody(openNote(listed[1]!.note, [signer]).text)!;
    assert.deepEqual([body.tenant, body.size, body.headHash], ['t1', 4, rows[0]!.hash]);
  });

  test('a schedule signs checkpoints at intervals as chains grow, and stops', async () => {
    const seen: [string, number][] = [];
    const schedule = scheduleCheckpoints(db, signer, { intervalMs: 40, onWritten: (w) => seen.push(...w.map((c): [string, number] => [c.tenant, c.size])), onError: (e) => assert.fail(String(e)) });
    await audit.appendCommitted(db, sampleEvent('t-sched', 1));
    for (let i = 0; i < 100 && !seen.some(([t]) => t === 't-sched'); i++) await sleep(20);
    await audit.appendCommitted(db, sampleEvent('t-sched', 2));
    for (let i = 0; i < 100 && !seen.some(([t, n]) => t === 't-sched' && n === 2); i++) await sleep(20);
    await schedule.stop();
    assert.deepEqual(seen.filter(([t]) => t === 't-sched'), [['t-sched', 1], ['t-sched', 2]]);
    await audit.appendCommitted(db, sampleEvent('t-sched', 3));
    await sleep(120);
    assert.deepEqual((await listCheckpoints(db, { tenant: 't-sched' })).map((c) => c.size), [1, 2], 'nothing is signed after stop');
  });

  test('the database refuses a checkpoint that disagrees with the chain, for the owner and the app role: never two inconsistent checkpoints', async () => {
    const insert = `INSERT INTO custodian.audit_checkpoints (tenant_id, size, head_hash, signed_at, key_name, key_id, note) VALUES ('t1', $1, $2, now(), 'k', '00000000', 'n')`;
    const wrong = Buffer.alloc(32, 1);
    await assert.rejects(db.query(insert, [2, wrong]), (e: Failure) => /must name the hash/.test(e.message));
    await assert.rejects(db.query(insert, [99, wrong]), (e: Failure) => /must name the hash/.test(e.message));
    await assert.rejects(db.transaction((tx) => tx.query(insert, [2, wrong]), { role: APP_ROLE }), (e: Failure) => /must name the hash/.test(e.message));
    // A second checkpoint of a size already signed is refused even with the right hash.
    const { rows } = await db.query<{ hash: Uint8Array }>(`SELECT hash FROM custodian.audit_events WHERE tenant_id = 't1' AND seq = 3`);
    await assert.rejects(db.query(insert, [3, rows[0]!.hash]), (e: Failure) => /\[23505\]/.test(e.message));
    await audit.appendCommitted(db, sampleEvent('t1', 5));
    assert.equal((await writeCheckpoints(db, signer, { tenant: 't1' }))[0]!.size, 5);
  });
});

