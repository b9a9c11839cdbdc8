import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAuditAppender, queryAuditEvents, verifyAuditLog } from '@custodian/core/audit';
import type { Database } from '@custodian/core/db';
import { testBackend } from '@custodian/core/testing';
import { hideProject, seed } from '../src/index.js';
import { openMigrated } from './helpers.js';

describe(`app-platform: operator actions in the audit log (${testBackend()})`, () => {
  let db: Database;
  const audit = createAuditAppender();
  before(async () => {
    db = await openMigrated();
    await seed(db, { subjects: 200, seed: 'audit' });
  });
  after(() => db.close());

  test('C4, C19: an operator hiding a project writes project.hide, with the reason and ticket, into that project’s chain; the chain verifies', async () => {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM projects WHERE NOT hidden ORDER BY id LIMIT 1`);
    const project = rows[0]!.id;
    await hideProject(db, audit, { project, reason: 'malware report', ticket: 'T-981', actor: { type: 'operator', id: 'op-3' } });
    await assert.rejects(hideProject(db, audit, { project, reason: 'again', actor: { type: 'operator', id: 'op-3' } }), /no visible project/);
    const events = (await queryAuditEvents(db, { tenant: project })).events;
    assert.deepEqual(events.map((e) => [e.action, e.actor, e.purpose, e.metadata]), [['project.hide', { type: 'operator', id: 'op-3' }, 'malware report', { ticket: 'T-981' }]]);
    const { rows: after } = await db.query<{ hidden: boolean; gate_reason: string }>(`SELECT hidden, gate_reason FROM projects WHERE id = $1`, [project]);
    assert.deepEqual(after[0], { hidden: true, gate_reason: 'malware report' });
    assert.equal((await verifyAuditLog(db, { tenant: project })).ok, true);
  });
});
