import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@custodian/core/db';
import { sqlState } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { count, openSeeded } from './support.js';

/**
 * The foreign keys decide what a delete takes with it. Erasure and retention
 * rely on these: a candidate's data goes with the candidate, a session's with
 * the session, a member's departure keeps the company's records, and nothing
 * removes a company that still has invoices to keep.
 */
describe(`hiring-assessments deletion order (${testBackend()})`, () => {
  let db: Database;
  before(async () => {
    ({ db } = await openSeeded({ subjects: 200, seed: 'deletion' }));
  });
  after(() => db.close());

  test('C13: hard-deleting a session removes its events and scorecards with it', async () => {
    const { rows } = await db.query<{ company_id: string; id: string }>(
      'SELECT s.company_id, s.id FROM assessment_sessions s WHERE EXISTS (SELECT 1 FROM scorecards c WHERE c.session_id = s.id) ORDER BY s.id LIMIT 1',
    );
    const s = rows[0]!;
    const eventsBefore = await count(db, 'SELECT 1 FROM session_events');
    const own = await count(db, 'SELECT 1 FROM session_events WHERE session_id = $1', [s.id]);
    assert.ok(own > 0);
    await db.query('DELETE FROM assessment_sessions WHERE company_id = $1 AND id = $2', [s.company_id, s.id]);
    assert.equal(await count(db, 'SELECT 1 FROM session_events WHERE session_id = $1', [s.id]), 0);
    assert.equal(await count(db, 'SELECT 1 FROM scorecards WHERE session_id = $1', [s.id]), 0);
    assert.equal(await count(db, 'SELECT 1 FROM session_events'), eventsBefore - own);
  });

  test('deleting a candidate takes their invites, sessions, events and scorecards, and nothing of anyone else', async () => {
    const { rows } = await db.query<{ company_id: string; candidate_id: string }>(
      `SELECT s.company_id, s.candidate_id FROM assessment_sessions s JOIN scorecards c ON c.session_id = s.id ORDER BY s.candidate_id LIMIT 1`,
    );
    const c = rows[0]!;
    const totals = async () => ({
      invites: await count(db, 'SELECT 1 FROM invites'),
      sessions: await count(db, 'SELECT 1 FROM assessment_sessions'),
      events: await count(db, 'SELECT 1 FROM session_events'),
    });
    const theirs = {
      invites: await count(db, 'SELECT 1 FROM invites WHERE candidate_id = $1', [c.candidate_id]),
      sessions: await count(db, 'SELECT 1 FROM assessment_sessions WHERE candidate_id = $1', [c.candidate_id]),
      events: await count(db, 'SELECT 1 FROM session_events e JOIN assessment_sessions s ON s.id = e.session_id WHERE s.candidate_id = $1', [c.candidate_id]),
    };
    assert.ok(theirs.invites > 0 && theirs.sessions > 0 && theirs.events > 0);
    const before = await totals();
    await db.query('DELETE FROM candidates WHERE company_id = $1 AND id = $2', [c.company_id, c.candidate_id]);
    assert.deepEqual(await totals(), { invites: before.invites - theirs.invites, sessions: before.sessions - theirs.sessions, events: before.events - theirs.events });
    assert.equal(await count(db, 'SELECT 1 FROM scorecards c JOIN assessment_sessions s ON s.id = c.session_id WHERE s.candidate_id = $1', [c.candidate_id]), 0);
  });

  test('deleting a member keeps the scorecards, invites, keys and invoices they touched, with the reference cleared', async () => {
    const { rows } = await db.query<{ company_id: string; id: string }>(
      `SELECT m.company_id, m.id FROM company_members m
        WHERE EXISTS (SELECT 1 FROM customer_api_keys k WHERE k.created_by = m.id)
          AND EXISTS (SELECT 1 FROM billing_records b WHERE b.billing_contact_member_id = m.id)
        ORDER BY m.company_id, m.id LIMIT 1`,
    );
    const m = rows[0]!;
    const keys = await count(db, 'SELECT 1 FROM customer_api_keys WHERE created_by = $1', [m.id]);
    const invoices = await count(db, 'SELECT 1 FROM billing_records WHERE billing_contact_member_id = $1', [m.id]);
    const companyScorecards = await count(db, 'SELECT 1 FROM scorecards WHERE company_id = $1', [m.company_id]);
    assert.ok(keys > 0 && invoices > 0);
    await db.query('DELETE FROM company_members WHERE company_id = $1 AND id = $2', [m.company_id, m.id]);
    assert.equal(await count(db, 'SELECT 1 FROM customer_api_keys WHERE company_id = $1 AND created_by IS NULL', [m.company_id]), keys);
    assert.equal(await count(db, 'SELECT 1 FROM billing_records WHERE company_id = $1 AND billing_contact_member_id IS NULL', [m.company_id]), invoices);
    assert.equal(await count(db, 'SELECT 1 FROM scorecards WHERE company_id = $1', [m.company_id]), companyScorecards);
    for (const [table, column] of [['scorecards', 'reviewer_member_id'], ['invites', 'invited_by']]) {
      assert.equal(await count(db, `SELECT 1 FROM ${table} WHERE ${column} = $1`, [m.id]), 0, table);
    }
  });

  test('C16: a company with invoices cannot be deleted; its billing records outlive it by law', async () => {
    const { rows } = await db.query<{ company_id: string }>('SELECT company_id FROM billing_records ORDER BY company_id LIMIT 1');
    const company = rows[0]!.company_id;
    const invoices = await count(db, 'SELECT 1 FROM billing_records WHERE company_id = $1', [company]);
    await assert.rejects(db.query('DELETE FROM companies WHERE id = $1', [company]), (e) => sqlState(e) === '23503');
    assert.equal(await count(db, 'SELECT 1 FROM billing_records WHERE company_id = $1', [company]), invoices);
  });
});
