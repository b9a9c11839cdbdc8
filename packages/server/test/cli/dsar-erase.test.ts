import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Database } from '@custodian/core/db';
import { POLICY_MODULE, project, runAndKill, runCli, withDatabase } from './run-cli.js';

const PERSON = '10000000-0000-4000-8000-000000000001';
const PLACEHOLDER = '00000000-0000-4000-8000-000000000000';
const PEOPLE = [PERSON, '10000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000003'];

const SQL = `
CREATE TABLE users (
  id uuid PRIMARY KEY, email text NOT NULL, name text, deleted_at timestamptz
);
INSERT INTO users (id, email, name) VALUES ('${PLACEHOLDER}', 'placeholder@example.invalid', 'Deleted user');
CREATE TABLE posts (id serial PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id), title text NOT NULL);
CREATE INDEX ON posts (user_id);
CREATE TABLE post_events (id serial PRIMARY KEY, post_id int NOT NULL REFERENCES posts (id), kind text NOT NULL);
CREATE INDEX ON post_events (post_id);
CREATE TABLE comments (id serial PRIMARY KEY, post_id int NOT NULL REFERENCES posts (id), user_id uuid NOT NULL REFERENCES users (id), body text NOT NULL);
CREATE INDEX ON comments (user_id);
CREATE TABLE notes (id serial PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id), note text);
CREATE TABLE drafts (id serial PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id), body text NOT NULL);
CREATE INDEX ON drafts (user_id);
CREATE TABLE draft_revisions (id serial PRIMARY KEY, draft_id int NOT NULL REFERENCES drafts (id), body text NOT NULL);
CREATE INDEX ON draft_revisions (draft_id);
`;

const POLICY = `import { definePolicy } from '${POLICY_MODULE}';
export default definePolicy({
  version: '1.0',
  effectiveDate: '2026-12-01',
  organization: { name: 'Blog Inc', url: 'https://blog.example' },
  contacts: { privacy: { email: 'privacy@blog.example' }, security: { email: 'security@blog.example' } },
  subjects: {
    user: {
      description: 'A writer', table: 'users', identities: { id: { kind: 'id', column: 'id' } },
      placeholder: { key: '${PLACEHOLDER}' },
    },
  },
  tables: {
    users: {
      description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, softDelete: 'deleted_at',
      columns: {
        email: { category: 'contact', erase: { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' } },
        name: { category: 'profile', erase: { action: 'set-literal', value: 'Deleted User' } },
      },
    },
    posts: {
      description: 'Posts', purpose: 'Publishing', owner: { subject: 'user', column: 'user_id' },
      columns: { user_id: { category: 'identifier', erase: { action: 'reassign' } }, title: { category: 'content', erase: { action: 'set-literal', value: 'Deleted post' } } },
    },
    drafts: { description: 'Drafts', purpose: 'Writing', owner: { subject: 'user', column: 'user_id' }, erase: { action: 'delete-row' }, columns: { body: { category: 'content' } } },
    draft_revisions: {
      description: 'Draft history', purpose: 'Undo',
      owner: { subject: 'user', path: [{ column: 'draft_id', references: 'drafts.id' }, { column: 'user_id', references: 'users.id' }] },
      erase: { action: 'delete-row' }, columns: { body: { category: 'content' } },
    },
    post_events: {
      description: 'Views and edits of posts', purpose: 'Statistics',
      owner: { subject: 'user', path: [{ column: 'post_id', references: 'posts.id' }, { column: 'user_id', references: 'users.id' }] },
      erase: { action: 'delete-row' }, columns: { kind: { category: 'usage' } },
    },
    comments: {
      description: 'Comments on posts', purpose: 'Discussion', owner: { subject: 'user', column: 'user_id' },
      columns: { user_id: { category: 'identifier', erase: { action: 'reassign' } }, body: { category: 'content', erase: { action: 'keep', reason: 'part of the thread' } } },
    },
    notes: { description: 'Private notes', purpose: 'Drafting', owner: { subject: 'user', column: 'user_id' }, columns: { note: { category: 'content', erase: { action: 'set-null' } } } },
  },
});
`;

