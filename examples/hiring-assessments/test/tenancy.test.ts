import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, type Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { APP_TABLES, count, openSeeded } from './support.js';

const tenantColumn = (table: string) => (table === 'companies' ? 'id' : 'company_id');

describe(`hiring-assessments tenant isolation (${testBackend()})`, () => {
  let db: Database;
  let companyA: string;
  let companyB: string;
  before(async () => {
    ({ db } = await openSeeded({ subjects: 300, seed: 'tenancy' }));
    // The two companies with the most candidates, so both sides have data.
    const { rows } = await db.query<{ company_id: string }>(
      'SELECT company_id FROM candidates GROUP BY company_id ORDER BY count(*) DESC, company_id LIMIT 2',
    );
    [companyA, companyB] = rows.map((r) => r.company_id) as [string, string];
  });
  after(() => db.close());

  const asApp = <T>(tenantId: string | undefined, fn: Parameters<Database['transaction']>[0]) =>
    db.transaction(fn, tenantId === undefined ? { role: APP_ROLE } : { role: APP_ROLE, tenantId }) as Promise<T>;

  test('C19: as the application role with company A as tenant, company B’s candidates are invisible', async () => {
    const seen = await asApp<string[]>(companyA, async (tx) => (await tx.query<{ company_id: string }>('SELECT DISTINCT company_id FROM candidates')).rows.map((r) => r.company_id));
    assert.deepEqual(seen, [companyA]);
    const bCandidate = (await db.query<{ id: string }>('SELECT id FROM candidates WHERE company_id = $1 LIMIT 1', [companyB])).rows[0]!.id;
    const byId = await asApp<number>(companyA, async (tx) => (await tx.query('SELECT 1 FROM candidates WHERE id = $1', [bCandidate])).rowCount);
    assert.equal(byId, 0);
  });

  test('C19: every table shows the application role exactly its tenant’s rows', async () => {
    for (const table of APP_TABLES) {
      const col = tenantColumn(table);
      const own = await count(db, `SELECT 1 FROM ${table} WHERE ${col} = $1`, [companyA]);
      const seen = await asApp<{ n: number; other: number }>(companyA, async (tx) => {
        const { rows } = await tx.query<{ n: number; other: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE ${col} <> $1)::int AS other FROM ${table}`, [companyA]);
        return rows[0]!;
      });
      assert.deepEqual(seen, { n: own, other: 0 }, table);
      if (table !== 'billing_records') assert.ok(own > 0, table);
    }
  });

  test('C19: without a tenant context the application role sees nothing', async () => {
    for (const table of APP_TABLES) {
      const n = await asApp<number>(undefined, async (tx) => (await tx.query(`SELECT 1 FROM ${table}`)).rowCount);
      assert.equal(n, 0, table);
    }
  });

  test('C19: the application role cannot write into another company', async () => {
    const updated = await asApp<number>(companyA, async (tx) => (await tx.query('UPDATE candidates SET full_name = NULL WHERE company_id = $1', [companyB])).rowCount);
    assert.equal(updated, 0);
    const deleted = await asApp<number>(companyA, async (tx) => (await tx.query('DELETE FROM session_events WHERE company_id = $1', [companyB])).rowCount);
    assert.equal(deleted, 0);
    await assert.rejects(
      asApp(companyA, (tx) => tx.query(`INSERT INTO candidates (company_id, email) VALUES ($1, 'intruder@people.example')`, [companyB])),
      (e: Error & { code?: string }) => e.code === 'ERR_DB_QUERY_FAILED' && /row-level security/.test(e.message),
    );
    // Moving a row of one's own into another company is refused as well.
    await assert.rejects(
      asApp(companyA, (tx) => tx.query('UPDATE candidates SET company_id = $2 WHERE company_id = $1', [companyA, companyB])),
      (e: Error & { code?: string }) => e.code === 'ERR_DB_QUERY_FAILED',
    );
    assert.equal(await count(db, 'SELECT 1 FROM candidates WHERE full_name IS NULL'), 0);
  });

  test('the application role can record a session event within its own tenant', async () => {
    const session = (await db.query<{ id: string }>('SELECT id FROM assessment_sessions WHERE company_id = $1 LIMIT 1', [companyA])).rows[0]!.id;
    const id = await asApp<number>(companyA, async (tx) =>
      (await tx.query<{ id: number }>(`INSERT INTO session_events (company_id, session_id, kind, payload) VALUES ($1, $2, 'prompt', '{"text":"hi"}') RETURNING id`, [companyA, session])).rows[0]!.id,
    );
    assert.equal(typeof id, 'number');
    assert.equal(await count(db, 'SELECT 1 FROM session_events WHERE id = $1 AND session_id = $2', [id, session]), 1);
  });
});
