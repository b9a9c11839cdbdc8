import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { queryAuditEvents } from '@custodian/core/audit';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { eraseSubject } from '@custodian/core/dsar';
import { liftHold, placeHold, planRetention, runRetention } from '@custodian/core/retention';
import { testBackend } from '@custodian/core/testing';
import { PLACEHOLDER_USER_ID, policy } from '../src/index.js';
import { openMigrated } from './helpers.js';

// Every rule is "after N": a row is due once `column + N <= asOf`. Each test
// places rows a day before, exactly on, and a day after the line, and moves
// time with the runner's injectable clock.

const DAY = 86_400_000;
/** The reference "now": a June noon, so no leap day or month end sits near a boundary. */
const T = new Date('2033-06-15T12:00:00.000Z');
const days = (d: Date, n: number): Date => new Date(d.getTime() + n * DAY);
function years(d: Date, n: number): Date {
  const out = new Date(d.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + n);
  return out;
}
const legal = { type: 'operator' as const, id: 'legal@lumen-apps.example' };
const PURGE = ['deleted-account-purge', 'deleted-account-profile'];
const n = async (db: Database, sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params)).rows[0]!.n;

function step<S extends { rule: string; stage: number }>(result: { steps: S[] }, rule: string, stage = 1): S {
  const found = result.steps.find((s) => s.rule === rule && s.stage === stage);
  assert.ok(found, `the result has step ${rule}/${stage}`);
  return found;
}

/** A person as Google sign-in leaves them: user row, profile, sealed refresh token, a live session. */
async function addUser(db: Database, createdAt: Date): Promise<string> {
  const id = randomUUID();
  const tag = id.slice(0, 8);
  await db.query(`INSERT INTO users (id, google_sub, email, name, image_url, created_at, last_sign_in_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    id,
    `1${BigInt(`0x${tag}`).toString().padStart(12, '0')}`,
    `u-${tag}@mail.example`,
    `User ${tag}`,
    `https://images.people.example/avatars/${tag}.png`,
    createdAt,
    days(createdAt, 10),
  ]);
  await db.query(`INSERT INTO profiles (user_id, display_name, handle, bio, date_of_birth) VALUES ($1, $2, $3, 'Builds things', '1990-04-01')`, [id, `User ${tag}`, `u_${tag}`]);
  await db.query(`INSERT INTO oauth_tokens (user_id, provider, scope, refresh_token_ciphertext) VALUES ($1, 'google', 'openid email profile', $2)`, [id, randomBytes(64)]);
  await db.query(`INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, now(), now() + interval '30 days')`, [id, createHash('sha256').update(id).digest('hex')]);
  return id;
}

/** Deletes the account as A7's immediate steps do (the DSAR erasure), dated `deletedAt`. */
async function deleteAccount(db: Database, schema: DatabaseSchema, id: string, deletedAt: Date): Promise<void> {
  await eraseSubject(db, policy, schema, { subject: 'user', key: id });
  await db.query(`UPDATE users SET deleted_at = $2 WHERE id = $1`, [id, deletedAt]);
}

async function userRow(db: Database, id: string) {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT google_sub, email, name, image_url, last_sign_in_at, deleted_at, kind FROM users WHERE id = $1`, [id]);
  return rows[0];
}

async function personDigest(db: Database, id: string): Promise<string> {
  const { rows } = await db.query<{ d: string }>(
    `SELECT md5(coalesce((SELECT to_jsonb(u)::text FROM users u WHERE u.id = $1), '') || '|' || coalesce((SELECT to_jsonb(p)::text FROM profiles p WHERE p.user_id = $1), '')) AS d`,
    [id],
  );
  return rows[0]!.d;
}

async function addTaxForm(db: Database, user: string, createdAt: Date): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO tax_forms (id, user_id, tin_type, legal_name, address, tin_ciphertext, tin_last4, tax_year, created_at)
     VALUES ($1, $2, 'ssn', 'Pat Example', '1 Main St, Springfield', $3, '6789', $4, $5)`,
    [id, user, randomBytes(60), createdAt.getUTCFullYear(), createdAt],
  );
  return id;
}

