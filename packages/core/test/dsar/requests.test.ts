import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyAuditLog } from '@custodian/core/audit';
import { APP_ROLE } from '@custodian/core/db';
import {
  assertNotRestricted,
  completeRequest,
  createRequest,
  dueSoon,
  extendDeadline,
  getRequest,
  isRestricted,
  liftRestriction,
  listRequests,
  overdue,
  rejectRequest,
  requestHistory,
  startRequest,
  verifyIdentity,
  PLATFORM_TENANT,
} from '@custodian/core/dsar';
import { CustodianError } from '@custodian/core/errors';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { manualClock, openQueueDatabase } from '../jobs/helpers.js';

const DAY = 86_400_000;
const codeOf = (code: string) => (e: unknown) => e instanceof CustodianError && e.code === code;
const operator = { type: 'operator' as const, id: 'op-1' };

describe(`data subject requests (${testBackend()})`, () => {
  let db: TestDatabase;
  let n = 0;
  /** A person of their own for each test, so tests do not see each other's requests. */
  const person = (tenant = 'acme') => ({ subject: 'candidate', key: `cand-${++n}`, tenant });
  const eventCount = async (tenant: string) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.audit_events WHERE tenant_id = $1', [tenant])).rows[0]!.n;

  before(async () => {
    db = await openQueueDatabase();
  });
  after(() => db?.close());

  test('B7: every request gets a deadline (GDPR 30 days) and is tracked to completion', async () => {
    const t = manualClock();
    const who = person();
    const created = await createRequest(db, { person: who, identity: 'email', kind: 'access' }, { clock: t.clock, actor: operator });
    assert.equal(created.status, 'received');
    assert.equal(created.jurisdiction, 'gdpr');
    assert.equal(created.receivedAt.getTime(), t.now().getTime());
    assert.equal(created.dueAt.getTime() - created.receivedAt.getTime(), 30 * DAY);
    assert.deepEqual(created.person, who);
    t.advance(DAY);
    const verified = await verifyIdentity(db, created.id, { method: 'email-link' }, { clock: t.clock, actor: operator });
    assert.equal(verified.status, 'verified');
    t.advance(DAY);
    assert.equal((await startRequest(db, created.id, { clock: t.clock })).status, 'in_progress');
    t.advance(DAY);
    const done = await completeRequest(db, created.id, { result: { artifact: 'exp-1', tables: 3 } }, { clock: t.clock });
    assert.equal(done.status, 'completed');
    assert.equal(done.completedAt!.getTime(), t.now().getTime());
    assert.deepEqual(done.result, { artifact: 'exp-1', tables: 3 });
    assert.equal(done.late, false);
    const again = await getRequest(db, created.id);
    assert.deepEqual({ ...again, overdue: undefined }, { ...done, overdue: undefined });

    const history = await requestHistory(db, done);
    assert.deepEqual(history.map((e) => e.action), ['dsar.received', 'dsar.verified', 'dsar.started', 'dsar.completed']);
    assert.deepEqual(history.map((e) => e.at.getTime() - created.receivedAt.getTime()), [0, DAY, 2 * DAY, 3 * DAY]);
    assert.deepEqual(history[0]!.actor, operator);
    assert.equal(history[3]!.metadata.on_time, true);
    const { rows } = await db.query<{ subject_id: string }>(`SELECT DISTINCT subject_id FROM custodian.audit_events WHERE target_id = $1`, [created.id]);
    assert.deepEqual(rows, [{ subject_id: who.key }], 'every event names the person');

    const ccpa = await createRequest(db, { person: person(), identity: 'email', kind: 'access', jurisdiction: 'ccpa' }, { clock: t.clock });
    assert.equal(ccpa.dueAt.getTime() - ccpa.receivedAt.getTime(), 45 * DAY);
    const custom = await createRequest(db, { person: person(), identity: 'email', kind: 'access', jurisdiction: 'lgpd' }, { clock: t.clock, jurisdictions: { lgpd: { days: 15, maxExtensionDays: 0 } } });
    assert.equal(custom.deadline.getTime() - custom.receivedAt.getTime(), 15 * DAY);
  });

  test('B7: a change the status does not allow is refused with a clear error and writes nothing; the chain stays intact', async () => {
    const t = manualClock();
    const r = await createRequest(db, { person: person('strict'), identity: 'id', kind: 'erasure' }, { clock: t.clock });
    const before = await eventCount('strict');
    await assert.rejects(startRequest(db, r.id, { clock: t.clock }), (e: unknown) => codeOf('ERR_DSAR_TRANSITION')(e) && /cannot start a request that is received/.test((e as Error).message));
    await assert.rejects(completeRequest(db, r.id, {}, { clock: t.clock }), codeOf('ERR_DSAR_TRANSITION'));
    await verifyIdentity(db, r.id, { method: 'document' }, { clock: t.clock });
    await assert.rejects(verifyIdentity(db, r.id, { method: 'document' }, { clock: t.clock }), codeOf('ERR_DSAR_TRANSITION'));
    await rejectRequest(db, r.id, { reason: 'manifestly unfounded' }, { clock: t.clock });
    for (const change of [() => completeRequest(db, r.id), () => startRequest(db, r.id), () => rejectRequest(db, r.id, { reason: 'again' }), () => extendDeadline(db, r.id, { days: 5, reason: 'x' })]) {
      await assert.rejects(change(), (e: unknown) => codeOf('ERR_DSAR_TRANSITION')(e) && /rejected/.test((e as Error).message));
    }
    assert.equal(await eventCount('strict'), before + 2, 'only verified and rejected were written');
    const rejected = (await getRequest(db, r.id))!;
    assert.equal(rejected.rejectionReason, 'manifestly unfounded');
    // The database refuses the same moves to anyone, the owner included.
    await assert.rejects(db.query(`UPDATE custodian.dsar_requests SET status = 'received' WHERE id = $1`, [r.id]), /cannot change|cannot move/);
    await assert.rejects(db.query(`UPDATE custodian.dsar_requests SET due_at = due_at + interval '1 year' WHERE id = $1`, [r.id]), /cannot change/);
    await assert.rejects(getRequest(db, r.id).then((x) => completeRequest(db, x!.id)), codeOf('ERR_DSAR_TRANSITION'));
    await assert.rejects(verifyIdentity(db, '00000000-0000-4000-8000-000000000000', { method: 'x' }), codeOf('ERR_DSAR_NOT_FOUND'));
    await assert.rejects(verifyIdentity(db, 'not-a-uuid', { method: 'x' }), codeOf('ERR_DSAR_NOT_FOUND'));
    const report = await verifyAuditLog(db, { tenant: 'strict' });
    assert.deepEqual(report.tenants.map((x) => x.problems.length), [0]);
  });

  test('C11: a deletion request is due within 30 days, shows as due soon near the end and as overdue after', async () => {
    const t = manualClock('2026-04-01T12:00:00.000Z');
    const r = await createRequest(db, { person: person('self-serve'), identity: 'id', kind: 'erasure', verified: { method: 'signed-in' } }, { clock: t.clock, actor: { type: 'user', id: 'cand' } });
    assert.equal(r.status, 'verified', 'a signed-in person asking for themselves is verified at once');
    assert.ok(r.deadline.getTime() - r.receivedAt.getTime() <= 30 * DAY);
    const ids = (list: { id: string }[]) => list.map((x) => x.id).filter((id) => id === r.id);
    t.advance(20 * DAY);
    assert.deepEqual(ids(await dueSoon(db, 5, { clock: t.clock })), []);
    assert.deepEqual(ids(await dueSoon(db, 10, { clock: t.clock })), [r.id]);
    assert.deepEqual(ids(await overdue(db, { clock: t.clock })), []);
    t.advance(10 * DAY);
    assert.deepEqual(ids(await overdue(db, { clock: t.clock })), [], 'due at the end of day 30, not before');
    t.advance(1);
    assert.deepEqual(ids(await overdue(db, { clock: t.clock })), [r.id]);
    assert.deepEqual(ids(await dueSoon(db, 5, { clock: t.clock })), [], 'overdue is not "due soon"');
    assert.equal((await getRequest(db, r.id, { clock: t.clock }))!.overdue, true);
    t.advance(DAY);
    const done = await completeRequest(db, r.id, { result: { rows: 12 } }, { clock: t.clock });
    assert.equal(done.late, true);
    assert.deepEqual(ids(await overdue(db, { clock: t.clock })), []);
    const history = await requestHistory(db, done);
    assert.deepEqual(history.map((e) => e.action), ['dsar.received', 'dsar.verified', 'dsar.completed']);
    assert.equal(history[2]!.metadata.on_time, false);
  });

  test('B7: a deadline is extended within the jurisdiction\'s limit (GDPR 60 days, CCPA 45) and refused beyond it or after the first deadline', async () => {
    const t = manualClock();
    const r = await createRequest(db, { person: person(), identity: 'email', kind: 'access' }, { clock: t.clock });
    const once = await extendDeadline(db, r.id, { days: 40, reason: 'archives restored from cold storage' }, { clock: t.clock, actor: operator });
    assert.equal(once.deadline.getTime() - r.dueAt.getTime(), 40 * DAY);
    assert.equal(once.dueAt.getTime(), r.dueAt.getTime(), 'the first deadline stays on record');
    await assert.rejects(extendDeadline(db, r.id, { days: 21, reason: 'more' }, { clock: t.clock }), (e: unknown) => codeOf('ERR_DSAR_EXTENSION_REFUSED')(e) && /60 days in all/.test((e as Error).message));
    const twice = await extendDeadline(db, r.id, { days: 20, reason: 'more systems to search' }, { clock: t.clock });
    assert.equal(twice.extendedDays, 60);
    assert.equal(twice.deadline.getTime() - r.receivedAt.getTime(), 90 * DAY);
    await assert.rejects(extendDeadline(db, r.id, { days: 1, reason: 'more' }, { clock: t.clock }), codeOf('ERR_DSAR_EXTENSION_REFUSED'));

    const ccpa = await createRequest(db, { person: person(), identity: 'email', kind: 'erasure', jurisdiction: 'ccpa' }, { clock: t.clock });
    await assert.rejects(extendDeadline(db, ccpa.id, { days: 46, reason: 'x' }, { clock: t.clock }), codeOf('ERR_DSAR_EXTENSION_REFUSED'));
    t.advance(45 * DAY + 1);
    await assert.rejects(extendDeadline(db, ccpa.id, { days: 10, reason: 'too late' }, { clock: t.clock }), (e: unknown) => codeOf('ERR_DSAR_EXTENSION_REFUSED')(e) && /first deadline has passed/.test((e as Error).message));
    await assert.rejects(extendDeadline(db, ccpa.id, { days: 0, reason: 'x' }, { clock: t.clock }), codeOf('ERR_DSAR_REQUEST_INVALID'));
    await assert.rejects(extendDeadline(db, ccpa.id, { days: 5, reason: ' ' }, { clock: t.clock }), codeOf('ERR_DSAR_REQUEST_INVALID'));
    const history = await requestHistory(db, r);
    assert.deepEqual(history.map((e) => [e.action, e.metadata.days ?? null, e.metadata.total_days ?? null]), [['dsar.received', null, null], ['dsar.extended', 40, 40], ['dsar.extended', 20, 60]]);
    assert.equal(history[1]!.metadata.reason, 'archives restored from cold storage');
  });

  test('C12: rectification, objection and restriction requests are recorded and tracked', async () => {
    const t = manualClock();
    const who = person('c12');
    const rect = await createRequest(db, { person: who, identity: 'email', kind: 'rectification', details: { field: 'name', correction: 'Ada King' } }, { clock: t.clock });
    const objection = await createRequest(db, { person: who, identity: 'email', kind: 'objection', details: { processing: 'marketing' } }, { clock: t.clock });
    const restriction = await createRequest(db, { person: who, identity: 'email', kind: 'restriction', details: { reason: 'accuracy contested' } }, { clock: t.clock });
    assert.deepEqual(rect.details, { field: 'name', correction: 'Ada King' });
    for (const r of [rect, objection, restriction]) assert.equal(r.deadline.getTime() - r.receivedAt.getTime(), 30 * DAY);
    const bads: Array<{ kind: 'rectification' | 'objection'; details: Record<string, string> }> = [
      { kind: 'rectification' as const, details: {} },
      { kind: 'objection' as const, details: {} },
      { kind: 'objection' as const, details: { processing: 'Not A Name' } },
      { kind: 'portability' as never, details: {} },
    ];
    for (const bad of bads) {
      await assert.rejects(createRequest(db, { person: who, identity: 'email', ...bad }, { clock: t.clock }), codeOf('ERR_DSAR_REQUEST_INVALID'));
    }
    await assert.rejects(createRequest(db, { person: who, identity: 'email', kind: 'access', jurisdiction: 'mars' }), codeOf('ERR_DSAR_REQUEST_INVALID'));

    for (const r of [rect, objection, restriction]) await verifyIdentity(db, r.id, { method: 'email-link' }, { clock: t.clock });
    t.advance(2 * DAY);
    await completeRequest(db, rect.id, { result: { corrected: ['name'] } }, { clock: t.clock, actor: operator });
    await rejectRequest(db, objection.id, { reason: 'compelling legitimate grounds: fraud prevention' }, { clock: t.clock, actor: operator });

    const mine = await listRequests(db, { person: who }, { clock: t.clock });
    assert.deepEqual(mine.map((r) => [r.kind, r.status]).sort(), [['objection', 'rejected'], ['rectification', 'completed'], ['restriction', 'verified']]);
    assert.deepEqual((await listRequests(db, { tenant: 'c12', status: ['verified', 'in_progress'] })).map((r) => r.id), [restriction.id]);
    assert.deepEqual((await listRequests(db, { tenant: 'c12', kind: 'rectification' })).map((r) => r.id), [rect.id]);

    const actions = async (id: string) => (await requestHistory(db, (await getRequest(db, id))!)).map((e) => e.action);
    assert.deepEqual(await actions(rect.id), ['dsar.received', 'dsar.verified', 'dsar.completed']);
    assert.deepEqual(await actions(objection.id), ['dsar.received', 'dsar.verified', 'dsar.restricted', 'dsar.rejected', 'dsar.restriction_lifted']);
    assert.deepEqual(await actions(restriction.id), ['dsar.received', 'dsar.verified', 'dsar.restricted']);
  });

  test('C12: a restricted person\'s processing is refused', async () => {
    const t = manualClock();
    const who = person('restrict-co');
    const bystander = person('restrict-co');
    assert.equal(await isRestricted(db, who), false);
    const objection = await createRequest(db, { person: who, identity: 'email', kind: 'objection', details: { processing: 'marketing' } }, { clock: t.clock });
    assert.equal(await isRestricted(db, who, 'marketing'), false, 'not before the identity is verified');
    await verifyIdentity(db, objection.id, { method: 'signed-in' }, { clock: t.clock });
    assert.equal(await isRestricted(db, who, 'marketing'), true);
    assert.equal(await isRestricted(db, who, 'billing'), false, 'an objection restricts only the processing objected to');
    assert.equal(await isRestricted(db, who), false);

    const restriction = await createRequest(db, { person: who, identity: 'email', kind: 'restriction', verified: { method: 'signed-in' } }, { clock: t.clock });
    assert.equal(await isRestricted(db, who), true);
    assert.equal(await isRestricted(db, who, 'billing'), true, 'a restriction without a named processing covers all');
    await assert.rejects(assertNotRestricted(db, who, 'billing'), (e: unknown) => codeOf('ERR_DSAR_RESTRICTED')(e) && !(e as Error).message.includes(who.key));
    await assertNotRestricted(db, bystander, 'billing');
    assert.equal(await isRestricted(db, { ...who, tenant: 'other-co' }), false, 'restrictions are per tenant');

    // Processing code running as the application role in the person's tenant gets the same answer; another tenant's transaction may not ask.
    assert.equal(await db.transaction((tx) => isRestricted(tx, who), { role: APP_ROLE, tenantId: 'restrict-co' }), true);
    await assert.rejects(db.transaction((tx) => isRestricted(tx, who), { role: APP_ROLE, tenantId: 'other-co' }), /tenant of the transaction/);

    // Completing a restriction request keeps the restriction; lifting it ends it, once, on the record.
    await completeRequest(db, restriction.id, {}, { clock: t.clock });
    assert.equal(await isRestricted(db, who), true);
    await liftRestriction(db, restriction.id, { reason: 'accuracy confirmed' }, { clock: t.clock, actor: operator });
    assert.equal(await isRestricted(db, who), false);
    assert.equal(await isRestricted(db, who, 'marketing'), true, 'the objection still holds');
    await assert.rejects(liftRestriction(db, restriction.id, { reason: 'again' }), codeOf('ERR_DSAR_TRANSITION'));
    const { rows } = await db.query<{ lifted: boolean; lift_reason: string }>(`SELECT lifted_at IS NOT NULL AS lifted, lift_reason FROM custodian.subject_restrictions WHERE request_id = $1`, [restriction.id]);
    assert.deepEqual(rows, [{ lifted: true, lift_reason: 'accuracy confirmed' }]);
    const history = await requestHistory(db, restriction);
    assert.deepEqual(history.map((e) => e.action), ['dsar.received', 'dsar.verified', 'dsar.restricted', 'dsar.completed', 'dsar.restriction_lifted']);

    // A person of no tenant is filed under the platform's chain.
    const platformPerson = { subject: 'user', key: `user-${++n}` };
    const p = await createRequest(db, { person: platformPerson, identity: 'email', kind: 'restriction', verified: { method: 'signed-in' } }, { clock: t.clock });
    assert.equal(p.tenant, PLATFORM_TENANT);
    assert.equal(p.person.tenant, undefined);
    assert.equal(await isRestricted(db, platformPerson), true);
  });

  test('as the application role a tenant sees and changes only its own requests, and cannot delete one', async () => {
    const t = manualClock();
    const mine = await createRequest(db, { person: person('tenant-a'), identity: 'email', kind: 'access' }, { clock: t.clock, role: APP_ROLE, tenant: 'tenant-a' });
    const theirs = await createRequest(db, { person: person('tenant-b'), identity: 'email', kind: 'access' }, { clock: t.clock, role: APP_ROLE, tenant: 'tenant-b' });
    const asA = { role: APP_ROLE, tenant: 'tenant-a', clock: t.clock };
    assert.equal((await getRequest(db, mine.id, asA))?.id, mine.id);
    assert.equal(await getRequest(db, theirs.id, asA), null);
    assert.deepEqual((await listRequests(db, {}, asA)).map((r) => r.tenant), ['tenant-a']);
    await assert.rejects(verifyIdentity(db, theirs.id, { method: 'x' }, asA), codeOf('ERR_DSAR_NOT_FOUND'));
    assert.equal((await verifyIdentity(db, mine.id, { method: 'signed-in' }, asA)).status, 'verified');
    await assert.rejects(createRequest(db, { person: person('tenant-b'), identity: 'email', kind: 'access' }, asA), /row-level security|policy/);
    await assert.rejects(db.transaction((tx) => tx.query('DELETE FROM custodian.dsar_requests WHERE id = $1', [mine.id]), { role: APP_ROLE, tenantId: 'tenant-a' }), /permission denied/);
    await assert.rejects(db.transaction((tx) => tx.query('UPDATE custodian.dsar_requests SET subject_key = $2 WHERE id = $1', [mine.id, 'someone-else']), { role: APP_ROLE, tenantId: 'tenant-a' }), /permission denied/);
  });
});
