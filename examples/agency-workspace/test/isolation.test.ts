import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { seed } from '../src/index.js';
import { TENANT_TABLES, asWorkspace, openMigrated } from './helpers.js';

describe(`agency-workspace tenant isolation (${testBackend()})`, () => {
  let db: Database;
  let a: string;
  let b: string;
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 60, seed: 'isolation' });
    // Two workspaces that both have messages and integrations.
    const { rows } = await db.query<{ id: string }>(
      `SELECT w.id FROM workspaces w
        WHERE EXISTS (SELECT 1 FROM messages m WHERE m.workspace_id = w.id)
          AND EXISTS (SELECT 1 FROM integrations i WHERE i.workspace_id = w.id)
        ORDER BY w.id LIMIT 2`,
    );
    assert.equal(rows.length, 2, 'the seed has two workspaces with messages and integrations');
    [a, b] = [rows[0]!.id, rows[1]!.id];
  });
  after(() => db.close());

  test('workspace A cannot see workspace B’s messages, even by naming B’s id', async () => {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM messages WHERE workspace_id = $1`, [b]);
    assert.ok(rows.length > 0);
    const seen = await asWorkspace(db, a, (tx) =>
      tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE workspace_id = $1 OR id = ANY($2::uuid[])`, [b, rows.map((r) => r.id)]),
    );
    assert.equal(seen.rows[0]!.n, 0);
  });

  test('inside its tenant, the application role sees exactly that workspace’s rows in every table', async () => {
    for (const [table, column] of TENANT_TABLES) {
      const expected = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [a]);
      const seen = await asWorkspace(db, a, (tx) =>
        tx.query<{ n: number; foreign: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE ${column} <> $1)::int AS foreign FROM ${table}`, [a]),
      );
      assert.ok(expected.rows[0]!.n > 0, `${table} has rows in workspace A`);
      assert.deepEqual(seen.rows[0], { n: expected.rows[0]!.n, foreign: 0 }, table);
    }
  });

  test('without a tenant in the transaction the application role sees no workspace data (fail closed)', async () => {
    for (const [table] of TENANT_TABLES) {
      const seen = await asWorkspace(db, undefined, (tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`));
      assert.equal(seen.rows[0]!.n, 0, table);
    }
  });

  test('workspace A cannot write into, move rows to, or delete from workspace B', async () => {
    const room = await db.query<{ id: string }>(`SELECT id FROM workrooms WHERE workspace_id = $1 LIMIT 1`, [b]);
    await assert.rejects(
      asWorkspace(db, a, (tx) => tx.query(`INSERT INTO workrooms (workspace_id, name) VALUES ($1, 'intruder')`, [b])),
      /row-level security/,
    );
    await assert.rejects(asWorkspace(db, a, (tx) => tx.query(`UPDATE integrations SET workspace_id = $1`, [b])), /row-level security|violates/);
    const deleted = await asWorkspace(db, a, (tx) => tx.query(`DELETE FROM workrooms WHERE id = $1`, [room.rows[0]!.id]));
    assert.equal(deleted.rowCount, 0);
    const still = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM workrooms WHERE id = $1`, [room.rows[0]!.id]);
    assert.equal(still.rows[0]!.n, 1);
  });
});
