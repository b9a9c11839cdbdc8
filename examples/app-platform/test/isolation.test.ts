import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, type Database, type Transaction } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { openMigrated } from './helpers.js';

const ALICE = 'a0000000-0000-4000-8000-00000000000a';
const BOB = 'b0000000-0000-4000-8000-00000000000b';
const QUIZ = 'c0000000-0000-4000-8000-0000000000c1';
const GARDEN = 'c0000000-0000-4000-8000-0000000000c2';

/** What a project runtime sees: the application role, one project as tenant, one user. */
async function asRuntime<T>(db: Database, project: string, user: string | null, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      if (user) await tx.query(`SELECT set_config('app.user_id', $1, true)`, [user]);
      return fn(tx);
    },
    { role: APP_ROLE, tenantId: project },
  );
}

const visibleRows = (tx: Transaction) =>
  tx.query<{ project_id: string; user_id: string; label: string }>(`SELECT project_id, user_id, data->>'label' AS label FROM project_rows ORDER BY 3`).then((r) => r.rows);

describe(`app-platform project isolation (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    db = await openMigrated();
    await db.exec(`
      INSERT INTO users (id, google_sub, email, name) VALUES
        ('${ALICE}', 'sub-alice', 'alice@people.example', 'Alice'),
        ('${BOB}', 'sub-bob', 'bob@people.example', 'Bob');
      INSERT INTO projects (id, owner_id, slug, name, published) VALUES
        ('${QUIZ}', '${ALICE}', 'quiz', 'Quiz', true),
        ('${GARDEN}', '${BOB}', 'garden', 'Garden', true);
      INSERT INTO project_rows (project_id, user_id, data) VALUES
        ('${QUIZ}', '${ALICE}', '{"label":"quiz-alice"}'),
        ('${QUIZ}', '${BOB}', '{"label":"quiz-bob"}'),
        ('${GARDEN}', '${ALICE}', '{"label":"garden-alice"}'),
        ('${GARDEN}', '${BOB}', '{"label":"garden-bob"}');
    `);
  });
  after(() => db.close());

  test('A9: a project runtime sees only its own project’s rows for its own user', async () => {
    assert.deepEqual(await asRuntime(db, QUIZ, ALICE, visibleRows), [{ project_id: QUIZ, user_id: ALICE, label: 'quiz-alice' }]);
    assert.deepEqual(await asRuntime(db, GARDEN, BOB, visibleRows), [{ project_id: GARDEN, user_id: BOB, label: 'garden-bob' }]);
  });

  test('A9: one project can never read another project’s rows, even by naming its id', async () => {
    const stolen = await asRuntime(db, QUIZ, ALICE, (tx) =>
      tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM project_rows WHERE project_id = $1`, [GARDEN]).then((r) => r.rows[0]!.n),
    );
    assert.equal(stolen, 0);
  });

  test('A9: without a project or a user in the transaction, nothing is visible (fail closed)', async () => {
    assert.deepEqual(await asRuntime(db, QUIZ, null, visibleRows), []);
    const none = await db.transaction(async (tx) => visibleRows(tx), { role: APP_ROLE });
    assert.deepEqual(none, []);
  });

  test('A9: a project runtime cannot write rows into another project or for another user', async () => {
    await assert.rejects(
      asRuntime(db, QUIZ, ALICE, (tx) => tx.query(`INSERT INTO project_rows (project_id, user_id, data) VALUES ($1, $2, '{}')`, [GARDEN, ALICE])),
      /row-level security/,
    );
    await assert.rejects(
      asRuntime(db, QUIZ, ALICE, (tx) => tx.query(`INSERT INTO project_rows (project_id, user_id, data) VALUES ($1, $2, '{}')`, [QUIZ, BOB])),
      /row-level security/,
    );
    await assert.rejects(
      asRuntime(db, QUIZ, ALICE, (tx) => tx.query(`UPDATE project_rows SET project_id = $1`, [GARDEN])),
      /row-level security/,
    );
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM project_rows WHERE project_id = $1`, [QUIZ]);
    assert.equal(rows[0]!.n, 2);
  });

  test('A9: a runtime writes and reads back within its own project and user', async () => {
    await asRuntime(db, QUIZ, ALICE, (tx) => tx.query(`INSERT INTO project_rows (project_id, user_id, data) VALUES ($1, $2, '{"label":"quiz-alice-2"}')`, [QUIZ, ALICE]));
    const labels = (await asRuntime(db, QUIZ, ALICE, visibleRows)).map((r) => r.label);
    assert.deepEqual(labels, ['quiz-alice', 'quiz-alice-2']);
  });
});
