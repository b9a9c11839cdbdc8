import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PLACEHOLDER_MARKER, isPlaceholder, openPlaceholder } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
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
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 400, seed: 7 });
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

  test('B1: encrypted columns hold only marked placeholder values, never plaintext', async () => {
    const marker = Buffer.from(PLACEHOLDER_MARKER, 'ascii');
    for (const ref of encrypted) {
      const [table, column] = ref.split('.') as [string, string];
      const { rows } = await db.query<{ total: number; unmarked: number }>(
        `SELECT count(${column})::int AS total, count(*) FILTER (WHERE substring(${column} FROM 1 FOR $1) <> $2)::int AS unmarked FROM ${table}`,
        [marker.length, marker],
      );
      assert.ok(rows[0]!.total > 0, `${ref} has seeded values`);
      assert.equal(rows[0]!.unmarked, 0, ref);
    }
  });

  test('B1: every provider’s credentials are stored, sealed, in their own columns and nowhere else', async () => {
    const { rows } = await db.query<Record<string, Uint8Array | null> & { provider: string }>(`SELECT * FROM integrations`);
    assert.deepEqual([...new Set(rows.map((r) => r.provider))].sort(), Object.keys(CREDENTIALS_OF).sort());
    const credentialColumns = encrypted.filter((ref) => ref.startsWith('integrations.')).map((ref) => ref.slice('integrations.'.length));
    for (const row of rows) {
      const filled = credentialColumns.filter((c) => row[c] !== null);
      assert.deepEqual(filled.sort(), [...CREDENTIALS_OF[row.provider]!].sort(), row.provider);
      for (const c of filled) assert.ok(isPlaceholder(row[c]!), `${row.provider}.${c}`);
    }
  });

  test('B1: no token or message text appears in clear text in any table', async () => {
    const secrets: string[] = [];
    const sealed = await db.query<{ v: Uint8Array }>(
      `SELECT oauth_access_token_ciphertext AS v FROM integrations WHERE oauth_access_token_ciphertext IS NOT NULL
       UNION ALL SELECT webhook_api_key_ciphertext FROM integrations WHERE webhook_api_key_ciphertext IS NOT NULL
       UNION ALL SELECT mcp_client_secret_ciphertext FROM integrations WHERE mcp_client_secret_ciphertext IS NOT NULL
       UNION ALL SELECT whatsapp_token_ciphertext FROM integrations WHERE whatsapp_token_ciphertext IS NOT NULL
       UNION ALL (SELECT content_ciphertext FROM messages LIMIT 200)`,
    );
    for (const row of sealed.rows) secrets.push(openPlaceholder(row.v));
    assert.ok(secrets.some((s) => s.startsWith('xoxb-')) && secrets.some((s) => s.includes('Draft the launch brief')));
    for (const table of Object.keys(app.policy.tables)) {
      const { rows } = await db.query<{ text: string | null }>(`SELECT string_agg(t::text, '\n') AS text FROM ${table} t`);
      const dump = rows[0]!.text ?? '';
      assert.deepEqual(secrets.filter((s) => dump.includes(s)), [], table);
    }
  });
});
