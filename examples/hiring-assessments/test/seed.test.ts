import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { DEFAULT_NOW, policy, seed } from '../src/index.js';
import { APP_TABLES, count, openMigrated, openSeeded } from './support.js';

/** Columns whose bytes differ on every run: fresh nonces and data keys. Everything else is deterministic. */
const CIPHERTEXT: Partial<Record<(typeof APP_TABLES)[number], string>> = { customer_api_keys: 'key_ciphertext' };

/** One digest per table over every column of every row but ciphertext, in primary-key order. */
async function digests(db: Database): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of APP_TABLES) {
    const order = table === 'companies' ? 'id' : 'company_id, id';
    const cipher = CIPHERTEXT[table];
    const text = cipher ? `(to_jsonb(t) - '${cipher}')::text` : 't::text';
    const { rows } = await db.query<{ d: string }>(`SELECT md5(coalesce(string_agg(${text}, '|' ORDER BY ${order}), '')) AS d FROM ${table} t`);
    out[table] = rows[0]!.d;
  }
  return out;
}

describe(`hiring-assessments seed (${testBackend()})`, () => {
  let a: Database;
  let b: Database;
  let reportA: Awaited<ReturnType<typeof seed>>;
  before(async () => {
    ({ db: a, report: reportA } = await openSeeded({ subjects: 300, seed: 7 }));
    b = await openMigrated();
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  test('the same seed gives the same rows, and the report counts them', async () => {
    const reportB = await seed(b, { subjects: 300, seed: 7 });
    assert.deepEqual(reportB, reportA);
    assert.deepEqual(await digests(b), await digests(a));
    for (const table of APP_TABLES) assert.equal(await count(a, `SELECT 1 FROM ${table}`), reportA.rows[table], table);
    const sample = 'SELECT id, email, full_name, created_at FROM candidates ORDER BY company_id, id LIMIT 3';
    assert.deepEqual((await b.query(sample)).rows, (await a.query(sample)).rows);
    // The API keys are sealed afresh each run: same rows and masks, different ciphertext.
    const keys = 'SELECT company_id, id, key_last4, key_ciphertext FROM customer_api_keys ORDER BY company_id, id';
    const [keysA, keysB] = [(await a.query<{ key_ciphertext: Uint8Array }>(keys)).rows, (await b.query<{ key_ciphertext: Uint8Array }>(keys)).rows];
    assert.deepEqual(keysB.map(({ key_ciphertext: _, ...rest }) => rest), keysA.map(({ key_ciphertext: _, ...rest }) => rest));
    assert.ok(keysA.every((row, i) => !Buffer.from(row.key_ciphertext).equals(Buffer.from(keysB[i]!.key_ciphertext))));
  });

  test('counts scale with subjects, and another seed gives other rows', async () => {
    const { db, report } = await openSeeded({ subjects: 600, seed: 8, eventsPerSession: 4 });
    try {
      for (const r of [reportA, report]) {
        const n = r.subjects;
        assert.equal(r.rows.candidates, n);
        assert.equal(r.rows.companies, Math.round(n / 100));
        assert.ok(r.rows.company_members! >= 3 * r.companies && r.rows.company_members! <= 6 * r.companies);
        assert.ok(r.rows.invites! >= n && r.rows.invites! <= 2 * n);
        assert.ok(r.rows.assessment_sessions! >= 0.8 * n && r.rows.assessment_sessions! <= r.rows.invites!);
        assert.ok(r.rows.scorecards! > 0.1 * r.rows.assessment_sessions!);
        assert.ok(r.rows.billing_records! > r.companies);
      }
      const perSession = (r: typeof report) => r.rows.session_events! / r.rows.assessment_sessions!;
      assert.ok(perSession(reportA) > 8 && perSession(reportA) < 12, 'about 10 events per session by default');
      assert.ok(perSession(report) > 3 && perSession(report) < 5, 'about 4 when asked for 4');
      // Seed 8 shares no candidate, invite or session id with seed 7.
      for (const table of ['candidates', 'invites', 'assessment_sessions']) {
        const ids = new Set((await a.query<{ id: string }>(`SELECT id FROM ${table}`)).rows.map((r) => r.id));
        const other = (await db.query<{ id: string }>(`SELECT id FROM ${table}`)).rows;
        assert.equal(other.filter((r) => ids.has(r.id)).length, 0, table);
      }
    } finally {
      await db.close();
    }
  });

  test('a small seed still has one company with a running contract', async () => {
    const { db, report } = await openSeeded({ subjects: 1, seed: 'tiny' });
    try {
      assert.equal(report.companies, 1);
      assert.equal(await count(db, 'SELECT 1 FROM companies WHERE contract_ended_at IS NULL'), 1);
      assert.equal(report.rows.candidates, 1);
    } finally {
      await db.close();
    }
  });

  test('every email is under a reserved .example domain, lower-cased', async () => {
    const emails = await a.query<{ email: string }>(
      'SELECT email FROM candidates UNION ALL SELECT email FROM company_members UNION ALL SELECT billing_email FROM billing_records',
    );
    assert.ok(emails.rows.length > 300);
    for (const { email } of emails.rows) assert.match(email, /^[a-z0-9.]+@[a-z0-9.-]+\.example$/);
  });

  test('every company is in a region the policy declares', async () => {
    const { rows } = await a.query<{ region: string }>('SELECT DISTINCT region FROM companies');
    const declared = new Set(policy.regions.map((r) => r.code));
    assert.ok(rows.length > 0 && rows.every((r) => declared.has(r.region)));
  });

  test('a heavy subject adds one long session and leaves every other row as it was', async () => {
    const { db, report } = await openSeeded({ subjects: 300, seed: 7, heavySubjectEvents: 12_000 });
    try {
      const heavy = report.heavySubject!;
      assert.equal(heavy.events, 12_000);
      assert.equal(report.rows.session_events, reportA.rows.session_events! + 12_000);
      assert.equal(await count(db, 'SELECT 1 FROM session_events WHERE company_id = $1 AND session_id = $2', [heavy.companyId, heavy.sessionId]), 12_000);
      const owner = await db.query<{ candidate_id: string }>('SELECT candidate_id FROM assessment_sessions WHERE id = $1', [heavy.sessionId]);
      assert.equal(owner.rows[0]!.candidate_id, heavy.candidateId);
      const [plain, withHeavy] = [await digests(a), await digests(db)];
      for (const table of ['companies', 'invites', 'scorecards', 'billing_records'] as const) assert.equal(withHeavy[table], plain[table], table);
      const others = `SELECT md5(string_agg(t::text, '|' ORDER BY company_id, id)) AS d FROM session_events t WHERE session_id <> '${heavy.sessionId}'`;
      assert.equal((await db.query(others)).rows[0]!.d, (await a.query(others)).rows[0]!.d);
    } finally {
      await db.close();
    }
  });

  test('refuses a non-positive number of subjects before touching the database', async () => {
    await assert.rejects(seed(b, { subjects: 0 }), RangeError);
    await assert.rejects(seed(b, { subjects: 1.5 }), RangeError);
  });
});

/**
 * Retention jobs need work on both sides of every boundary, so the seed lays
 * rows out around `now` on purpose; these counts show it did.
 */
describe(`hiring-assessments seed spans every retention boundary (${testBackend()})`, () => {
  let db: Database;
  const now = DEFAULT_NOW.toISOString();
  before(async () => {
    ({ db } = await openSeeded({ subjects: 3000, seed: 'boundaries', eventsPerSession: 1 }));
  });
  after(() => db.close());

  const both = async (label: string, older: string, newer: string) => {
    const [o, n] = [await count(db, older, [now]), await count(db, newer, [now])];
    assert.ok(o > 0 && n > 0, `${label}: ${o} past the boundary, ${n} before it`);
  };

  test('sessions completed more and less than 180 days ago, and swept ones more and less than 30 days ago', async () => {
    const live = 'SELECT 1 FROM assessment_sessions WHERE deleted_at IS NULL AND completed_at';
    await both('completion', `${live} < $1::timestamptz - interval '180 days'`, `${live} > $1::timestamptz - interval '180 days'`);
    const swept = 'SELECT 1 FROM assessment_sessions WHERE deleted_at';
    await both('soft delete', `${swept} < $1::timestamptz - interval '30 days'`, `${swept} > $1::timestamptz - interval '30 days'`);
  });

  test('candidates inactive past two years, inside the 30-day notice window, and active', async () => {
    const last = 'SELECT 1 FROM candidates WHERE greatest(last_login_at, last_invited_at)';
    await both('inactivity', `${last} < $1::timestamptz - interval '2 years'`, `${last} > $1::timestamptz - interval '2 years'`);
    const window = `${last} BETWEEN $1::timestamptz - interval '2 years' AND $1::timestamptz - interval '2 years' + interval '30 days'`;
    assert.ok((await count(db, window, [now])) > 0, 'candidates due a pre-deletion notice');
    await both('deletion requests', "SELECT 1 FROM candidates WHERE deleted_at < $1::timestamptz - interval '30 days'", "SELECT 1 FROM candidates WHERE deleted_at > $1::timestamptz - interval '30 days'");
  });

  test('companies past their 30-day grace, inside it, and with running contracts', async () => {
    const ended = 'SELECT 1 FROM companies WHERE contract_ended_at';
    await both('company grace', `${ended} < $1::timestamptz - interval '30 days'`, `${ended} BETWEEN $1::timestamptz - interval '30 days' AND $1`);
    assert.ok((await count(db, 'SELECT 1 FROM companies WHERE contract_ended_at IS NULL')) > 0);
  });

  test('billing records older and younger than seven years, and expired invites either side of 90 days', async () => {
    await both('billing', "SELECT 1 FROM billing_records WHERE period_end < $1::timestamptz - interval '7 years'", "SELECT 1 FROM billing_records WHERE period_end > $1::timestamptz - interval '7 years'");
    await both('invites', "SELECT 1 FROM invites WHERE expires_at < $1::timestamptz - interval '90 days'", "SELECT 1 FROM invites WHERE expires_at > $1::timestamptz - interval '90 days'");
  });
});
