import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { findSubjects, planErasure } from '@custodian/core/dsar';
import { isCustodianError } from '@custodian/core/errors';
import { testBackend } from '@custodian/core/testing';
import { app, inviteToken, seed } from '../src/index.js';
import { count, openMigrated } from './support.js';

const SEED = 'dsar-plan';

describe(`hiring-assessments: finding a candidate and planning their erasure (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let candidate: { id: string; company_id: string; email: string };
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 300, seed: SEED });
    schema = await introspect(db);
    // The candidate with the most session events, so every hop of the graph has rows.
    const { rows } = await db.query<{ id: string; company_id: string; email: string }>(
      `SELECT c.id, c.company_id, c.email FROM candidates c
         JOIN assessment_sessions s ON s.company_id = c.company_id AND s.candidate_id = c.id
         JOIN session_events e ON e.company_id = s.company_id AND e.session_id = s.id
        GROUP BY c.id, c.company_id, c.email ORDER BY count(*) DESC, c.id LIMIT 1`,
    );
    candidate = rows[0]!;
  });
  after(() => db.close());

  test('a candidate is found by id, by email in any case and spacing, and by invite token (stored only as its SHA-256)', async () => {
    const ref = { subject: 'candidate', key: candidate.id, tenant: candidate.company_id };
    assert.deepEqual(await findSubjects(db, app.policy, schema, { subject: 'candidate', identity: 'id', value: candidate.id }), [ref]);
    const byEmail = await findSubjects(db, app.policy, schema, { subject: 'candidate', identity: 'email', value: `  ${candidate.email.toUpperCase()} ` });
    assert.ok(byEmail.some((r) => r.key === candidate.id && r.tenant === candidate.company_id));
    const { rows: invites } = await db.query<{ id: string }>(`SELECT id FROM invites WHERE company_id = $1 AND candidate_id = $2 LIMIT 1`, [candidate.company_id, candidate.id]);
    assert.ok(invites[0], 'the candidate was invited');
    const token = inviteToken(SEED, invites[0].id);
    assert.deepEqual(await findSubjects(db, app.policy, schema, { subject: 'candidate', identity: 'invite', value: token }), [ref]);
    assert.deepEqual(await findSubjects(db, app.policy, schema, { subject: 'candidate', identity: 'email', value: 'nobody@nowhere.example' }), []);
    await assert.rejects(findSubjects(db, app.policy, schema, { subject: 'candidate', identity: 'phone', value: 'x' }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_CONFIG_INVALID');
  });

  test('the erasure plan counts every row about the candidate, several hops deep, states each table’s fate and orders deletes children first — and changes nothing', async () => {
    const ref = { subject: 'candidate', key: candidate.id, tenant: candidate.company_id };
    const counts = {
      candidates: await count(db, `SELECT 1 FROM candidates WHERE company_id = $1 AND id = $2`, [candidate.company_id, candidate.id]),
      invites: await count(db, `SELECT 1 FROM invites WHERE company_id = $1 AND candidate_id = $2`, [candidate.company_id, candidate.id]),
      assessment_sessions: await count(db, `SELECT 1 FROM assessment_sessions WHERE company_id = $1 AND candidate_id = $2`, [candidate.company_id, candidate.id]),
      session_events: await count(db, `SELECT 1 FROM session_events e JOIN assessment_sessions s ON s.company_id = e.company_id AND s.id = e.session_id WHERE s.company_id = $1 AND s.candidate_id = $2`, [candidate.company_id, candidate.id]),
      scorecards: await count(db, `SELECT 1 FROM scorecards x JOIN assessment_sessions s ON s.company_id = x.company_id AND s.id = x.session_id WHERE s.company_id = $1 AND s.candidate_id = $2`, [candidate.company_id, candidate.id]),
    };
    assert.ok(counts.session_events > 0);
    const before = await tableSizes(db);
    const plan = await planErasure(db, app.policy, schema, ref);
    assert.deepEqual(Object.fromEntries(plan.tables.map((t) => [t.table, t.rows])), counts);
    assert.deepEqual(Object.fromEntries(plan.tables.map((t) => [t.table, [t.fate, t.via, t.depth]])), {
      candidates: ['soft-delete', 'subject', 0], // the rule deleted-candidates removes the row 30 days later (C11)
      invites: ['delete', 'owner', 0],
      assessment_sessions: ['delete', 'owner', 0],
      session_events: ['delete', 'path', 2],
      scorecards: ['delete', 'path', 2],
    });
    const order = plan.steps.map((s) => s.table);
    assert.ok(order.indexOf('session_events') < order.indexOf('assessment_sessions'), 'events before their session');
    assert.deepEqual(plan.steps.find((s) => s.table === 'candidates')?.kind, 'soft-delete');
    assert.deepEqual(plan.tables.find((t) => t.table === 'candidates')?.deferredTo, { rule: 'deleted-candidates', after: '30d', action: 'hard-delete' });
    assert.equal(plan.rows, Object.values(counts).reduce((a, b) => a + b, 0));
    assert.ok(plan.estimateMs > 0);
    assert.deepEqual(await tableSizes(db), before, 'a plan changes nothing');
  });
});

async function tableSizes(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['candidates', 'invites', 'assessment_sessions', 'session_events', 'scorecards']) out[t] = await count(db, `SELECT 1 FROM ${t}`);
  return out;
}
