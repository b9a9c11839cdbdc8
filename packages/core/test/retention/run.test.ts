import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { introspect } from '@custodian/core/check';
import type { DatabaseSchema } from '@custodian/core/check';
import { coreMigrations, migrate } from '@custodian/core/db';
import { eraseSubject } from '@custodian/core/dsar';
import { isCustodianError } from '@custodian/core/errors';
import { definePolicy } from '@custodian/core/policy';
import { listHolds, liftHold, placeHold, planRetention, retentionSchedule, retentionSteps, runRetention } from '@custodian/core/retention';
import { openTestDatabase, testBackend, type TestDatabase } from '@custodian/core/testing';

const DAY = 86_400_000;
const T = new Date('2031-06-15T12:00:00Z');
const at = (d: Date) => () => d;
const daysBefore = (n: number) => new Date(T.getTime() - n * DAY);

const policy = definePolicy({
  version: '1',
  effectiveDate: '2026-12-01',
  organization: { name: 'Acme', url: 'https://acme.example' },
  contacts: { privacy: { email: 'privacy@acme.example' }, security: { email: 'security@acme.example' } },
  tenants: { table: 'orgs', key: 'id' },
  subjects: { member: { description: 'A member', table: 'members', key: 'id', tenant: 'org_id', identities: { id: { kind: 'id', column: 'id' } } } },
  tables: {
    orgs: { description: 'Organisations', purpose: 'Service', tenant: 'id', notAboutPersons: 'organisations' },
    members: {
      description: 'Members',
      purpose: 'Sign-in',
      owner: { subject: 'member', column: 'id' },
      tenant: 'org_id',
      softDelete: 'deleted_at',
      columns: { name: { category: 'profile', erase: { action: 'set-null' } } },
    },
    visits: {
      description: 'Visits',
      purpose: 'Analytics',
      owner: { subject: 'member', column: 'member_id' },
      tenant: 'org_id',
      softDelete: 'deleted_at',
      erase: { action: 'delete-row' },
      columns: { path: { category: 'usage' } },
    },
    logs: { description: 'Logs', purpose: 'Operations', notAboutPersons: 'machine logs', columns: {} },
  },
  retention: [
    {
      id: 'visits',
      description: 'Visits are soft-deleted after 90 days and hard-deleted 30 days later',
      basis: 'operational',
      table: 'visits',
      from: 'seen_at',
      stages: [
        { after: '90d', action: 'soft-delete' },
        { after: '30d', action: 'hard-delete' },
      ],
    },
    { id: 'logs', description: 'Logs are deleted after 14 days', basis: 'operational', table: 'logs', from: 'created_at', stages: [{ after: '14d', action: 'hard-delete' }] },
  ],
});

const APP_SQL = `
CREATE TABLE orgs (id text PRIMARY KEY);
CREATE TABLE members (org_id text NOT NULL REFERENCES orgs (id), id uuid NOT NULL DEFAULT gen_random_uuid(), name text, deleted_at timestamptz, PRIMARY KEY (org_id, id));
CREATE TABLE visits (
  org_id text NOT NULL, id bigint GENERATED ALWAYS AS IDENTITY, member_id uuid NOT NULL, path text NOT NULL,
  seen_at timestamptz NOT NULL, deleted_at timestamptz,
  PRIMARY KEY (org_id, id), FOREIGN KEY (org_id, member_id) REFERENCES members (org_id, id)
);
CREATE TABLE logs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, line text NOT NULL, created_at timestamptz NOT NULL);`;

