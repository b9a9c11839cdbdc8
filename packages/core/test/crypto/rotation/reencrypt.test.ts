import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseDecryptAudit, reencrypt, rowsUsingKey, type DecryptAuditSink, type ReencryptProgress } from '@custodian/core/crypto';
import { openDatabase, type Database, type QueryResult } from '@custodian/core/db';
import { isCustodianError } from '@custodian/core/errors';
import { openTestDatabase, testBackend, type TestDatabase } from '@custodian/core/testing';
import { keyIdsIn, plaintextOf, policy, seed, setUp, type Setup } from './fixture.js';

const member = { type: 'member' as const, id: 'member-1' };

async function openAll(db: Database, s: Setup, company: string, ids: number[]): Promise<string[]> {
  const { rows } = await db.query<{ id: number; key_ciphertext: Uint8Array }>(
    'SELECT id, key_ciphertext FROM api_keys WHERE company_id = $1 AND id = ANY($2::int[]) ORDER BY id',
    [company, ids],
  );
  const out: string[] = [];
  for (const row of rows) {
    const ref = { table: 'api_keys', column: 'key_ciphertext', tenant: company, primaryKey: [company, String(row.id)] };
    out.push((await s.fields.open(ref, row.key_ciphertext, { purpose: 'assessment-session', actor: member })).reveal());
  }
  return out;
}

