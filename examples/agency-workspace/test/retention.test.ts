import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { planRetention, retentionSteps, runRetention } from '@custodian/core/retention';
import { testBackend } from '@custodian/core/testing';
import { startSmtp } from '../../../packages/core/test/dsar/smtp.js';
import { DEFAULT_SEED_NOW, policy, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

/**
 * Tables a retention run writes to by design whatever it finds: its own run
 * record and lease, and the audit event that records the run (C6). Every
 * other table, the application's and Custodian's, must come out as it went in.
 */
const RUN_BOOKKEEPING = new Set(['custodian.retention_runs', 'custodian.retention_leases', 'custodian.audit_events', 'custodian.audit_heads']);

/** Row count and a digest of every row, per table, for every table of the database. */
async function everyTable(db: Database): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema IN ('public', 'custodian') ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (RUN_BOOKKEEPING.has(name)) continue;
    const { rows } = await db.query<{ d: string; n: number }>(`SELECT md5(coalesce(string_agg(to_jsonb(t)::text, '|' ORDER BY to_jsonb(t)::text), '')) AS d, count(*)::int AS n FROM ${name} t`);
    out[name] = `${rows[0]!.n}:${rows[0]!.d}`;
  }
  return out;
}

describe(`agency-workspace: cancelling a subscription (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let cancelled: string;
  before(async () => {
    smtp = await startSmtp();
    db = await openMigrated();
    await seed(db, { subjects: 150, seed: 'retention' });
    schema = await introspect(db);
    // A paying workspace cancels: it drops to the free trial, long ago.
    const { rows } = await db.query<{ id: string }>(
      `UPDATE workspaces SET subscription_status = 'cancelled', plan = 'free-trial', cancelled_at = $1
        WHERE id = (SELECT id FROM workspaces WHERE subscription_status = 'active' ORDER BY id LIMIT 1) RETURNING id`,
      [new Date(DEFAULT_SEED_NOW.getTime() - 86_400_000)],
    );
    cancelled = rows[0]!.id;
  });
  after(async () => {
    await db.close();
    await smtp.close();
  });

  test('B8: no retention step of the policy is keyed on the subscription: the only step is audit archival', () => {
    assert.deepEqual(retentionSteps(policy).map((s) => [s.rule, s.action]), [['audit.retention', 'audit-archive']]);
  });

  test('B8: cancelling a subscription deletes nothing by itself: a retention run 70 years after the cancellation changes no row of any table', async () => {
    const farFuture = new Date('2096-11-01T00:00:00Z');
    const workspaceRows = async () =>
      (await db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM workspace_members WHERE workspace_id = $1) + (SELECT count(*) FROM workrooms WHERE workspace_id = $1)
              + (SELECT count(*) FROM messages WHERE workspace_id = $1) + (SELECT count(*) FROM integrations WHERE workspace_id = $1)
              + (SELECT count(*) FROM activity WHERE workspace_id = $1) AS n`,
        [cancelled],
      )).rows[0]!.n;
    const held = await workspaceRows();
    assert.ok(held > 0, 'the cancelled workspace has data to lose');
    const before = await everyTable(db);
    const { rows: chains } = await db.query<{ tenant_id: string; n: number }>(`SELECT tenant_id, count(*)::int AS n FROM custodian.audit_events GROUP BY 1 ORDER BY 1`);

    const plan = await planRetention(db, policy, schema, { clock: () => farFuture });
    for (const s of plan.steps.filter((s) => s.rule !== 'audit.retention')) assert.equal(s.dueNow, 0, `${s.rule} plans nothing`);
    // Every option a deployment gives the runner, except the audit archive: archiving
    // old audit events is C6's business and would move audit rows, not delete data.
    const result = await runRetention(db, policy, schema, {
      clock: () => farFuture,
      mailer: { smtp: smtp.url, from: 'privacy@atelier-workspace.example', organization: 'Atelier Workspace' },
      trigger: 'test',
    });
    assert.equal(result.rows, 0);
    assert.deepEqual(result.steps.map((s) => [s.rule, s.rows, s.skipped]), [['audit.retention', 0, 'no-archive']]);
    assert.deepEqual(await everyTable(db), before, 'every table, row for row');
    assert.equal(await workspaceRows(), held);
    assert.equal(smtp.mails.length, 0, 'nobody is told their data will go');

    // The run's own audit record is the only event written, in the platform chain.
    const { rows: afterChains } = await db.query<{ tenant_id: string; n: number }>(`SELECT tenant_id, count(*)::int AS n FROM custodian.audit_events GROUP BY 1 ORDER BY 1`);
    const grew = afterChains.filter((c) => c.n !== chains.find((b) => b.tenant_id === c.tenant_id)?.n);
    assert.deepEqual(grew.map((c) => c.tenant_id), ['_platform']);
    const { rows: newEvents } = await db.query<{ action: string }>(`SELECT action FROM custodian.audit_events WHERE tenant_id = '_platform' ORDER BY seq DESC LIMIT $1`, [
      grew[0]!.n - (chains.find((b) => b.tenant_id === '_platform')?.n ?? 0),
    ]);
    assert.deepEqual(newEvents.map((e) => e.action), ['retention.run']);
  });
});
