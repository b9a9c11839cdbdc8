import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { queryAuditEvents, verifyAuditLog } from '@custodian/core/audit';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { eraseSubject } from '@custodian/core/dsar';
import { isCustodianError } from '@custodian/core/errors';
import { liftHold, listHolds, placeHold, planRetention, runRetention, type NoticeMailer, type RetentionRunOptions } from '@custodian/core/retention';
import { testBackend } from '@custodian/core/testing';
import { mailText, startSmtp } from '../../../packages/core/test/dsar/smtp.js';
import { DEFAULT_NOW, policy, seed } from '../src/index.js';
import { APP_TABLES, count, openMigrated } from './support.js';

// Every rule is "after N": a row is due once `column + N <= asOf`. Each test
// places rows a day before, exactly on, and a day after the line, and moves
// time with the runner's injectable clock.

const DAY = 86_400_000;
/** The reference "now": a June noon, so no leap day or month end sits near a boundary. */
const T = new Date('2031-06-15T12:00:00.000Z');
const days = (d: Date, n: number): Date => new Date(d.getTime() + n * DAY);
/** Calendar years back, as the database's `interval 'N years'` counts them. */
function years(d: Date, n: number): Date {
  const out = new Date(d.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + n);
  return out;
}
const legal = { type: 'operator' as const, id: 'legal@assessa.example' };
const DELETED_EMAIL = /^deleted-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@deleted\.invalid$/;

function step<S extends { rule: string; stage: number }>(result: { steps: S[] }, rule: string, stage: number): S {
  const found = result.steps.find((s) => s.rule === rule && s.stage === stage);
  assert.ok(found, `the result has step ${rule}/${stage}`);
  return found;
}

function runner(db: () => Database, schema: () => DatabaseSchema, rules: string[], extra: () => RetentionRunOptions = () => ({})) {
  return (at: Date) => runRetention(db(), policy, schema(), { clock: () => at, rules, trigger: 'test', ...extra() });
}

// ---- Fixtures: one row at a time, every timestamp chosen by the test. ----

async function addCompany(db: Database, endedAt: Date | null = null): Promise<string> {
  const id = randomUUID();
  await db.query(`INSERT INTO companies (id, name, domain, contract_started_at, contract_ended_at) VALUES ($1, $2, $3, $4, $5)`, [
    id,
    `Company ${id.slice(0, 8)}`,
    `c${id.slice(0, 8)}.example`,
    new Date('2015-01-01T00:00:00Z'),
    endedAt,
  ]);
  return id;
}

async function addMember(db: Database, company: string): Promise<string> {
  const id = randomUUID();
  await db.query(`INSERT INTO company_members (company_id, id, email, display_name, role, last_login_at) VALUES ($1, $2, $3, $4, 'admin', $5)`, [
    company,
    id,
    `m-${id.slice(0, 8)}@corp.example`,
    `Member ${id.slice(0, 8)}`,
    new Date('2030-01-01T00:00:00Z'),
  ]);
  return id;
}

async function addApiKey(db: Database, company: string, member: string): Promise<void> {
  await db.query(`INSERT INTO customer_api_keys (company_id, label, key_ciphertext, key_last4, created_by) VALUES ($1, 'assistant', $2, 'wxyz', $3)`, [company, randomBytes(48), member]);
}

async function addBilling(db: Database, company: string, periodEnd: Date, contact: string | null): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO billing_records (company_id, id, period_start, period_end, amount_cents, invoice_number, billing_email, billing_contact_member_id)
     VALUES ($1, $2, $3, $4, 49900, $5, $6, $7)`,
    [company, id, days(periodEnd, -30), periodEnd, `INV-${id}`, `billing-${id.slice(0, 8)}@corp.example`, contact],
  );
  return id;
}

/** A candidate whose last sign-in and last invite are both `activeAt`. */
async function addCandidate(db: Database, company: string, activeAt: Date): Promise<{ id: string; email: string }> {
  const id = randomUUID();
  const email = `cand-${id.slice(0, 8)}@mail.example`;
  await db.query(`INSERT INTO candidates (company_id, id, email, full_name, last_login_at, last_invited_at, created_at) VALUES ($1, $2, $3, $4, $5, $5, $6)`, [
    company,
    id,
    email,
    `Candidate ${id.slice(0, 8)}`,
    activeAt,
    days(activeAt, -1),
  ]);
  return { id, email };
}

/** A session with an invite, three events and a scorecard; `completedAt` null leaves it in progress. */
async function addSession(db: Database, company: string, candidate: string, completedAt: Date | null, at: Date = completedAt ?? T): Promise<string> {
  const invite = randomUUID();
  await db.query(`INSERT INTO invites (company_id, id, candidate_id, token_hash, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    company,
    invite,
    candidate,
    randomBytes(32),
    days(at, 14),
    days(at, -1),
  ]);
  const id = randomUUID();
  await db.query(
    `INSERT INTO assessment_sessions (company_id, id, candidate_id, invite_id, title, status, started_at, completed_at, score, summary, client_ip, user_agent)
     VALUES ($1, $2, $3, $4, 'Two-sum', $5, $6, $7, 81.5, 'Solid', '198.51.100.7', 'Firefox')`,
    [company, id, candidate, invite, completedAt ? 'completed' : 'in_progress', days(at, -0.1), completedAt],
  );
  for (const kind of ['prompt', 'code_edit', 'test_run']) {
    await db.query(`INSERT INTO session_events (company_id, session_id, kind, payload, created_at) VALUES ($1, $2, $3, '{"text":"x"}', $4)`, [company, id, kind, days(at, -0.05)]);
  }
  await db.query(`INSERT INTO scorecards (company_id, session_id, rating, notes) VALUES ($1, $2, 4, 'good')`, [company, id]);
  return id;
}

