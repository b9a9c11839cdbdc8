import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { eraseSubject } from '@custodian/core/dsar';
import { testBackend } from '@custodian/core/testing';
import { policy, seed } from '../src/index.js';
import { openMigrated, tableDigest } from './helpers.js';

const n = async (db: Database, sql: string, params: unknown[]) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params)).rows[0]!.n;

describe(`agency-workspace: a deletion request (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 200, seed: 'dsar-erase' });
    schema = await introspect(db);
  });
  after(() => db.close());

  test('B6: after deletion the email is deleted-<uuid>@deleted.invalid, the display name Deleted User, the language preference empty; memberships go, workspace content stays as the runbook says', async () => {
    const { rows } = await db.query<{ id: string }>(
      `SELECT u.id FROM users u WHERE EXISTS (SELECT 1 FROM messages m WHERE m.author_id = u.id) AND EXISTS (SELECT 1 FROM workspace_members w WHERE w.user_id = u.id) ORDER BY u.id LIMIT 1`,
    );
    const user = rows[0]!.id;
    const messages = await n(db, `SELECT 1 FROM messages WHERE author_id = $1`, [user]);
    const messageDigest = await tableDigest(db, 'messages');
    await eraseSubject(db, policy, schema, { subject: 'user', key: user });
    const { rows: after } = await db.query<{ email: string; display_name: string; language_preference: string | null; deleted_at: Date | null }>(
      `SELECT email, display_name, language_preference, deleted_at FROM users WHERE id = $1`,
      [user],
    );
    assert.match(after[0]!.email, /^deleted-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@deleted\.invalid$/);
    assert.equal(after[0]!.display_name, 'Deleted User');
    assert.equal(after[0]!.language_preference, null);
    assert.ok(after[0]!.deleted_at instanceof Date, 'the account is marked deleted');
    assert.equal(await n(db, `SELECT 1 FROM workspace_members WHERE user_id = $1`, [user]), 0, 'memberships removed');
    assert.equal(await n(db, `SELECT 1 FROM workrooms WHERE created_by = $1`, [user]), 0);
    assert.equal(await n(db, `SELECT 1 FROM integrations WHERE created_by = $1`, [user]), 0);
    assert.equal(await n(db, `SELECT 1 FROM messages WHERE author_id = $1`, [user]), messages, 'messages kept, pointing at the pseudonymised row');
    assert.equal(await tableDigest(db, 'messages'), messageDigest, 'message content untouched');
  });
});
