import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { PLACEHOLDER_MARKER, Secret, isPlaceholder, parseEnvelopeHeader, type FieldCrypto, type FieldRef } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { fieldCryptoFor, testBackend } from '@custodian/core/testing';
import { app, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

const encrypted = Object.entries(app.policy.tables).flatMap(([table, t]) =>
  Object.entries(t.columns)
    .filter(([, c]) => c.encryption)
    .map(([column]) => `${table}.${column}`),
);

/** The sealed columns each provider's credentials live in; every other credential column stays empty. */
const CREDENTIALS_OF: Record<string, string[]> = {
  notion: ['oauth_access_token_ciphertext'],
  google: ['oauth_access_token_ciphertext', 'oauth_refresh_token_ciphertext'],
  slack: ['oauth_access_token_ciphertext', 'oauth_refresh_token_ciphertext'],
  meta: ['oauth_access_token_ciphertext'],
  whatsapp: ['whatsapp_token_ciphertext'],
  webhook: ['webhook_api_key_ciphertext'],
  mcp: ['mcp_client_secret_ciphertext'],
};

describe(`agency-workspace encrypted columns (${testBackend()})`, () => {
  let db: Database;
  let fields: FieldCrypto;
  before(async () => {
    db = await openMigrated();
    // A known root key, so the tests can open what the seed sealed.
    fields = fieldCryptoFor(db, app.policy, new Secret(Uint8Array.from(randomBytes(32))));
    await seed(db, { subjects: 400, seed: 7, fields });
  });
  after(() => db.close());

  test('B1: message content and every integration credential are sealed with XSalsa20-Poly1305 under the workspace key', () => {
    assert.deepEqual([...encrypted].sort(), [
      'integrations.mcp_client_secret_ciphertext',
      'integrations.oauth_access_token_ciphertext',
      'integrations.oauth_refresh_token_ciphertext',
      'integrations.webhook_api_key_ciphertext',
      'integrations.whatsapp_token_ciphertext',
      'messages.content_ciphertext',
    ]);
    for (const ref of encrypted) {
      const [table, column] = ref.split('.') as [string, string];
      const enc = app.policy.tables[table]!.columns[column]!.encryption!;
      assert.deepEqual([enc.algorithm, enc.keyScope], ['xsalsa20-poly1305', 'tenant'], ref);
    }
  });

  test('every *_ciphertext column of the schema is bytea and declared encrypted in the policy', async () => {
    const { rows } = await db.query<{ ref: string; data_type: string }>(
      `SELECT table_name || '.' || column_name AS ref, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name LIKE '%\\_ciphertext' ORDER BY 1`,
    );
    assert.deepEqual(rows.map((r) => r.ref), [...encrypted].sort());
    assert.ok(rows.every((r) => r.data_type === 'bytea'));
  });

  test('B1: every encrypted value is an XSalsa20-Poly1305 envelope, never plaintext or a placeholder', async () => {
    const marker = Buffer.from(PLACEHOLDER_MARKER, 'ascii');
    for (const ref of encrypted) {
      const [table, column] = ref.split('.') as [string, string];
      const { rows } = await db.query<{ v: Uint8Array }>(`SELECT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`);
      assert.ok(rows.length > 0, `${ref} has seeded values`);
      for (const { v } of rows) {
        assert.ok(!isPlaceholder(v) && !Buffer.from(v).subarray(0, marker.length).equals(marker), `${ref} holds a placeholder`);
        assert.equal(parseEnvelopeHeader(v).algorithm, 'xsalsa20-poly1305', ref);
      }
    }
  });

  test('B1: every provider’s credentials are stored, sealed, in their own columns and nowhere else', async () => {
    const { rows } = await db.query<Record<string, Uint8Array | null> & { provider: string }>(`SELECT * FROM integrations`);
    assert.deepEqual([...new Set(rows.map((r) => r.provider))].sort(), Object.keys(CREDENTIALS_OF).sort());
    const credentialColumns = encrypted.filter((ref) => ref.startsWith('integrations.')).map((ref) => ref.slice('integrations.'.length));
    for (const row of rows) {
      const filled = credentialColumns.filter((c) => row[c] !== null);
      assert.deepEqual(filled.sort(), [...CREDENTIALS_OF[row.provider]!].sort(), row.provider);
      for (const c of filled) assert.equal(parseEnvelopeHeader(row[c]!).algorithm, 'xsalsa20-poly1305', `${row.provider}.${c}`);
    }
  });

  test('B1: sealed under each workspace’s own data key, bound to the row', async () => {
    const { rows } = await db.query<{ workspace_id: string; id: string; v: Uint8Array }>(
      `SELECT workspace_id, id, content_ciphertext AS v FROM messages ORDER BY workspace_id, id`,
    );
    const keyOf = new Map<string, string>();
    for (const r of rows) {
      const keyId = parseEnvelopeHeader(r.v).keyId;
      assert.equal(keyOf.get(r.workspace_id) ?? keyId, keyId, 'one key per workspace');
      keyOf.set(r.workspace_id, keyId);
    }
    assert.equal(new Set(keyOf.values()).size, keyOf.size, 'no two workspaces share a key');
    const { rows: keys } = await db.query<{ id: string; scope: string; scope_id: string }>(`SELECT id::text AS id, scope, scope_id FROM custodian.data_keys`);
    const scopeOf = new Map(keys.map((k) => [k.id, k]));
    for (const [workspace, keyId] of keyOf) assert.deepEqual([scopeOf.get(keyId)?.scope, scopeOf.get(keyId)?.scope_id], ['tenant', workspace]);
  });

  test('B1: no token or message text appears in clear text in any table', async () => {
    const secrets: string[] = [];
    for (const ref of encrypted) {
      const [table, column] = ref.split('.') as [string, string];
      const { rows } = await db.query<{ workspace_id: string; id: string; v: Uint8Array }>(
        `SELECT workspace_id, id, ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL ORDER BY workspace_id, id LIMIT 200`,
      );
      for (const r of rows) secrets.push((await fields.open(refOf(table, column, r), r.v, READ)).reveal());
    }
    assert.ok(secrets.some((s) => s.startsWith('xoxb-')) && secrets.some((s) => s.includes('Draft the launch brief')));
    for (const table of Object.keys(app.policy.tables)) {
      const { rows } = await db.query<{ text: string | null }>(`SELECT string_agg(t::text, '\n') AS text FROM ${table} t`);
      const dump = rows[0]!.text ?? '';
      // bytea prints as hex: look for each secret both as text and as its bytes.
      assert.deepEqual(secrets.filter((s) => dump.includes(s) || dump.includes(Buffer.from(s).toString('hex'))), [], table);
    }
  });

  test('B1: two messages with identical content have different ciphertexts and nonces (fresh nonce per record)', async () => {
    const { rows } = await db.query<{ workspace_id: string; id: string; v: Uint8Array }>(
      `SELECT workspace_id, id, content_ciphertext AS v FROM messages ORDER BY workspace_id, id LIMIT 300`,
    );
    const byText = new Map<string, Uint8Array[]>();
    for (const r of rows) {
      const text = (await fields.open(refOf('messages', 'content_ciphertext', r), r.v, READ)).reveal();
      byText.set(text, [...(byText.get(text) ?? []), r.v]);
    }
    const same = [...byText.values()].filter((vs) => vs.length > 1);
    assert.ok(same.length > 0, 'the seed has repeated message texts');
    const nonces = new Set<string>();
    let values = 0;
    for (const vs of same) {
      assert.equal(new Set(vs.map((v) => Buffer.from(v).toString('hex'))).size, vs.length, 'identical texts, different ciphertexts');
      for (const v of vs) nonces.add(nonceOf(v));
      values += vs.length;
    }
    assert.equal(nonces.size, values, 'every value has its own nonce');
  });

  test('B1: a message copied into another workspace’s row does not open there', async () => {
    const { rows } = await db.query<{ workspace_id: string; id: string; v: Uint8Array }>(
      `SELECT DISTINCT ON (workspace_id) workspace_id, id, content_ciphertext AS v FROM messages ORDER BY workspace_id, id LIMIT 2`,
    );
    const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]];
    assert.notEqual(a.workspace_id, b.workspace_id);
    // Each opens in its own row…
    const textA = (await fields.open(refOf('messages', 'content_ciphertext', a), a.v, READ)).reveal();
    await fields.open(refOf('messages', 'content_ciphertext', b), b.v, READ);
    // …but A's envelope written over B's row is refused, opaquely.
    await db.query(`UPDATE messages SET content_ciphertext = $1 WHERE workspace_id = $2 AND id = $3`, [a.v, b.workspace_id, b.id]);
    const copied = await db.query<{ v: Uint8Array }>(`SELECT content_ciphertext AS v FROM messages WHERE workspace_id = $1 AND id = $2`, [b.workspace_id, b.id]);
    assert.deepEqual(Buffer.from(copied.rows[0]!.v), Buffer.from(a.v));
    await assert.rejects(fields.open(refOf('messages', 'content_ciphertext', b), copied.rows[0]!.v, READ), (e: { code?: string; message?: string }) => {
      assert.equal(e.code, 'ERR_CRYPTO_DECRYPT_FAILED');
      assert.ok(!String(e.message).includes(textA));
      return true;
    });
    await db.query(`UPDATE messages SET content_ciphertext = $1 WHERE workspace_id = $2 AND id = $3`, [b.v, b.workspace_id, b.id]);
  });
});

/** The columns list no purposes, so any named purpose may decrypt them. */
const READ = { purpose: 'seed-verification', actor: { type: 'system', id: 'agency-workspace-tests' } } as const;

function refOf(table: string, column: string, row: { workspace_id: string; id: string }): FieldRef {
  return { table, column, tenant: row.workspace_id, primaryKey: [row.workspace_id, row.id] };
}

/** The envelope's nonce: after magic, version, algorithm, key-id length and key id; 24 bytes for secretbox (docs/envelope.md). */
function nonceOf(envelope: Uint8Array): string {
  const keyIdLength = envelope[3]!;
  return Buffer.from(envelope.subarray(4 + keyIdLength, 4 + keyIdLength + 24)).toString('hex');
}