describe(`re-encryption after a key rotation (${testBackend()})`, () => {
  let db: TestDatabase;
  let s: Setup;
  before(async () => {
    db = await openTestDatabase();
    s = await setUp(db);
    await seed(db, s.fields, ['acme', 'globex'], 230);
  });
  after(() => db.close());

  test('every value under the rotated tenant key moves to the new key in keyset chunks; other tenants are untouched; the old key can then be retired', async () => {
    const globexBefore = await db.query('SELECT key_ciphertext, note_ciphertext FROM api_keys WHERE company_id = $1 ORDER BY id', ['globex']);
    const { previous, active } = await s.keys.rotate('tenant', 'acme');
    assert.ok(previous);
    assert.deepEqual(await keyIdsIn(db, 'api_keys', 'key_ciphertext'), Object.fromEntries([[previous, 230], [(await s.keys.activeKey('tenant', 'globex')).id, 230]].sort()));
    const progress: ReencryptProgress[] = [];
    const result = await reencrypt({ db, policy, keys: s.keys, keyId: previous, audit: databaseDecryptAudit(db), chunkSize: 17, onProgress: (p) => progress.push(p) });
    // 230 keys + the two thirds of notes that are set.
    const notes = Array.from({ length: 230 }, (_, i) => i).filter((i) => i % 3 !== 0).length;
    assert.equal(result.total, 230 + notes);
    assert.equal(result.reencrypted, 230 + notes);
    assert.deepEqual([result.unreadable, result.changedMeanwhile, result.remaining, result.aborted], [0, 0, 0, false]);
    assert.equal(result.activeKeyId, active);
    assert.equal(progress.at(-1)!.done, result.total);
    assert.ok(progress.length >= Math.ceil(230 / 17), 'one progress event per chunk');
    assert.ok(progress.every((p, i) => i === 0 || p.done >= progress[i - 1]!.done));
    const ids = await keyIdsIn(db, 'api_keys', 'key_ciphertext');
    assert.equal(ids[previous], undefined);
    assert.equal(ids[active], 230);
    assert.deepEqual(await openAll(db, s, 'acme', [0, 1, 17, 18, 229]), [0, 1, 17, 18, 229].map((i) => plaintextOf('acme', i)));
    const { rows: masks } = await db.query<{ key_last4: string }>(`SELECT key_last4 FROM api_keys WHERE company_id = 'acme' AND id = 5`);
    assert.equal(masks[0]!.key_last4, plaintextOf('acme', 5).slice(-4));
    assert.deepEqual((await db.query('SELECT key_ciphertext, note_ciphertext FROM api_keys WHERE company_id = $1 ORDER BY id', ['globex'])).rows, globexBefore.rows);
    assert.equal(await rowsUsingKey(db, policy, previous), 0);
    await s.keys.retire(previous, { rowsUsing: (id) => rowsUsingKey(db, policy, id) });
    assert.equal((await s.keys.info(previous)).state, 'retired');
  });

  test('C2: each value of an audited column gets a decrypt record (purpose key-rotation) before it is decrypted; unaudited columns get none', async () => {
    const { previous } = await s.keys.rotate('tenant', 'globex');
    const count = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.decrypt_events WHERE key_id = $1`, [previous])).rows[0]!.n;
    assert.equal(await count(), 0);
    await reencrypt({ db, policy, keys: s.keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: 100 });
    const { rows } = await db.query<{ purpose: string; actor_id: string; column_name: string; n: number }>(
      `SELECT purpose, actor_id, column_name, count(*)::int AS n FROM custodian.decrypt_events WHERE key_id = $1 GROUP BY 1, 2, 3`,
      [previous],
    );
    assert.deepEqual(rows, [{ purpose: 'key-rotation', actor_id: 'key-rotation', column_name: 'key_ciphertext', n: 230 }]);
    const { rows: one } = await db.query<{ row_key: string; tenant_id: string }>(`SELECT row_key, tenant_id FROM custodian.decrypt_events WHERE key_id = $1 ORDER BY row_key LIMIT 1`, [previous]);
    assert.deepEqual(one[0], { row_key: 'globex/0', tenant_id: 'globex' });
  });

  test('C2: when the decrypt record cannot be written nothing is decrypted or changed, and the run fails', async () => {
    const { previous } = await s.keys.rotate('tenant', 'acme');
    const snapshot = await keyIdsIn(db, 'api_keys', 'key_ciphertext');
    const failing: DecryptAuditSink = {
      async record() {
        throw new Error('audit store down');
      },
    };
    await assert.rejects(reencrypt({ db, policy, keys: s.keys, keyId: previous!, audit: failing }), /audit store down/);
    assert.deepEqual(await keyIdsIn(db, 'api_keys', 'key_ciphertext'), snapshot);
    // Finish it for the tests that follow.
    const done = await reencrypt({ db, policy, keys: s.keys, keyId: previous!, audit: databaseDecryptAudit(db) });
    assert.equal(done.remaining, 0);
  });

  test('a value the application rewrites between the read and the write is kept as the application wrote it (compare-and-swap)', async () => {
    const { previous } = await s.keys.rotate('tenant', 'acme');
    const fresh = await s.fields.seal({ table: 'api_keys', column: 'key_ciphertext', tenant: 'acme', primaryKey: ['acme', '42'] }, 'rewritten-by-app');
    // A database that lets the application write row 42 just before the rotation's UPDATE runs.
    let injected = false;
    const racing: Database = Object.create(db, {
      query: {
        value: async (sql: string, params?: readonly unknown[]): Promise<QueryResult> => {
          if (!injected && sql.trimStart().startsWith('UPDATE "api_keys"')) {
            injected = true;
            await db.query(`UPDATE api_keys SET key_ciphertext = $1 WHERE company_id = 'acme' AND id = 42`, [fresh.ciphertext]);
          }
          return db.query(sql, params);
        },
      },
    });
    const result = await reencrypt({ db: racing, policy, keys: s.keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: 1000 });
    assert.ok(injected);
    assert.equal(result.changedMeanwhile, 1);
    assert.equal(result.reencrypted, result.total - 1);
    assert.equal(result.remaining, 0);
    const [value] = await openAll(db, s, 'acme', [42]);
    assert.equal(value, 'rewritten-by-app');
  });

  test('a value that does not open in its row (copied from another row) is counted unreadable and never rewritten', async () => {
    const { previous } = await s.keys.rotate('tenant', 'acme');
    await db.query(`UPDATE api_keys SET key_ciphertext = (SELECT key_ciphertext FROM api_keys WHERE company_id = 'acme' AND id = 1) WHERE company_id = 'acme' AND id = 2`);
    const copied = (await db.query<{ v: Uint8Array }>(`SELECT key_ciphertext AS v FROM api_keys WHERE company_id = 'acme' AND id = 2`)).rows[0]!.v;
    const result = await reencrypt({ db, policy, keys: s.keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: 50 });
    assert.equal(result.unreadable, 1);
    assert.equal(result.remaining, 1);
    assert.equal(result.reencrypted, result.total - 1);
    const after = (await db.query<{ v: Uint8Array }>(`SELECT key_ciphertext AS v FROM api_keys WHERE company_id = 'acme' AND id = 2`)).rows[0]!.v;
    assert.deepEqual(Buffer.from(after), Buffer.from(copied));
    await assert.rejects(
      s.keys.retire(previous!, { rowsUsing: (id) => rowsUsingKey(db, policy, id) }),
      (e: unknown) => isCustodianError(e) && e.code === 'ERR_KEY_RETIRE_REFUSED',
    );
  });

  test('an aborted run stops after its chunk in flight; running again finishes the job', async () => {
    const { previous } = await s.keys.rotate('tenant', 'globex');
    const stop = new AbortController();
    const first = await reencrypt({
      db, policy, keys: s.keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: 40,
      onProgress: (p) => { if (p.done >= 80) stop.abort(); },
      signal: stop.signal,
    });
    assert.equal(first.aborted, true);
    assert.ok(first.reencrypted >= 80 && first.reencrypted < first.total, `${first.reencrypted} of ${first.total}`);
    const second = await reencrypt({ db, policy, keys: s.keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: 40 });
    assert.equal(second.total, first.total - first.reencrypted);
    assert.equal(second.reencrypted, second.total);
    assert.equal(second.remaining, 0);
  });

  test('two runs at once on one key both finish; each value is swapped exactly once and every value opens', async () => {
    const { previous, active } = await s.keys.rotate('tenant', 'globex');
    // On PostgreSQL a second pool, as a second instance would have; on PGlite the two runs interleave on its one connection.
    const other = db.url ? await openDatabase({ url: db.url }) : undefined;
    try {
      const second = other ? (await import('./fixture.js')).storeFor(other, s.root) : s;
      const [a, b] = await Promise.all([
        reencrypt({ db, policy, keys: s.keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: 25 }),
        reencrypt({ db: other ?? db, policy, keys: second.keys, keyId: previous!, audit: databaseDecryptAudit(other ?? db), chunkSize: 25 }),
      ]);
      assert.equal(a.reencrypted + b.reencrypted, a.total);
      assert.equal(a.remaining + b.remaining, 0);
      const ids = await keyIdsIn(db, 'api_keys', 'key_ciphertext');
      assert.equal(ids[previous!], undefined);
      assert.equal(ids[active], 230);
      const all = Array.from({ length: 230 }, (_, i) => i);
      assert.deepEqual(await openAll(db, s, 'globex', all), all.map((i) => plaintextOf('globex', i)));
    } finally {
      await other?.close();
    }
  });

  test('an active key is refused: its scope must be rotated first', async () => {
    const active = await s.keys.activeKey('tenant', 'acme');
    await assert.rejects(
      reencrypt({ db, policy, keys: s.keys, keyId: active.id, audit: databaseDecryptAudit(db) }),
      (e: unknown) => isCustodianError(e) && e.code === 'ERR_KEY_STATE',
    );
  });

  test('root-scoped values (secretbox) move too, and a policy that changed the algorithm is applied on the way', async () => {
    const { keys, fields } = s;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { rows } = await db.query<{ id: string }>(`INSERT INTO platform_secrets (value_ciphertext) VALUES ('\\x00') RETURNING id::text`);
      const id = rows[0]!.id;
      const sealed = await fields.seal({ table: 'platform_secrets', column: 'value_ciphertext', primaryKey: id }, `secret-${i}`);
      await db.query('UPDATE platform_secrets SET value_ciphertext = $1 WHERE id = $2', [sealed.ciphertext, id]);
      ids.push(id);
    }
    const { previous, active } = await keys.rotate('root', null);
    const changed = { ...policy, tables: { ...policy.tables, platform_secrets: structuredClone(policy.tables.platform_secrets!) } };
    changed.tables.platform_secrets.columns.value_ciphertext!.encryption!.algorithm = 'xchacha20-poly1305';
    const result = await reencrypt({ db, policy: changed, keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: 7 });
    assert.equal(result.reencrypted, 30);
    const { rows } = await db.query<{ alg: number; k: string }>(`SELECT DISTINCT get_byte(value_ciphertext, 2) AS alg, convert_from(substring(value_ciphertext FROM 5 FOR get_byte(value_ciphertext, 3)), 'UTF8') AS k FROM platform_secrets`);
    assert.deepEqual(rows, [{ alg: 1, k: active }]);
  });
});