/** A digest per app table: of one company's rows, or of every row. */
async function digest(db: Database, scope?: { company: string }): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of APP_TABLES) {
    const where = scope ? `WHERE ${table === 'companies' ? 'id' : 'company_id'} = $1` : '';
    const { rows } = await db.query<{ d: string; n: number }>(
      `SELECT md5(coalesce(string_agg(to_jsonb(t)::text, '|' ORDER BY to_jsonb(t)::text), '')) AS d, count(*)::int AS n FROM ${table} t ${where}`,
      scope ? [scope.company] : [],
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.d}`;
  }
  return out;
}

async function sessionRows(db: Database, company: string, session: string) {
  const p = [company, session];
  return {
    session: await count(db, `SELECT 1 FROM assessment_sessions WHERE company_id = $1 AND id = $2`, p),
    events: await count(db, `SELECT 1 FROM session_events WHERE company_id = $1 AND session_id = $2`, p),
    scorecards: await count(db, `SELECT 1 FROM scorecards WHERE company_id = $1 AND session_id = $2`, p),
  };
}

async function deletedAt(db: Database, company: string, session: string): Promise<Date | null> {
  const { rows } = await db.query<{ deleted_at: Date | null }>(`SELECT deleted_at FROM assessment_sessions WHERE company_id = $1 AND id = $2`, [company, session]);
  return rows[0]!.deleted_at;
}

async function candidateRows(db: Database, company: string, candidate: string) {
  const p = [company, candidate];
  return {
    candidate: await count(db, `SELECT 1 FROM candidates WHERE company_id = $1 AND id = $2`, p),
    invites: await count(db, `SELECT 1 FROM invites WHERE company_id = $1 AND candidate_id = $2`, p),
    sessions: await count(db, `SELECT 1 FROM assessment_sessions WHERE company_id = $1 AND candidate_id = $2`, p),
    events: await count(db, `SELECT 1 FROM session_events e JOIN assessment_sessions s ON s.company_id = e.company_id AND s.id = e.session_id WHERE s.company_id = $1 AND s.candidate_id = $2`, p),
    scorecards: await count(db, `SELECT 1 FROM scorecards x JOIN assessment_sessions s ON s.company_id = x.company_id AND s.id = x.session_id WHERE s.company_id = $1 AND s.candidate_id = $2`, p),
  };
}
const ALL_THERE = { candidate: 1, invites: 1, sessions: 1, events: 3, scorecards: 1 };
const ALL_GONE = { candidate: 0, invites: 0, sessions: 0, events: 0, scorecards: 0 };

describe(`hiring-assessments: C13 session data (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let company: string;
  let candidate: string;
  const s = { dayBefore: '', onBoundary: '', dayAfter: '', open: '' };
  const run = runner(() => db, () => schema, ['session-data']);
  before(async () => {
    db = await openMigrated();
    schema = await introspect(db);
    company = await addCompany(db);
    candidate = (await addCandidate(db, company, days(T, -200))).id;
    s.dayBefore = await addSession(db, company, candidate, days(T, -181));
    s.onBoundary = await addSession(db, company, candidate, days(T, -180));
    s.dayAfter = await addSession(db, company, candidate, days(T, -179));
    s.open = await addSession(db, company, candidate, null, days(T, -400));
  });
  after(() => db.close());

  test('C13: a session completed 180 days before the run or more is soft-deleted with deleted_at = the run’s asOf — on the boundary too (completed_at + 180 days <= asOf is due); 179 days and never completed are untouched', async () => {
    const result = await run(T);
    assert.equal(result.asOf.getTime(), T.getTime(), 'the run measures against the injected clock');
    assert.equal(step(result, 'session-data', 1).action, 'soft-delete');
    assert.equal(step(result, 'session-data', 1).rows, 2);
    assert.equal(step(result, 'session-data', 2).rows, 0, 'nothing was soft-deleted 30 days ago');
    assert.equal((await deletedAt(db, company, s.dayBefore))?.getTime(), T.getTime());
    assert.equal((await deletedAt(db, company, s.onBoundary))?.getTime(), T.getTime());
    assert.equal(await deletedAt(db, company, s.dayAfter), null);
    assert.equal(await deletedAt(db, company, s.open), null);
    // A soft delete keeps the data: events and scorecards are only hidden with their session.
    assert.deepEqual(await sessionRows(db, company, s.dayBefore), { session: 1, events: 3, scorecards: 1 });
  });

  test('C13: stage 2 hard-deletes a session 30 days after its soft delete, on the boundary too, not at 29 days; its events and scorecards go with it through ON DELETE CASCADE', async () => {
    const at29 = await run(days(T, 29));
    assert.equal(step(at29, 'session-data', 2).rows, 0, '29 days after the soft delete: not yet');
    assert.equal(step(at29, 'session-data', 1).rows, 1, 'the session completed 179 days before T fell due a day after T');
    assert.equal((await deletedAt(db, company, s.dayAfter))?.getTime(), days(T, 29).getTime());
    assert.deepEqual(await sessionRows(db, company, s.onBoundary), { session: 1, events: 3, scorecards: 1 });

    const at30 = await run(days(T, 30));
    assert.equal(step(at30, 'session-data', 2).action, 'hard-delete');
    assert.equal(step(at30, 'session-data', 2).rows, 2, 'deleted_at + 30 days <= asOf: due on the boundary');
    for (const id of [s.dayBefore, s.onBoundary]) assert.deepEqual(await sessionRows(db, company, id), { session: 0, events: 0, scorecards: 0 });
    assert.deepEqual(await sessionRows(db, company, s.dayAfter), { session: 1, events: 3, scorecards: 1 }, 'soft-deleted a day later: still there');

    assert.equal(step(await run(days(T, 58)), 'session-data', 2).rows, 0, '29 days after its soft delete');
    assert.equal(step(await run(days(T, 60)), 'session-data', 2).rows, 1, '31 days after its soft delete');
    assert.deepEqual(await sessionRows(db, company, s.dayAfter), { session: 0, events: 0, scorecards: 0 });

    assert.deepEqual(await sessionRows(db, company, s.open), { session: 1, events: 3, scorecards: 1 }, 'an unfinished session has no completion to count from');
    assert.equal(await count(db, `SELECT 1 FROM candidates WHERE company_id = $1 AND id = $2 AND deleted_at IS NULL`, [company, candidate]), 1, 'the candidate is not session data');
    const { events } = await queryAuditEvents(db, { tenant: '_platform', action: 'retention.step' });
    assert.ok(events.some((e) => (e.metadata as { rule?: string; stage?: number }).rule === 'session-data' && (e.metadata as { stage?: number }).stage === 2));
    assert.equal((await verifyAuditLog(db, { tenant: '_platform' })).ok, true);
  });

  test('C13: a legal hold on a candidate keeps their due session through runs; lifting it lets the next run take it', async () => {
    const now = days(T, 100);
    const held = (await addCandidate(db, company, days(now, -300))).id;
    const heldSession = await addSession(db, company, held, days(now, -190));
    const free = await addSession(db, company, candidate, days(now, -190));
    const hold = await placeHold(db, policy, schema, { subject: { subject: 'candidate', key: held, tenant: company }, reason: 'litigation', reference: 'CASE-1', actor: legal });
    assert.equal((await listHolds(db, { tenant: company })).length, 1);

    const plan = await planRetention(db, policy, schema, { clock: () => now, rules: ['session-data'] });
    assert.equal(step(plan, 'session-data', 1).dueNow, 1, 'what the run will act on');
    assert.equal(step(plan, 'session-data', 1).held, 1);
    const result = await run(now);
    assert.equal(step(result, 'session-data', 1).rows, step(plan, 'session-data', 1).dueNow);
    assert.equal((await deletedAt(db, company, free))?.getTime(), now.getTime());
    assert.equal(await deletedAt(db, company, heldSession), null, 'held');

    await run(days(now, 40));
    assert.equal((await sessionRows(db, company, free)).session, 0, 'the run went on around the hold');
    assert.deepEqual(await sessionRows(db, company, heldSession), { session: 1, events: 3, scorecards: 1 });

    const lifted = await liftHold(db, hold.id, { reason: 'case settled', actor: legal });
    assert.ok(lifted.liftedAt instanceof Date);
    await assert.rejects(liftHold(db, hold.id, { reason: 'again', actor: legal }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_RETENTION_HOLD_LIFTED');
    await run(days(now, 41));
    assert.equal((await deletedAt(db, company, heldSession))?.getTime(), days(now, 41).getTime(), 'the next run soft-deletes it');
    const { events } = await queryAuditEvents(db, { tenant: company, action: 'retention.hold.*' });
    assert.deepEqual(events.map((e) => e.action).sort(), ['retention.hold.lifted', 'retention.hold.placed']);
  });
});

describe(`hiring-assessments: C14 inactive candidates (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let mailer: NoticeMailer;
  let company: string;
  let heldCompany: string;
  const c: Record<'dayBefore' | 'onBoundary' | 'dayAfter' | 'signsIn' | 'reinvited' | 'held', { id: string; email: string }> = {} as never;
  const run = runner(() => db, () => schema, ['candidate-inactivity'], () => ({ mailer }));
  const rowsOf = (k: keyof typeof c) => candidateRows(db, k === 'held' ? heldCompany : company, c[k].id);
  const mailsTo = (k: keyof typeof c) => smtp.mails.filter((m) => m.to.includes(c[k].email));
  before(async () => {
    smtp = await startSmtp();
    mailer = { smtp: smtp.url, from: 'privacy@assessa.example', organization: 'Assessa', signInUrl: 'https://assessa.example/signin' };
    db = await openMigrated();
    schema = await introspect(db);
    company = await addCompany(db);
    heldCompany = await addCompany(db);
    const twoYears = years(T, -2);
    c.dayBefore = await addCandidate(db, company, days(twoYears, -1));
    c.onBoundary = await addCandidate(db, company, twoYears);
    c.dayAfter = await addCandidate(db, company, days(twoYears, 1));
    c.signsIn = await addCandidate(db, company, days(twoYears, -1));
    c.reinvited = await addCandidate(db, company, days(twoYears, -1));
    c.held = await addCandidate(db, heldCompany, days(twoYears, -10));
    for (const k of Object.keys(c) as (keyof typeof c)[]) await addSession(db, k === 'held' ? heldCompany : company, c[k].id, days(twoYears, -30));
    await placeHold(db, policy, schema, { subject: { subject: 'candidate', key: c.held.id, tenant: heldCompany }, reason: 'employment claim', actor: legal });
  });
  after(async () => {
    await db.close();
    await smtp.close();
  });

  test('C14: without a mailer the inactivity rule is skipped and says so; nobody is mailed or erased', async () => {
    const result = await runRetention(db, policy, schema, { clock: () => days(T, -1), rules: ['candidate-inactivity'] });
    assert.deepEqual(result.steps.map((s) => [s.action, s.skipped, s.rows]), [
      ['notice', 'no-mailer', 0],
      ['erase-after-notice', 'no-mailer', 0],
    ]);
    assert.equal(smtp.mails.length, 0);
    assert.deepEqual(await rowsOf('dayBefore'), ALL_THERE);
  });

  test('C14: a candidate with no sign-in and no invite for 2 years is mailed a pre-deletion notice, on the boundary too (last activity + 2 years <= asOf); 2 years minus a day gets nothing, and a held candidate is not told', async () => {
    const plan = await planRetention(db, policy, schema, { clock: () => T, rules: ['candidate-inactivity'] });
    const result = await run(T);
    const notice = step(result, 'candidate-inactivity', 1);
    assert.equal(notice.action, 'notice');
    assert.equal(notice.rows, 4);
    assert.equal(notice.rows, step(plan, 'candidate-inactivity', 1).dueNow);
    assert.equal(step(plan, 'candidate-inactivity', 1).held, 1);
    assert.equal(step(result, 'candidate-inactivity', 2).rows, 0);
    assert.deepEqual(smtp.mails.flatMap((m) => m.to).sort(), [c.dayBefore, c.onBoundary, c.signsIn, c.reinvited].map((x) => x.email).sort());
    const text = mailText(mailsTo('onBoundary')[0]!.raw);
    assert.match(text, new RegExp(days(T, 30).toISOString().slice(0, 10)), 'the mail names the day the data goes');
    assert.match(text, /https:\/\/assessa\.example\/signin/);
    assert.ok(!text.includes(`Candidate ${c.onBoundary.id.slice(0, 8)}`), 'nothing else about the person');
    assert.equal(await count(db, `SELECT 1 FROM custodian.retention_notices`), 4, 'one notice row per person told');
    const { events } = await queryAuditEvents(db, { tenant: company, action: 'retention.notice.sent' });
    assert.equal(events.length, 4);
    for (const k of ['dayBefore', 'onBoundary', 'dayAfter', 'signsIn', 'reinvited', 'held'] as const) assert.deepEqual(await rowsOf(k), ALL_THERE, `${k}: a notice deletes nothing`);

    const again = await run(days(T, 0.5));
    assert.equal(step(again, 'candidate-inactivity', 1).rows, 0, 'told once');
    assert.equal(smtp.mails.length, 4);
  });

  test('C14: 30 days after the notice the candidate and all their rows are erased — not at 29 days — unless they signed in or were invited again since, which cancels it', async () => {
    await db.query(`UPDATE candidates SET last_login_at = $2 WHERE id = $1`, [c.signsIn.id, days(T, 10)]);
    await db.query(`UPDATE candidates SET last_invited_at = $2 WHERE id = $1`, [c.reinvited.id, days(T, 5)]);

    const at29 = await run(days(T, 29));
    assert.equal(step(at29, 'candidate-inactivity', 2).rows, 0, '29 days after the notice: not yet');
    assert.equal(step(at29, 'candidate-inactivity', 1).rows, 1, 'the candidate a day short of 2 years at T is told now');
    assert.equal(mailsTo('dayAfter').length, 1);
    assert.deepEqual(await rowsOf('dayBefore'), ALL_THERE);

    const plan = await planRetention(db, policy, schema, { clock: () => days(T, 30), rules: ['candidate-inactivity'] });
    const at30 = await run(days(T, 30));
    const erase = step(at30, 'candidate-inactivity', 2);
    assert.equal(erase.action, 'erase-after-notice');
    assert.equal(erase.rows, 2, 'notice time + 30 days <= asOf: due on the boundary');
    assert.equal(erase.cancelled, 2, 'the one who signed in and the one invited again');
    const at30Erased = erase.rows;
    assert.deepEqual(await rowsOf('dayBefore'), ALL_GONE);
    assert.deepEqual(await rowsOf('onBoundary'), ALL_GONE);
    assert.deepEqual(await rowsOf('signsIn'), ALL_THERE);
    assert.deepEqual(await rowsOf('reinvited'), ALL_THERE);
    assert.deepEqual(await rowsOf('dayAfter'), ALL_THERE, 'told a day later, so erased a day later');
    assert.deepEqual(await rowsOf('held'), ALL_THERE);

    const { rows: notices } = await db.query<{ subject_key: string; state: string; resolved_at: Date | null }>(
      `SELECT subject_key, state, resolved_at FROM custodian.retention_notices WHERE subject_key = ANY($1::text[]) ORDER BY subject_key`,
      [[c.dayBefore.id, c.onBoundary.id, c.signsIn.id, c.reinvited.id]],
    );
    const stateOf = (id: string) => notices.find((x) => x.subject_key === id);
    assert.equal(stateOf(c.dayBefore.id)?.state, 'erased');
    assert.equal(stateOf(c.onBoundary.id)?.state, 'erased');
    assert.equal(stateOf(c.signsIn.id)?.state, 'cancelled');
    assert.equal(stateOf(c.reinvited.id)?.state, 'cancelled');
    assert.ok(notices.every((x) => x.resolved_at?.getTime() === days(T, 30).getTime()));
    const audit = async (action: string) => (await queryAuditEvents(db, { tenant: company, action })).events.length;
    assert.equal(await audit('retention.erasure'), 2);
    assert.equal(await audit('retention.notice.cancelled'), 2);
    assert.equal((await verifyAuditLog(db, { tenant: company })).ok, true);

    assert.equal(step(await run(days(T, 58)), 'candidate-inactivity', 2).rows, 0);
    assert.equal(step(await run(days(T, 59)), 'candidate-inactivity', 2).rows, 1);
    assert.deepEqual(await rowsOf('dayAfter'), ALL_GONE);
    assert.deepEqual(await rowsOf('signsIn'), ALL_THERE, 'a cancelled notice never comes back to erase');
    // Last, so the checks above run whatever it says: the plan made before the
    // run at T + 30 days counts the people that run erased, not those who came back.
    assert.equal(step(plan, 'candidate-inactivity', 2).dueNow, at30Erased, 'planned erasures = erasures done');
  });

  test('C14: lifting the hold lets the inactivity rule tell the held candidate and, 30 days on, erase them', async () => {
    const [hold] = await listHolds(db, { tenant: heldCompany });
    assert.deepEqual(await rowsOf('held'), ALL_THERE, 'kept through every run so far');
    await liftHold(db, hold!.id, { reason: 'claim withdrawn', actor: legal });
    await run(days(T, 60));
    assert.equal(mailsTo('held').length, 1);
    await run(days(T, 90));
    assert.deepEqual(await rowsOf('held'), ALL_GONE);
  });
});

describe(`hiring-assessments: C14 with one candidate id in two companies (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const run = runner(() => db, () => schema, ['candidate-inactivity'], () => ({ mailer: { smtp: smtp.url, from: 'privacy@assessa.example', organization: 'Assessa' } }));
  before(async () => {
    smtp = await startSmtp();
    db = await openMigrated();
    schema = await introspect(db);
  });
  after(async () => {
    await db.close();
    await smtp.close();
  });

  test('C14: a person is their key and their tenant: both companies’ candidates with the same id are told, and the one who signs in stays while the other is erased', async () => {
    const [a, b] = [await addCompany(db), await addCompany(db)];
    const id = randomUUID();
    const inactive = days(years(T, -2), -1);
    for (const [company, email] of [[a, 'same-a@mail.example'], [b, 'same-b@mail.example']] as const) {
      await db.query(`INSERT INTO candidates (company_id, id, email, last_login_at, last_invited_at, created_at) VALUES ($1, $2, $3, $4, $4, $4)`, [company, id, email, inactive]);
    }
    const told = await run(T);
    assert.equal(step(told, 'candidate-inactivity', 1).rows, 2);
    assert.deepEqual(smtp.mails.flatMap((m) => m.to).sort(), ['same-a@mail.example', 'same-b@mail.example']);
    await db.query(`UPDATE candidates SET last_login_at = $3 WHERE company_id = $1 AND id = $2`, [a, id, days(T, 3)]);
    const plan = await planRetention(db, policy, schema, { clock: () => days(T, 30), rules: ['candidate-inactivity'] });
    assert.equal(step(plan, 'candidate-inactivity', 2).dueNow, 1);
    const erased = await run(days(T, 30));
    assert.deepEqual([step(erased, 'candidate-inactivity', 2).rows, step(erased, 'candidate-inactivity', 2).cancelled], [1, 1]);
    assert.equal(await count(db, `SELECT 1 FROM candidates WHERE company_id = $1 AND id = $2`, [a, id]), 1, 'the candidate who signed in stays');
    assert.equal(await count(db, `SELECT 1 FROM candidates WHERE company_id = $1 AND id = $2`, [b, id]), 0, 'the other company’s candidate is erased');
  });
});

describe(`hiring-assessments: C15 company closure (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  const co = { dayBefore: '', onBoundary: '', dayAfter: '', open: '', held: '' };
  let holdId: number;
  const run = runner(() => db, () => schema, ['company-closure']);
  before(async () => {
    db = await openMigrated();
    schema = await introspect(db);
    co.dayBefore = await addCompany(db, days(T, -31));
    co.onBoundary = await addCompany(db, days(T, -30));
    co.dayAfter = await addCompany(db, days(T, -29));
    co.open = await addCompany(db);
    co.held = await addCompany(db, days(T, -60));
    for (const company of Object.values(co)) {
      const owner = await addMember(db, company);
      await addMember(db, company);
      await addApiKey(db, company, owner);
      await addBilling(db, company, days(T, -60), owner);
      for (let i = 0; i < 2; i++) await addSession(db, company, (await addCandidate(db, company, days(T, -40))).id, days(T, -45));
    }
    holdId = (await placeHold(db, policy, schema, { tenant: co.held, reason: 'regulator inquiry', actor: legal })).id;
  });
  after(() => db.close());

  async function anonymized(company: string, asOf: Date): Promise<void> {
    const { rows } = await db.query<{ name: string; domain: string | null; anonymized_at: Date | null }>(`SELECT name, domain, anonymized_at FROM companies WHERE id = $1`, [company]);
    assert.match(rows[0]!.name, /^Closed company [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(rows[0]!.domain, null);
    assert.equal(rows[0]!.anonymized_at?.getTime(), asOf.getTime(), 'the mark is the run’s asOf');
    const { rows: members } = await db.query<{ email: string; display_name: string; last_login_at: Date | null }>(`SELECT email, display_name, last_login_at FROM company_members WHERE company_id = $1`, [company]);
    assert.equal(members.length, 2, 'member rows stay, anonymized');
    for (const m of members) {
      assert.match(m.email, DELETED_EMAIL);
      assert.equal(m.display_name, 'Deleted member');
      assert.equal(m.last_login_at, null);
    }
    for (const table of ['candidates', 'invites', 'assessment_sessions', 'session_events', 'scorecards']) {
      assert.equal(await count(db, `SELECT 1 FROM ${table} WHERE company_id = $1`, [company]), 0, `${table} of the company are gone`);
    }
  }

  test('C15: 30 days after the contract ends the company is anonymized tenant-wide, on the boundary too (contract_ended_at + 30 days <= asOf): members pseudonymized, candidates, invites, sessions, events and scorecards deleted, billing records kept, the name pseudonymized and anonymized_at set; 29 days, an open contract and a held company are untouched', async () => {
    const untouched = { dayAfter: await digest(db, { company: co.dayAfter }), open: await digest(db, { company: co.open }), held: await digest(db, { company: co.held }) };
    const billing = { dayBefore: (await digest(db, { company: co.dayBefore })).billing_records, onBoundary: (await digest(db, { company: co.onBoundary })).billing_records };
    const result = await run(T);
    const s = step(result, 'company-closure', 1);
    assert.deepEqual([s.action, s.scope, s.table], ['anonymize', 'tenant', 'companies']);
    assert.ok(s.rows > 0);
    await anonymized(co.dayBefore, T);
    await anonymized(co.onBoundary, T);
    assert.equal((await digest(db, { company: co.dayBefore })).billing_records, billing.dayBefore, 'C16: invoices outlive the contract');
    assert.equal((await digest(db, { company: co.onBoundary })).billing_records, billing.onBoundary);
    assert.deepEqual(await digest(db, { company: co.dayAfter }), untouched.dayAfter);
    assert.deepEqual(await digest(db, { company: co.open }), untouched.open);
    assert.deepEqual(await digest(db, { company: co.held }), untouched.held);
    for (const company of [co.dayBefore, co.onBoundary]) {
      const { events } = await queryAuditEvents(db, { tenant: company, action: 'retention.tenant.anonymized' });
      assert.equal(events.length, 1, 'the company sees it in its own audit chain');
      assert.equal((await verifyAuditLog(db, { tenant: company })).ok, true);
    }
  });

  test('C15: a second run changes nothing; a run a day later takes only the company that fell due and leaves the anonymized ones as they are', async () => {
    const everything = await digest(db);
    const again = await run(T);
    assert.equal(again.rows, 0);
    assert.deepEqual(await digest(db), everything);
    const done = { dayBefore: await digest(db, { company: co.dayBefore }), onBoundary: await digest(db, { company: co.onBoundary }) };
    await run(days(T, 1));
    await anonymized(co.dayAfter, days(T, 1));
    assert.deepEqual(await digest(db, { company: co.dayBefore }), done.dayBefore, 'no second pseudonym');
    assert.deepEqual(await digest(db, { company: co.onBoundary }), done.onBoundary);
  });

  test('C15: a legal hold on a company keeps it through the run; lifting it lets the next run anonymize it', async () => {
    const before = await planRetention(db, policy, schema, { clock: () => days(T, 2), rules: ['company-closure'] });
    assert.equal(step(before, 'company-closure', 1).held, 1);
    assert.equal(step(before, 'company-closure', 1).dueNow, 0);
    await liftHold(db, holdId, { reason: 'inquiry closed', actor: legal });
    const plan = await planRetention(db, policy, schema, { clock: () => days(T, 2), rules: ['company-closure'] });
    assert.equal(step(plan, 'company-closure', 1).held, 0);
    assert.equal(step(plan, 'company-closure', 1).dueNow, 1);
    await run(days(T, 2));
    await anonymized(co.held, days(T, 2));
    assert.equal(await count(db, `SELECT 1 FROM companies WHERE anonymized_at IS NULL`), 1, 'only the open company is left as it was');
  });
});

describe(`hiring-assessments: C16 billing records (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let company: string;
  let closed: string;
  const b = { dayBefore: '', onBoundary: '', dayAfter: '', erasedContact: '', closedCompany: '', held: '', recent: '' };
  let holdId: number;
  const run = runner(() => db, () => schema, ['billing-records']);
  const exists = async (id: string) => (await count(db, `SELECT 1 FROM billing_records WHERE id = $1`, [id])) === 1;
  before(async () => {
    db = await openMigrated();
    schema = await introspect(db);
    const sevenYears = years(T, -7);
    company = await addCompany(db);
    const contact = await addMember(db, company);
    const erased = await addMember(db, company);
    const heldMember = await addMember(db, company);
    b.dayBefore = await addBilling(db, company, days(sevenYears, -1), contact);
    b.onBoundary = await addBilling(db, company, sevenYears, contact);
    b.dayAfter = await addBilling(db, company, days(sevenYears, 1), contact);
    b.erasedContact = await addBilling(db, company, days(sevenYears, -1), erased);
    b.held = await addBilling(db, company, days(sevenYears, -1), heldMember);
    b.recent = await addBilling(db, company, years(T, -1), contact);
    // A company whose contract ended six years ago: anonymized then (C15), its invoices kept.
    closed = await addCompany(db, years(T, -6));
    b.closedCompany = await addBilling(db, closed, days(sevenYears, -1), await addMember(db, closed));
    await eraseSubject(db, policy, schema, { subject: 'member', key: erased, tenant: company });
    await runRetention(db, policy, schema, { clock: () => days(years(T, -6), 31), rules: ['company-closure'] });
    holdId = (await placeHold(db, policy, schema, { subject: { subject: 'member', key: heldMember, tenant: company }, reason: 'tax audit', actor: legal })).id;
  });
  after(() => db.close());

  test('C16: an erased member’s invoices and an anonymized company’s invoices are kept', async () => {
    for (const id of Object.values(b)) assert.ok(await exists(id));
    const { rows } = await db.query<{ billing_email: string; contact: string }>(
      `SELECT b.billing_email, m.email AS contact FROM billing_records b JOIN company_members m ON m.company_id = b.company_id AND m.id = b.billing_contact_member_id WHERE b.id = $1`,
      [b.erasedContact],
    );
    assert.match(rows[0]!.contact, DELETED_EMAIL, 'the contact was erased');
    assert.match(rows[0]!.billing_email, /^billing-/, 'the address the invoice went to is part of the tax record');
    assert.equal(await count(db, `SELECT 1 FROM companies WHERE id = $1 AND anonymized_at IS NOT NULL`, [closed]), 1);
  });

  test('C16: billing records are hard-deleted 7 years after the period ends, on the boundary too (period_end + 7 years <= asOf), also an erased member’s and an anonymized company’s; 7 years minus a day and a held contact’s stay; the plan said so beforehand', async () => {
    const plan = await planRetention(db, policy, schema, { clock: () => T, rules: ['billing-records'], horizon: '30d' });
    const planned = step(plan, 'billing-records', 1);
    assert.deepEqual([planned.dueNow, planned.held, planned.dueWithinHorizon], [4, 1, 1]);
    const result = await run(T);
    assert.equal(step(result, 'billing-records', 1).action, 'hard-delete');
    assert.equal(step(result, 'billing-records', 1).rows, planned.dueNow);
    for (const id of [b.dayBefore, b.onBoundary, b.erasedContact, b.closedCompany]) assert.equal(await exists(id), false);
    for (const id of [b.dayAfter, b.held, b.recent]) assert.equal(await exists(id), true);

    const next = await planRetention(db, policy, schema, { clock: () => T, rules: ['billing-records'], horizon: '30d' });
    assert.deepEqual([step(next, 'billing-records', 1).dueNow, step(next, 'billing-records', 1).dueWithinHorizon], [0, 1]);
    const later = await run(days(T, 30));
    assert.equal(step(later, 'billing-records', 1).rows, step(next, 'billing-records', 1).dueWithinHorizon, 'a run at the end of the horizon does what the plan foresaw');
    assert.equal(await exists(b.dayAfter), false);
    assert.equal(await exists(b.held), true);
  });

  test('C16: lifting the hold on the billing contact lets the next run delete their old invoice', async () => {
    await liftHold(db, holdId, { reason: 'audit finished', actor: legal });
    assert.equal(step(await run(days(T, 31)), 'billing-records', 1).rows, 1);
    assert.equal(await exists(b.held), false);
    assert.equal(await exists(b.recent), true);
  });
});

describe(`hiring-assessments: the plan matches the runs, on seeded data (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    db = await openMigrated();
    await seed(db, { subjects: 300, seed: 'retention' });
    schema = await introspect(db);
  });
  after(async () => {
    await db.close();
    await smtp.close();
  });

  test('every rule: dueNow is what a run at the same time does, and dueWithinHorizon what a run at the end of the horizon does', async () => {
    const mailer: NoticeMailer = { smtp: smtp.url, from: 'privacy@assessa.example', organization: 'Assessa' };
    const asOf = days(DEFAULT_NOW, 1);
    const end = days(asOf, 30);
    let acted = 0;
    for (const [at, runAt, field] of [[asOf, asOf, 'dueNow'], [asOf, end, 'dueWithinHorizon']] as const) {
      for (const rule of policy.retention) {
        const plan = await planRetention(db, policy, schema, { clock: () => at, rules: [rule.id], horizon: '30d' });
        const result = await runRetention(db, policy, schema, { clock: () => runAt, rules: [rule.id], mailer });
        for (const s of result.steps) {
          // A tenant-wide step plans tenants and reports every row it changed: compare tenants marked.
          const did = s.scope === 'tenant' ? await count(db, `SELECT 1 FROM companies WHERE anonymized_at = $1`, [runAt]) : s.rows;
          assert.equal(did, step(plan, s.rule, s.stage)[field], `${s.rule}/${s.stage} (${s.action}): ${field}`);
          acted += did;
        }
      }
    }
    assert.ok(acted > 0, 'the seed gives the runs work to do');
    assert.equal((await verifyAuditLog(db, { tenant: '_platform' })).ok, true);
  });
});
