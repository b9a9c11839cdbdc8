import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queryAuditEvents, verifyAuditLog } from '@custodian/core/audit';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { eraseSubject, planErasure, subjectTables, type SubjectRef } from '@custodian/core/dsar';
import { testBackend } from '@custodian/core/testing';
import { app, seed } from '../src/index.js';
import { APP_TABLES, count, openMigrated } from './support.js';

type Row = { id: string; company_id: string };

describe(`hiring-assessments: erasing a person (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  /** Candidates with sessions, events and scorecards, busiest first. */
  let candidates: Row[];
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 300, seed: 'dsar-erase' });
    schema = await introspect(db);
    ({ rows: candidates } = await db.query<Row>(
      `SELECT c.id, c.company_id FROM candidates c
         JOIN assessment_sessions s ON s.company_id = c.company_id AND s.candidate_id = c.id
         JOIN session_events e ON e.company_id = s.company_id AND e.session_id = s.id
         JOIN scorecards x ON x.company_id = s.company_id AND x.session_id = s.id
        GROUP BY c.id, c.company_id ORDER BY count(*) DESC, c.id LIMIT 6`,
    ));
    assert.equal(candidates.length, 6);
  });
  after(() => db.close());

  const ref = (c: Row, subject = 'candidate'): SubjectRef => ({ subject, key: c.id, tenant: c.company_id });

  /** A digest per table of every row NOT about the person: erasure must leave them exactly as they were. */
  async function othersDigest(person: SubjectRef): Promise<Record<string, string>> {
    const where = new Map(subjectTables(app.policy, schema, person.subject).map((t) => [t.table, t.where]));
    const out: Record<string, string> = {};
    for (const table of APP_TABLES) {
      const w = where.get(table);
      const { rows } = await db.query<{ d: string; n: number }>(
        `SELECT md5(coalesce(string_agg(to_jsonb(t)::text, '|' ORDER BY to_jsonb(t)::text), '')) AS d, count(*)::int AS n
           FROM ${table} t ${w ? `WHERE (${w}) IS NOT TRUE` : ''}`,
        w ? [person.key, person.tenant] : [],
      );
      out[table] = `${rows[0]!.n}:${rows[0]!.d}`;
    }
    return out;
  }

  async function personRows(c: Row) {
    const p = [c.company_id, c.id];
    return {
      invites: await count(db, `SELECT 1 FROM invites WHERE company_id = $1 AND candidate_id = $2`, p),
      assessment_sessions: await count(db, `SELECT 1 FROM assessment_sessions WHERE company_id = $1 AND candidate_id = $2`, p),
      session_events: await count(db, `SELECT 1 FROM session_events e WHERE e.company_id = $1 AND e.session_id IN (SELECT id FROM assessment_sessions WHERE candidate_id = $2)`, p),
      scorecards: await count(db, `SELECT 1 FROM scorecards x WHERE x.company_id = $1 AND x.session_id IN (SELECT id FROM assessment_sessions WHERE candidate_id = $2)`, p),
      candidateSoftDeleted: await count(db, `SELECT 1 FROM candidates WHERE company_id = $1 AND id = $2 AND deleted_at IS NOT NULL`, p),
    };
  }

  test('C11: erasing a candidate deletes their invites, sessions, session events and scorecards at once, soft-deletes the candidate for the 30-day rule, and changes nothing about anyone else', async () => {
    const c = candidates[0]!;
    const others = await othersDigest(ref(c));
    const plan = await planErasure(db, app.policy, schema, ref(c));
    assert.equal(plan.tables.find((t) => t.table === 'candidates')?.fate, 'soft-delete');
    assert.equal(plan.tables.find((t) => t.table === 'candidates')?.deferredTo?.rule, 'deleted-candidates');

    const result = await eraseSubject(db, app.policy, schema, ref(c), { requestId: 'req-1' });
    assert.equal(result.mode, 'one-transaction');
    assert.deepEqual(
      result.steps.map((s) => [s.table, s.kind, s.rows]),
      plan.steps.map((s) => [s.table, s.kind, s.rows]),
      'the erasure did what the plan said, statement by statement',
    );
    assert.deepEqual(await personRows(c), { invites: 0, assessment_sessions: 0, session_events: 0, scorecards: 0, candidateSoftDeleted: 1 });
    assert.deepEqual(await othersDigest(ref(c)), others, 'no row about anyone else changed');

    const { events } = await queryAuditEvents(db, { tenant: c.company_id, action: 'dsar.*' });
    const mine = events.filter((e) => e.target?.id === c.id);
    assert.deepEqual(mine.map((e) => e.action).sort(), [...plan.steps.map(() => 'dsar.erasure.step'), 'dsar.erasure.completed'].sort());
    assert.ok(mine.every((e) => (e.metadata as { request?: string }).request === 'req-1'));
    assert.equal((await verifyAuditLog(db, { tenant: c.company_id })).ok, true);
  });

  test('running an erasure twice changes nothing the second time', async () => {
    const c = candidates[1]!;
    await eraseSubject(db, app.policy, schema, ref(c));
    const everything = await othersDigest({ subject: 'candidate', key: '00000000-0000-4000-8000-00000000dead', tenant: c.company_id });
    const again = await eraseSubject(db, app.policy, schema, ref(c));
    assert.deepEqual(again.steps, []);
    assert.equal(again.rows, 0);
    assert.deepEqual(await othersDigest({ subject: 'candidate', key: '00000000-0000-4000-8000-00000000dead', tenant: c.company_id }), everything);
  });

  test('rows written after the plan are erased too: each statement selects the person’s rows when it runs', async () => {
    const c = candidates[2]!;
    const plan = await planErasure(db, app.policy, schema, ref(c));
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM assessment_sessions WHERE company_id = $1 AND candidate_id = $2 LIMIT 1`, [c.company_id, c.id]);
    const columns = await db.query<{ cols: string }>(
      `SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS cols FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'session_events' AND column_name <> 'id' AND is_generated = 'NEVER' AND column_default IS NULL`,
    );
    // A copy of one of the person's events, written after the plan was made.
    await db.query(`INSERT INTO session_events (${columns.rows[0]!.cols}) SELECT ${columns.rows[0]!.cols} FROM session_events WHERE company_id = $1 AND session_id = $2 LIMIT 1`, [c.company_id, rows[0]!.id]);
    const result = await eraseSubject(db, app.policy, schema, ref(c));
    const planned = plan.steps.find((s) => s.table === 'session_events')!.rows;
    assert.equal(result.steps.find((s) => s.table === 'session_events')?.rows, planned + 1);
    assert.equal((await personRows(c)).session_events, 0);
  });

  test('an erasure too big for one transaction commits batch by batch and ends in the same state', async () => {
    const c = candidates[3]!;
    const others = await othersDigest(ref(c));
    const plan = await planErasure(db, app.policy, schema, ref(c));
    const progress: number[] = [];
    const result = await eraseSubject(db, app.policy, schema, ref(c), { singleTransactionRows: 0, batchSize: 3, progress: (p) => progress.push(p.done) });
    assert.equal(result.mode, 'batched');
    assert.equal(result.rows, plan.rows);
    assert.ok(progress.length > plan.steps.length, 'progress after every batch');
    assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress only grows');
    assert.deepEqual(await personRows(c), { invites: 0, assessment_sessions: 0, session_events: 0, scorecards: 0, candidateSoftDeleted: 1 });
    assert.deepEqual(await othersDigest(ref(c)), others);
    const { events } = await queryAuditEvents(db, { tenant: c.company_id, action: 'dsar.*' });
    assert.ok(events.filter((e) => e.target?.id === c.id && e.action === 'dsar.erasure.batch').length >= plan.steps.length);
  });

  test('an erasure stopped between batches keeps what it committed, and running it again finishes the job', async () => {
    const c = candidates[4]!;
    const others = await othersDigest(ref(c));
    const stop = new AbortController();
    await assert.rejects(
      eraseSubject(db, app.policy, schema, ref(c), { singleTransactionRows: 0, batchSize: 2, signal: stop.signal, progress: (p) => p.done >= 4 && stop.abort() }),
      (e: unknown) => (e as Error).name === 'AbortError',
    );
    const halfway = await personRows(c);
    assert.ok(halfway.session_events > 0 || halfway.assessment_sessions > 0, 'it stopped part-way');
    await eraseSubject(db, app.policy, schema, ref(c));
    assert.deepEqual(await personRows(c), { invites: 0, assessment_sessions: 0, session_events: 0, scorecards: 0, candidateSoftDeleted: 1 });
    assert.deepEqual(await othersDigest(ref(c)), others);
  });

  test('erasing a company member pseudonymises their email, replaces their name and keeps the billing records the law requires (C16)', async () => {
    const { rows } = await db.query<Row & { email: string }>(
      `SELECT m.id, m.company_id, m.email FROM company_members m WHERE EXISTS (SELECT 1 FROM billing_records b WHERE b.company_id = m.company_id AND b.billing_contact_member_id = m.id) ORDER BY m.id LIMIT 1`,
    );
    const m = rows[0]!;
    const billing = `SELECT 1 FROM billing_records WHERE company_id = $1 AND billing_contact_member_id = $2`;
    const bills = await count(db, billing, [m.company_id, m.id]);
    const others = await othersDigest(ref(m, 'member'));
    await eraseSubject(db, app.policy, schema, ref(m, 'member'));
    const { rows: after } = await db.query<{ email: string; display_name: string; last_login_at: Date | null }>(`SELECT email, display_name, last_login_at FROM company_members WHERE company_id = $1 AND id = $2`, [m.company_id, m.id]);
    assert.match(after[0]!.email, /^deleted-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@deleted\.invalid$/);
    assert.equal(after[0]!.display_name, 'Deleted member');
    assert.equal(after[0]!.last_login_at, null);
    assert.equal(await count(db, billing, [m.company_id, m.id]), bills, 'billing records stay');
    assert.deepEqual(await othersDigest(ref(m, 'member')), others);
    const pseudonym = after[0]!.email;
    await eraseSubject(db, app.policy, schema, ref(m, 'member'));
    const { rows: again } = await db.query<{ email: string }>(`SELECT email FROM company_members WHERE company_id = $1 AND id = $2`, [m.company_id, m.id]);
    assert.equal(again[0]!.email, pseudonym, 'a second run keeps the first pseudonym');
  });
});
