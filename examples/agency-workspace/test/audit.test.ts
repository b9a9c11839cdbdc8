import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAuditAppender, queryAuditEvents, verifyAuditLog } from '@custodian/core/audit';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { changeMemberRole, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

describe(`agency-workspace: admin actions in the audit log (${testBackend()})`, () => {
  let db: Database;
  const audit = createAuditAppender();
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 200, seed: 'audit' });
  });
  after(() => db.close());

  test('B3, C4: a role change and its audit event commit together in the workspace’s chain; a refused change leaves neither; the chain verifies', async () => {
    const { rows } = await db.query<{ workspace_id: string; user_id: string; role: string }>(
      `SELECT workspace_id, user_id, role FROM workspace_members WHERE role IN ('member', 'viewer') ORDER BY workspace_id, user_id LIMIT 1`,
    );
    const m = rows[0]!;
    const { rows: owners } = await db.query<{ user_id: string }>(`SELECT user_id FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [m.workspace_id]);
    const actor = { type: 'member' as const, id: owners[0]!.user_id };
    const { from } = await changeMemberRole(db, audit, { workspace: m.workspace_id, user: m.user_id, role: 'admin', actor });
    assert.equal(from, m.role);
    await assert.rejects(changeMemberRole(db, audit, { workspace: m.workspace_id, user: owners[0]!.user_id, role: 'viewer', actor }), /ownership/);

    const events = (await queryAuditEvents(db, { tenant: m.workspace_id, action: 'member.*' })).events;
    assert.deepEqual(events.map((e) => [e.action, e.actor.id, e.target, e.subject, e.metadata]), [
      ['member.role_change', actor.id, { type: 'user', id: m.user_id }, m.user_id, { from: m.role, to: 'admin' }],
    ]);
    const { rows: now } = await db.query<{ role: string }>(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [m.workspace_id, m.user_id]);
    assert.equal(now[0]!.role, 'admin');
    assert.equal((await verifyAuditLog(db, { tenant: m.workspace_id })).ok, true);
  });
});