/** The same people and rows every trial: each writes posts with events, comments on the others' posts, and notes. */
async function reset(db: Database): Promise<void> {
  await db.exec(`TRUNCATE post_events, comments, posts, notes, draft_revisions, drafts RESTART IDENTITY; DELETE FROM users WHERE id <> '${PLACEHOLDER}'`);
  await db.query(`INSERT INTO users (id, email, name) SELECT p, 'user' || i || '@example.com', 'User ' || i FROM unnest($1::uuid[]) WITH ORDINALITY AS u(p, i)`, [PEOPLE]);
  await db.query(`INSERT INTO posts (user_id, title) SELECT p, 'post ' || n FROM unnest($1::uuid[]) p, generate_series(1, 20) n ORDER BY n, p`, [PEOPLE]);
  await db.exec(`INSERT INTO post_events (post_id, kind) SELECT id, 'view' FROM posts, generate_series(1, 40) ORDER BY 1`);
  await db.exec(`INSERT INTO comments (post_id, user_id, body) SELECT p.id, u.id, 'comment ' || n FROM posts p JOIN users u ON u.id <> p.user_id AND u.id <> '${PLACEHOLDER}', generate_series(1, 6) n ORDER BY p.id, u.id, n`);
  await db.query(`INSERT INTO notes (user_id, note) SELECT p, 'note ' || n FROM unnest($1::uuid[]) p, generate_series(1, 150) n`, [PEOPLE]);
  await db.query(`INSERT INTO drafts (user_id, body) SELECT p, 'draft ' || n FROM unnest($1::uuid[]) p, generate_series(1, 15) n ORDER BY n, p`, [PEOPLE]);
  await db.exec(`INSERT INTO draft_revisions (draft_id, body) SELECT id, 'revision ' || n FROM drafts, generate_series(1, 30) n ORDER BY 1, n`);
}

/** The whole database's app data, with what differs between two correct runs (fresh pseudonyms, soft-delete times) normalised. */
async function state(db: Database): Promise<string> {
  const parts = await Promise.all([
    db.query(`SELECT id, regexp_replace(email, '[0-9a-f]{8}-[0-9a-f-]{27}', 'UUID') AS email, name, deleted_at IS NOT NULL AS deleted FROM users ORDER BY id`),
    db.query(`SELECT * FROM posts ORDER BY id`),
    db.query(`SELECT * FROM post_events ORDER BY id`),
    db.query(`SELECT * FROM comments ORDER BY id`),
    db.query(`SELECT * FROM notes ORDER BY id`),
    db.query(`SELECT * FROM drafts ORDER BY id`),
    db.query(`SELECT * FROM draft_revisions ORDER BY id`),
  ]);
  return JSON.stringify(parts.map((p) => p.rows));
}

test('custodian dsar erase: killed at random points in 20 trials and run again, the database ends exactly as a clean run leaves it', { timeout: 900_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(POLICY, SQL);
  try {
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const migrated = await runCli(['migrate', ...flags], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    const erase = ['dsar', 'erase', '--subject', 'user', '--id', PERSON, '--yes', '--one-transaction-rows', '0', '--batch-size', '10', ...flags];

    await withDatabase(dbFlags, reset);
    const before = await withDatabase(dbFlags, state);
    const clean = await runCli(erase, { cwd: dir });
    assert.equal(clean.code, 0, clean.stderr);
    const expected = await withDatabase(dbFlags, state);
    assert.notEqual(expected, before, 'the clean run erased something');
    const rerun = await runCli([...erase, '--json'], { cwd: dir });
    assert.equal((JSON.parse(rerun.stdout) as { rows: number }).rows, 0, 'a second run changes nothing');
    assert.equal(await withDatabase(dbFlags, state), expected);

    // Each trial: the same data, a run killed at a random point, then a run to the end; one database open per trial
    // checks the previous trial's end state and resets the data for the next.
    let killed = 0;
    await withDatabase(dbFlags, reset);
    for (let trial = 0; trial < 20; trial++) {
      const run = await runAndKill(erase, dir, {}, Math.floor(Math.random() * 80));
      // Killed before it reported being done: the kill landed mid-erasure (the process may also die in its last moments).
      if (run.killed && !/: done in/.test(run.stderr)) killed++;
      const resumed = await runCli(erase, { cwd: dir });
      assert.equal(resumed.code, 0, `trial ${trial}: ${resumed.stderr}`);
      await withDatabase(dbFlags, async (db) => {
        assert.equal(await state(db), expected, `trial ${trial}: the resumed erasure ends as a clean run does\n${run.stderr}`);
        await reset(db);
      });
    }
    assert.ok(killed >= 15, `most runs were killed mid-way (${killed} of 20)`);
  } finally {
    await cleanup();
  }
});