describe(`app-platform: A7 the 30-day purge of deleted accounts (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  const u = { dayBefore: '', onBoundary: '', dayAfter: '', live: '', held: '' };
  let holdId: number;
  const run = (at: Date) => runRetention(db, policy, schema, { clock: () => at, rules: PURGE, trigger: 'test' });
  before(async () => {
    db = await openMigrated();
    schema = await introspect(db);
    for (const k of Object.keys(u) as (keyof typeof u)[]) u[k] = await addUser(db, days(T, -400));
    await deleteAccount(db, schema, u.dayBefore, days(T, -31));
    await deleteAccount(db, schema, u.onBoundary, days(T, -30));
    await deleteAccount(db, schema, u.dayAfter, days(T, -29));
    await deleteAccount(db, schema, u.held, days(T, -40));
    holdId = (await placeHold(db, policy, schema, { subject: { subject: 'user', key: u.held }, reason: 'fraud investigation', reference: 'SEC-9', actor: legal })).id;
  });
  after(() => db.close());

  test('A7: 30 days after an account is deleted its email, name, image URL and Google id (the OAuth id) are set to NULL and its profile is hard-deleted, on the boundary too (deleted_at + 30 days <= asOf); deleted 29 days ago, live and held accounts are untouched', async () => {
    const untouched = { dayAfter: await personDigest(db, u.dayAfter), live: await personDigest(db, u.live), held: await personDigest(db, u.held), placeholder: await personDigest(db, PLACEHOLDER_USER_ID) };
    const plan = await planRetention(db, policy, schema, { clock: () => T, rules: PURGE });
    const result = await run(T);
    assert.equal(step(result, 'deleted-account-purge').action, 'anonymize');
    assert.equal(step(result, 'deleted-account-purge').rows, 2);
    assert.equal(step(result, 'deleted-account-profile').action, 'hard-delete');
    assert.equal(step(result, 'deleted-account-profile').rows, 2);
    for (const rule of PURGE) {
      assert.equal(step(result, rule).rows, step(plan, rule).dueNow, `${rule}: the plan said so`);
      assert.equal(step(plan, rule).held, 1);
    }
    for (const [id, deletedAt] of [[u.dayBefore, days(T, -31)], [u.onBoundary, days(T, -30)]] as const) {
      assert.deepEqual(await userRow(db, id), { google_sub: null, email: null, name: null, image_url: null, last_sign_in_at: null, deleted_at: deletedAt, kind: 'person' }, 'the row stays, with nothing that identifies the person');
      assert.equal(await n(db, `SELECT 1 FROM profiles WHERE user_id = $1`, [id]), 0, 'profile hard-deleted');
      assert.equal(await n(db, `SELECT 1 FROM oauth_tokens WHERE user_id = $1`, [id]), 0, 'OAuth tokens went at deletion');
      assert.equal(await n(db, `SELECT 1 FROM sessions WHERE user_id = $1`, [id]), 0);
    }
    assert.equal(await personDigest(db, u.dayAfter), untouched.dayAfter);
    assert.equal(await personDigest(db, u.live), untouched.live);
    assert.equal(await personDigest(db, u.held), untouched.held);
    assert.equal(await personDigest(db, PLACEHOLDER_USER_ID), untouched.placeholder);
    assert.equal(await n(db, `SELECT 1 FROM oauth_tokens WHERE user_id = $1`, [u.live]), 1);
  });

  test('A7: a second run changes nothing; a run a day later purges the account deleted 29 days before T', async () => {
    const { rows: before } = await db.query<{ d: string }>(`SELECT md5(string_agg(to_jsonb(x)::text, '|' ORDER BY to_jsonb(x)::text)) AS d FROM (SELECT to_jsonb(u) AS x FROM users u UNION ALL SELECT to_jsonb(p) FROM profiles p) s`);
    const again = await run(T);
    assert.equal(again.rows, 0);
    const { rows: after } = await db.query<{ d: string }>(`SELECT md5(string_agg(to_jsonb(x)::text, '|' ORDER BY to_jsonb(x)::text)) AS d FROM (SELECT to_jsonb(u) AS x FROM users u UNION ALL SELECT to_jsonb(p) FROM profiles p) s`);
    assert.equal(after[0]!.d, before[0]!.d);
    const next = await run(days(T, 1));
    assert.equal(step(next, 'deleted-account-purge').rows, 1);
    assert.equal((await userRow(db, u.dayAfter))!.email, null);
    assert.equal(await n(db, `SELECT 1 FROM profiles WHERE user_id = $1`, [u.dayAfter]), 0);
  });

  test('A7: a legal hold on a deleted person keeps their identifying fields and profile through the purge; lifting it lets the next run purge them', async () => {
    assert.equal(await n(db, `SELECT 1 FROM profiles WHERE user_id = $1`, [u.held]), 1);
    assert.notEqual((await userRow(db, u.held))!.email, null);
    await liftHold(db, holdId, { reason: 'investigation closed', actor: legal });
    const result = await run(days(T, 2));
    assert.deepEqual(PURGE.map((r) => step(result, r).rows), [1, 1]);
    assert.equal((await userRow(db, u.held))!.google_sub, null);
    assert.equal(await n(db, `SELECT 1 FROM profiles WHERE user_id = $1`, [u.held]), 0);
    const { events } = await queryAuditEvents(db, { tenant: '_platform', action: 'retention.hold.*' });
    assert.deepEqual(events.map((e) => e.action).sort(), ['retention.hold.lifted', 'retention.hold.placed']);
  });
});

describe(`app-platform: A8 tax records (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let gone: string;
  const t = { dayBefore: '', onBoundary: '', dayAfter: '', recent: '', deletedOwner: '' };
  const run = (at: Date) => runRetention(db, policy, schema, { clock: () => at, rules: ['tax-records'], trigger: 'test' });
  const exists = async (id: string) => (await n(db, `SELECT 1 FROM tax_forms WHERE id = $1`, [id])) === 1;
  before(async () => {
    db = await openMigrated();
    schema = await introspect(db);
    const sevenYears = years(T, -7);
    const creator = await addUser(db, years(T, -9));
    gone = await addUser(db, years(T, -9));
    t.dayBefore = await addTaxForm(db, creator, days(sevenYears, -1));
    t.onBoundary = await addTaxForm(db, creator, sevenYears);
    t.dayAfter = await addTaxForm(db, creator, days(sevenYears, 1));
    t.recent = await addTaxForm(db, creator, years(T, -1));
    t.deletedOwner = await addTaxForm(db, gone, days(sevenYears, -1));
    // The second creator deleted their account seven years ago; the purge ran 30 days later.
    await deleteAccount(db, schema, gone, sevenYears);
    await runRetention(db, policy, schema, { clock: () => days(sevenYears, 30), rules: PURGE });
  });
  after(() => db.close());

  test('A8: a deleted, purged account’s tax form is kept', async () => {
    assert.equal((await userRow(db, gone))!.email, null, 'the account was purged');
    assert.equal(await exists(t.deletedOwner), true);
  });

  test('A8: tax forms are hard-deleted 7 years after they were collected, on the boundary too (created_at + 7 years <= asOf), also a deleted account’s; 7 years minus a day stays; the plan said so, and what falls due within its horizon', async () => {
    const plan = await planRetention(db, policy, schema, { clock: () => T, rules: ['tax-records'], horizon: '30d' });
    assert.deepEqual([step(plan, 'tax-records').dueNow, step(plan, 'tax-records').dueWithinHorizon], [3, 1]);
    const result = await run(T);
    assert.equal(step(result, 'tax-records').action, 'hard-delete');
    assert.equal(step(result, 'tax-records').rows, 3);
    for (const id of [t.dayBefore, t.onBoundary, t.deletedOwner]) assert.equal(await exists(id), false);
    for (const id of [t.dayAfter, t.recent]) assert.equal(await exists(id), true);
    assert.ok(await userRow(db, gone), 'the account row stays: tax forms never cascade from it');

    const next = await planRetention(db, policy, schema, { clock: () => T, rules: ['tax-records'], horizon: '30d' });
    const later = await run(days(T, 30));
    assert.equal(step(later, 'tax-records').rows, step(next, 'tax-records').dueWithinHorizon);
    assert.equal(await exists(t.dayAfter), false);
    assert.equal(await exists(t.recent), true);
  });
});