describe(`retention executor (${testBackend()})`, () => {
  let db: TestDatabase;
  let schema: DatabaseSchema;
  let ada: string;
  let bob: string;
  before(async () => {
    db = await openTestDatabase();
    await migrate(db, coreMigrations());
    await db.exec(APP_SQL);
    schema = await introspect(db);
  });
  after(async () => db.close());
  beforeEach(async () => {
    await db.exec(`DELETE FROM visits; DELETE FROM logs; DELETE FROM members; DELETE FROM orgs; INSERT INTO orgs VALUES ('o1'), ('o2');`);
    await db.exec(`UPDATE custodian.legal_holds SET lifted_at = now(), lifted_by_type = 'system', lifted_by_id = 'test' WHERE lifted_at IS NULL`);
    const member = async (org: string, name: string) => (await db.query<{ id: string }>(`INSERT INTO members (org_id, name) VALUES ($1, $2) RETURNING id`, [org, name])).rows[0]!.id;
    ada = await member('o1', 'Ada');
    bob = await member('o2', 'Bob');
  });

  const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;

  test('a row is due when its age reaches the period: a day before the boundary it stays, on and after it goes', async () => {
    for (const [line, days] of [['before', 13], ['on', 14], ['after', 15]] as const) {
      await db.query('INSERT INTO logs (line, created_at) VALUES ($1, $2)', [line, daysBefore(days)]);
    }
    const plan = await planRetention(db, policy, schema, { clock: at(T), rules: ['logs'] });
    assert.deepEqual(plan.steps.map((s) => [s.rule, s.dueNow, s.dueWithinHorizon]), [['logs', 2, 1]]);
    const result = await runRetention(db, policy, schema, { clock: at(T), rules: ['logs'] });
    assert.equal(result.steps[0]!.rows, 2);
    assert.deepEqual((await db.query<{ line: string }>('SELECT line FROM logs')).rows.map((r) => r.line), ['before']);
  });

  test('chained stages: soft delete at the run’s time, hard delete counting from it', async () => {
    await db.query(`INSERT INTO visits (org_id, member_id, path, seen_at) VALUES ('o1', $1, '/a', $2), ('o1', $1, '/b', $3)`, [ada, daysBefore(91), daysBefore(89)]);
    await runRetention(db, policy, schema, { clock: at(T), rules: ['visits'] });
    const soft = await db.query<{ path: string; deleted_at: Date | null }>('SELECT path, deleted_at FROM visits ORDER BY path');
    assert.deepEqual(soft.rows.map((r) => [r.path, r.deleted_at?.toISOString() ?? null]), [['/a', T.toISOString()], ['/b', null]]);
    // 29 days later the soft-deleted visit is still there; at 30 days it goes.
    await runRetention(db, policy, schema, { clock: at(new Date(T.getTime() + 29 * DAY)), rules: ['visits'] });
    assert.equal(await count(`visits WHERE path = '/a'`), 1);
    const r = await runRetention(db, policy, schema, { clock: at(new Date(T.getTime() + 30 * DAY)), rules: ['visits'] });
    assert.equal(await count(`visits WHERE path = '/a'`), 0);
    // '/b' reached 90 days at the T+29 run and was soft-deleted then; its own 30 days start there.
    assert.deepEqual(r.steps.map((s) => [s.stage, s.action, s.rows]), [[1, 'soft-delete', 0], [2, 'hard-delete', 1]]);
    const b = await db.query<{ deleted_at: Date }>(`SELECT deleted_at FROM visits WHERE path = '/b'`);
    assert.equal(b.rows[0]!.deleted_at.toISOString(), new Date(T.getTime() + 29 * DAY).toISOString());
  });

  for (const indexed of [false, true]) {
    test(`keyset batches cover every due row across batch boundaries, ties in the age column included (${indexed ? 'paged by the indexed age column' : 'paged by primary key'})`, async () => {
      if (indexed) await db.exec('CREATE INDEX logs_created_at ON logs (created_at)');
      try {
        // Many rows share one timestamp, so batch boundaries fall inside ties.
        await db.query(`INSERT INTO logs (line, created_at) SELECT 'l' || g, $1::timestamptz - (g % 3) * interval '1 day' FROM generate_series(1, 2345) g`, [daysBefore(20)]);
        await db.query(`INSERT INTO logs (line, created_at) SELECT 'keep' || g, $1 FROM generate_series(1, 100) g`, [daysBefore(1)]);
        const progress: number[] = [];
        const result = await runRetention(db, policy, schema, { clock: at(T), rules: ['logs'], initialBatchRows: 100, maxBatchRows: 400, progress: (p) => progress.push(p.rows) });
        assert.equal(result.steps[0]!.rows, 2345);
        assert.ok(result.steps[0]!.batches >= 6, `batches: ${result.steps[0]!.batches}`);
        assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
        assert.equal(await count('logs'), 100);
        assert.equal(await count(`logs WHERE line LIKE 'keep%'`), 100);
      } finally {
        if (indexed) await db.exec('DROP INDEX logs_created_at');
      }
    });
  }

  test('a row an application write makes not due while the batch waits for its lock is left alone', { skip: testBackend() === 'pglite' && 'one connection: the application write and the sweep cannot overlap' }, async () => {
    await db.query(`INSERT INTO logs (line, created_at) VALUES ('revived', $1), ('old', $1)`, [daysBefore(20)]);
    let run: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      // The application touches the row (now not due) and holds its lock; the sweep starts and waits for it.
      await tx.query(`UPDATE logs SET created_at = $1 WHERE line = 'revived'`, [T]);
      run = runRetention(db, policy, schema, { clock: at(T), rules: ['logs'] });
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    await run;
    assert.deepEqual((await db.query<{ line: string }>('SELECT line FROM logs')).rows.map((r) => r.line), ['revived']);
  });

  test('an erasure whose precondition fails inside its transaction, with the person locked, erases nothing', async () => {
    await db.query(`INSERT INTO visits (org_id, member_id, path, seen_at) VALUES ('o1', $1, '/a', $2)`, [ada, daysBefore(1)]);
    class Changed extends Error {}
    let checked = 0;
    await assert.rejects(
      eraseSubject(db, policy, schema, { subject: 'member', key: ada, tenant: 'o1' }, { precondition: async () => { checked++; throw new Changed(); } }),
      (e: unknown) => e instanceof Changed,
    );
    assert.ok(checked >= 1);
    assert.equal(await count(`members WHERE id = $1 AND name = 'Ada'`, [ada]), 1);
    assert.equal(await count('visits'), 1);
  });

  test('a run stopped between batches keeps what it committed, and the next run finishes', async () => {
    await db.query(`INSERT INTO logs (line, created_at) SELECT 'l' || g, $1 FROM generate_series(1, 500) g`, [daysBefore(20)]);
    const stop = new AbortController();
    await assert.rejects(
      runRetention(db, policy, schema, { clock: at(T), rules: ['logs'], initialBatchRows: 50, maxBatchRows: 50, progress: (p) => p.batches === 3 && stop.abort(), signal: stop.signal }),
      (e: Error) => e.name === 'AbortError',
    );
    assert.equal(await count('logs'), 350);
    const { rows } = await db.query<{ id: string; state: string; error_code: string; steps: Array<{ rule: string; rows: number }> }>(`SELECT id, state, error_code, steps FROM custodian.retention_runs ORDER BY id DESC LIMIT 1`);
    assert.deepEqual([rows[0]!.state, rows[0]!.error_code, rows[0]!.steps.map((s) => [s.rule, s.rows])], ['failed', 'ABORTED', [['logs', 150]]]);
    // What the stopped run did is in the audit log too.
    const audit = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.audit_events WHERE action = 'retention.run' AND target_id = $1 AND metadata::jsonb @> '{"rows":150,"state":"failed"}'`, [rows[0]!.id]);
    assert.equal(audit.rows[0]!.n, 1);
    await runRetention(db, policy, schema, { clock: at(T), rules: ['logs'] });
    assert.equal(await count('logs'), 0);
  });

  test('a rule another runner holds is skipped, and its lease fences a stalled runner', async () => {
    await db.query(`INSERT INTO logs (line, created_at) VALUES ('x', $1)`, [daysBefore(20)]);
    await db.query(`INSERT INTO custodian.retention_leases (rule_id, holder, acquired_at, expires_at) VALUES ('logs', 'other-host:1:aa', now(), now() + interval '1 minute')`);
    try {
      const result = await runRetention(db, policy, schema, { clock: at(T), rules: ['logs'] });
      assert.equal(result.steps[0]!.skipped, 'locked');
      assert.equal(await count('logs'), 1);
      // An expired lease is taken over.
      await db.query(`UPDATE custodian.retention_leases SET expires_at = now() - interval '1 second' WHERE rule_id = 'logs'`);
      const again = await runRetention(db, policy, schema, { clock: at(T), rules: ['logs'] });
      assert.equal(again.steps[0]!.rows, 1);
    } finally {
      await db.query(`DELETE FROM custodian.retention_leases WHERE rule_id = 'logs'`);
    }
  });

  test('legal holds on a tenant and on a person keep their rows, and lifting lets the next run take them', async () => {
    await db.query(`INSERT INTO visits (org_id, member_id, path, seen_at) VALUES ('o1', $1, '/ada', $3), ('o2', $2, '/bob', $3)`, [ada, bob, daysBefore(200)]);
    const actor = { type: 'operator', id: 'legal@acme.example' } as const;
    const onTenant = await placeHold(db, policy, schema, { tenant: 'o2', reason: 'litigation', reference: 'CASE-1', actor });
    const onAda = await placeHold(db, policy, schema, { subject: { subject: 'member', key: ada, tenant: 'o1' }, reason: 'regulator inquiry', actor });
    const plan = await planRetention(db, policy, schema, { clock: at(T), rules: ['visits'] });
    assert.deepEqual(plan.steps.map((s) => [s.stage, s.dueNow, s.held]), [[1, 0, 2], [2, 0, 0]]);
    await runRetention(db, policy, schema, { clock: at(T), rules: ['visits'] });
    assert.equal(await count('visits WHERE deleted_at IS NULL'), 2);
    await assert.rejects(eraseSubject(db, policy, schema, { subject: 'member', key: ada, tenant: 'o1' }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_DSAR_REFUSED');
    assert.equal((await listHolds(db)).length, 2);
    await liftHold(db, onTenant.id, { reason: 'case closed', actor });
    await runRetention(db, policy, schema, { clock: at(T), rules: ['visits'] });
    assert.deepEqual((await db.query<{ path: string }>('SELECT path FROM visits WHERE deleted_at IS NOT NULL')).rows.map((r) => r.path), ['/bob']);
    await liftHold(db, onAda.id, { reason: 'inquiry closed', actor });
    await assert.rejects(liftHold(db, onAda.id, { reason: 'again', actor }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_RETENTION_HOLD_LIFTED');
    await runRetention(db, policy, schema, { clock: at(T), rules: ['visits'] });
    assert.equal(await count('visits WHERE deleted_at IS NULL'), 0);
    const events = await db.query<{ action: string; tenant_id: string }>(`SELECT action, tenant_id FROM custodian.audit_events WHERE action LIKE 'retention.hold.%' ORDER BY tenant_id, seq`);
    assert.deepEqual(events.rows.slice(-4).map((e) => `${e.tenant_id}:${e.action}`).sort(), ['o1:retention.hold.lifted', 'o1:retention.hold.placed', 'o2:retention.hold.lifted', 'o2:retention.hold.placed']);
  });

  test('bad input is refused with a clear code and changes nothing', async () => {
    await db.query(`INSERT INTO logs (line, created_at) VALUES ('x', $1)`, [daysBefore(20)]);
    await assert.rejects(runRetention(db, policy, schema, { rules: ['nope'] }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_RETENTION_INVALID' && /visits/.test(e.hint ?? ''));
    await assert.rejects(planRetention(db, policy, schema, { horizon: 'soon' }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_RETENTION_INVALID');
    await assert.rejects(placeHold(db, policy, schema, { tenant: 'o1', reason: '  ', actor: { type: 'operator', id: 'x' } }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_RETENTION_INVALID');
    await assert.rejects(placeHold(db, policy, schema, { subject: { subject: 'member', key: 'not-a-uuid', tenant: 'o1' }, reason: 'r', actor: { type: 'operator', id: 'x' } }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_DSAR_SUBJECT_NOT_FOUND');
    await assert.rejects(liftHold(db, 999_999, { reason: 'r', actor: { type: 'operator', id: 'x' } }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_RETENTION_HOLD_NOT_FOUND');
    assert.equal(await count('logs'), 1);
  });

  test('a delete a foreign key refuses rolls its batch back, names the table, and the other steps still run', async () => {
    await db.query(`INSERT INTO logs (line, created_at) VALUES ('cited', $1)`, [daysBefore(20)]);
    await db.query(`INSERT INTO visits (org_id, member_id, path, seen_at) VALUES ('o1', $1, '/old', $2)`, [ada, daysBefore(200)]);
    await db.exec(`CREATE TABLE log_citations (log_id bigint NOT NULL REFERENCES logs (id)); INSERT INTO log_citations SELECT id FROM logs`);
    try {
      const result = await runRetention(db, policy, schema, { clock: at(T) });
      assert.equal(result.state, 'failed');
      const logs = result.steps.find((s) => s.rule === 'logs')!;
      assert.equal(logs.error?.code, 'ERR_RETENTION_REFUSED');
      assert.match(logs.error!.message, /logs/);
      assert.equal(await count('logs'), 1);
      // The visits rule ran all the same, before and regardless of the failed one.
      assert.equal(await count('visits WHERE deleted_at IS NOT NULL'), 1);
      const run = await db.query<{ state: string; error_code: string }>('SELECT state, error_code FROM custodian.retention_runs WHERE id = $1', [result.runId]);
      assert.deepEqual(run.rows[0], { state: 'failed', error_code: 'ERR_RETENTION_REFUSED' });
    } finally {
      await db.exec('DROP TABLE log_citations');
    }
  });

  test('a hold matches however the key was written, and a hold on a tenant that does not exist is refused', async () => {
    const actor = { type: 'operator', id: 'legal@acme.example' } as const;
    const hold = await placeHold(db, policy, schema, { subject: { subject: 'member', key: ada.toUpperCase(), tenant: 'o1' }, reason: 'inquiry', actor });
    assert.equal(hold.subject?.key, ada, 'stored as the database prints it');
    await assert.rejects(eraseSubject(db, policy, schema, { subject: 'member', key: ada.toUpperCase(), tenant: 'o1' }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_DSAR_REFUSED');
    await assert.rejects(placeHold(db, policy, schema, { tenant: 'no-such-org', reason: 'r', actor }), (e: unknown) => isCustodianError(e) && e.code === 'ERR_RETENTION_INVALID');
  });

  test('every run is recorded and audited with its counts per step', async () => {
    await db.query(`INSERT INTO logs (line, created_at) VALUES ('x', $1), ('y', $1)`, [daysBefore(20)]);
    const result = await runRetention(db, policy, schema, { clock: at(T), trigger: 'test' });
    const run = await db.query<{ state: string; trigger: string; as_of: Date }>('SELECT state, trigger, as_of FROM custodian.retention_runs WHERE id = $1', [result.runId]);
    assert.deepEqual([run.rows[0]!.state, run.rows[0]!.trigger, run.rows[0]!.as_of.toISOString()], ['succeeded', 'test', T.toISOString()]);
    const audit = await db.query<{ action: string; metadata: { rows: number; steps: Array<{ rule: string; rows: number; skipped?: string }> } }>(
      `SELECT action, metadata::jsonb AS metadata FROM custodian.audit_events WHERE action = 'retention.run' AND target_id = $1`,
      [String(result.runId)],
    );
    assert.equal(audit.rows[0]!.metadata.rows, 2);
    assert.deepEqual(audit.rows[0]!.metadata.steps.map((s) => [s.rule, s.rows, s.skipped ?? null]), [['visits', 0, null], ['visits', 0, null], ['logs', 2, null], ['audit.retention', 0, 'no-archive']]);
    const step = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM custodian.audit_events WHERE action = 'retention.step' AND metadata::jsonb @> '{"rule":"logs","rows":2}'`);
    assert.ok(step.rows[0]!.n >= 1);
  });

  test('C17: the published retention table lists exactly the steps a run executes, and nothing else but log retention', async () => {
    const result = await runRetention(db, policy, schema, { clock: at(T) });
    // An inactivity rule runs as two steps (notice, erasure) and is published as one entry.
    const executed = result.steps.filter((s) => s.action !== 'erase-after-notice').map((s) => `${s.rule}#${s.stage}`);
    const published = retentionSchedule(policy).map((e) => `${e.ruleId}#${e.stage}`);
    assert.deepEqual(executed, retentionSteps(policy).filter((s) => s.action !== 'erase-after-notice').map((s) => `${s.rule}#${s.stage}`));
    // Log retention (A6) is published but kept by the log pipeline, not by this executor.
    assert.deepEqual(published.filter((id) => !id.startsWith('logging.')), executed);
  });
});
