import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isOperator, listGrants, openGrant, resolveSession, revokeGrant, setOperator } from '@custodian/core/auth';
import { queryAuditEvents } from '@custodian/core/audit';
import { testBackend, type TestDatabase } from '@custodian/core/testing';
import { code, openAuthDatabase, policyWith, signInAs } from './helpers.js';

const WHY = 'customer asked us to debug their export';
const HOUR = 3600;

describe(`operator grants (${testBackend()})`, () => {
  let db: TestDatabase;
  let operator: { id: string; token: string };
  let bystander: { id: string; token: string };
  const policy = policyWith();
  before(async () => {
    db = await openAuthDatabase();
    const op = await signInAs(db, 'grant-op', 'op@example.com');
    operator = { id: op.account.id, token: op.session.token };
    const by = await signInAs(db, 'grant-by', 'by@example.com');
    bystander = { id: by.account.id, token: by.session.token };
    assert.deepEqual(await setOperator(db, { email: ' OP@Example.com', operator: true, by: 'cli' }), { accountId: operator.id, changed: true });
  });
  after(async () => {
    await db?.close();
  });

  test('C19: setOperator needs an existing live account and is idempotent', async () => {
    await assert.rejects(setOperator(db, { email: 'nobody@example.com', operator: true, by: 'cli' }), code('ERR_CONFIG_INVALID'));
    assert.deepEqual(await setOperator(db, { email: 'op@example.com', operator: true, by: 'cli' }), { accountId: operator.id, changed: false });
    assert.equal(await isOperator(db, operator.id), true);
    assert.equal(await isOperator(db, bystander.id), false);
    const added = await queryAuditEvents(db, { tenant: '_platform', action: 'operator.added' });
    assert.deepEqual(added.events.map((e) => e.target), [{ type: 'account', id: operator.id }]);
  });

  test('C19: a grant is refused to a non-operator, without a real justification or required ticket, or beyond maxGrant', async () => {
    const ok = { operatorId: operator.id, tenant: 'grant-t1', justification: WHY, ticket: 'SUP-1', durationSeconds: HOUR };
    await assert.rejects(openGrant(db, policy, { ...ok, operatorId: bystander.id }), code('ERR_AUTH_FORBIDDEN'));
    await assert.rejects(openGrant(db, policy, { ...ok, justification: 'too short' }), code('ERR_OPERATOR_GRANT_INVALID'));
    await assert.rejects(openGrant(db, policy, { ...ok, justification: '   debug      ' }), code('ERR_OPERATOR_GRANT_INVALID'));
    await assert.rejects(openGrant(db, policy, { ...ok, justification: 'x'.repeat(1001) }), code('ERR_OPERATOR_GRANT_INVALID'));
    await assert.rejects(openGrant(db, policy, { ...ok, ticket: null }), code('ERR_OPERATOR_GRANT_INVALID'));
    await assert.rejects(openGrant(db, policy, { ...ok, ticket: '   ' }), code('ERR_OPERATOR_GRANT_INVALID'));
    await assert.rejects(openGrant(db, policy, { ...ok, durationSeconds: 4 * HOUR + 1 }), code('ERR_OPERATOR_GRANT_INVALID'), 'the default maxGrant is 4h');
    await assert.rejects(openGrant(db, policy, { ...ok, durationSeconds: 59 }), code('ERR_OPERATOR_GRANT_INVALID'));
    await assert.rejects(openGrant(db, policyWith({ operators: { maxGrant: '1h' } }), { ...ok, durationSeconds: HOUR + 60 }), code('ERR_OPERATOR_GRANT_INVALID'));
    await assert.rejects(openGrant(db, policy, { ...ok, tenant: '' }), code('ERR_OPERATOR_GRANT_INVALID'));
    assert.deepEqual(await listGrants(db, { tenant: 'grant-t1' }), [], 'nothing refused was stored');
    assert.deepEqual((await queryAuditEvents(db, { tenant: 'grant-t1', action: 'operator.*' })).events, []);

    // The limits themselves are allowed, and a ticket is optional when the policy says so.
    const longest = await openGrant(db, policy, { ...ok, tenant: 'grant-limits', durationSeconds: 4 * HOUR });
    assert.equal(Date.parse(longest.expiresAt) - Date.parse(longest.startsAt), 4 * HOUR * 1000);
    const noTicket = await openGrant(db, policyWith({ operators: { requireTicket: false } }), { ...ok, tenant: 'grant-limits', ticket: null });
    assert.equal(noTicket.ticket, null);
  });

  test('C19, C8: opening a grant is recorded in the tenant’s own chain with justification and ticket', async () => {
    const grant = await openGrant(db, policy, { operatorId: operator.id, tenant: 'grant-t2', justification: `  ${WHY}  `, ticket: ' SUP-42 ', durationSeconds: HOUR });
    assert.equal(grant.justification, WHY);
    assert.equal(grant.ticket, 'SUP-42');
    const opened = await queryAuditEvents(db, { tenant: 'grant-t2', action: 'operator.grant.opened' });
    assert.equal(opened.events.length, 1);
    const event = opened.events[0]!;
    assert.deepEqual(event.actor, { type: 'operator', id: operator.id });
    assert.deepEqual(event.target, { type: 'operator-grant', id: grant.id });
    assert.equal(event.purpose, 'operator-access');
    assert.deepEqual(event.metadata, { justification: WHY, ticket: 'SUP-42', expiresAt: grant.expiresAt });
    const platform = await queryAuditEvents(db, { tenant: '_platform', action: 'operator.grant.opened', limit: 1000 });
    assert.ok(!platform.events.some((e) => e.target?.id === grant.id), 'not in the platform chain instead');
    assert.deepEqual((await listGrants(db, { tenant: 'grant-t2' })).map((g) => g.id), [grant.id]);
  });

  test('C19: resolveSession shows a live grant for its tenant only, and not after expiry', async () => {
    const start = new Date();
    const grant = await openGrant(db, policy, { operatorId: operator.id, tenant: 'grant-t3', justification: WHY, ticket: 'SUP-3', durationSeconds: HOUR, at: start });
    const during = new Date(start.getTime() + 30 * 60_000);
    const seen = await resolveSession(db, operator.token, { tenant: 'grant-t3', at: during });
    assert.equal(seen?.operator, true);
    assert.equal(seen?.role, null, 'a grant is not a membership');
    assert.deepEqual(seen?.grant, { id: grant.id, expiresAt: new Date(grant.expiresAt), justification: WHY, ticket: 'SUP-3' });
    assert.equal((await resolveSession(db, operator.token, { tenant: 'grant-other', at: during }))?.grant, null);
    assert.equal((await resolveSession(db, operator.token, { at: during }))?.grant, null);
    assert.equal((await resolveSession(db, operator.token, { tenant: 'grant-t3', at: new Date(grant.expiresAt) }))?.grant, null, 'ends at its expiry');
    assert.equal((await resolveSession(db, operator.token, { tenant: 'grant-t3', at: new Date(start.getTime() - 60_000) }))?.grant, null, 'not before it starts');
    assert.equal((await resolveSession(db, bystander.token, { tenant: 'grant-t3', at: during }))?.grant, null);
    assert.equal(await revokeGrant(db, { grantId: grant.id, operatorId: operator.id, at: new Date(grant.expiresAt) }), null, 'an expired grant is not revoked');
  });

  test('C19, C8: a revoked grant stops at once and the revocation is in the tenant’s chain', async () => {
    const grant = await openGrant(db, policy, { operatorId: operator.id, tenant: 'grant-t4', justification: WHY, ticket: 'SUP-4', durationSeconds: HOUR });
    assert.ok((await resolveSession(db, operator.token, { tenant: 'grant-t4' }))?.grant);
    assert.equal(await revokeGrant(db, { grantId: grant.id, operatorId: bystander.id }), null, 'only its operator revokes it');
    const revoked = await revokeGrant(db, { grantId: grant.id, operatorId: operator.id });
    assert.ok(revoked?.revokedAt);
    assert.equal((await resolveSession(db, operator.token, { tenant: 'grant-t4' }))?.grant, null);
    assert.equal(await revokeGrant(db, { grantId: grant.id, operatorId: operator.id }), null, 'revoking twice is a no-op');
    await assert.rejects(revokeGrant(db, { grantId: 'not-a-uuid', operatorId: operator.id }), code('ERR_HTTP_NOT_FOUND'));
    const events = await queryAuditEvents(db, { tenant: 'grant-t4', action: 'operator.*', order: 'asc' });
    assert.deepEqual(events.events.map((e) => [e.action, e.target?.id]), [
      ['operator.grant.opened', grant.id],
      ['operator.grant.revoked', grant.id],
    ]);
  });

  test('C19: an account that stops being an operator loses its live grants', async () => {
    const { account, session } = await signInAs(db, 'grant-op2', 'op2@example.com');
    await setOperator(db, { email: 'op2@example.com', operator: true, by: 'cli' });
    await openGrant(db, policy, { operatorId: account.id, tenant: 'grant-t5', justification: WHY, ticket: 'SUP-5', durationSeconds: HOUR });
    assert.ok((await resolveSession(db, session.token, { tenant: 'grant-t5' }))?.grant);
    assert.deepEqual(await setOperator(db, { email: 'op2@example.com', operator: false, by: 'cli' }), { accountId: account.id, changed: true });
    const after = await resolveSession(db, session.token, { tenant: 'grant-t5' });
    assert.equal(after?.operator, false);
    assert.equal(after?.grant, null);
    await assert.rejects(
      openGrant(db, policy, { operatorId: account.id, tenant: 'grant-t5', justification: WHY, ticket: 'SUP-5', durationSeconds: HOUR }),
      code('ERR_AUTH_FORBIDDEN'),
    );
  });

  test(
    'C19: a malformed operator id is refused as forbidden, not as a database error',
    async () => {
      await assert.rejects(
        openGrant(db, policy, { operatorId: 'not-a-uuid', tenant: 'grant-t6', justification: WHY, ticket: 'SUP-6', durationSeconds: HOUR }),
        (e: unknown) => (e as { code?: string }).code === 'ERR_AUTH_FORBIDDEN' || (e as { code?: string }).code === 'ERR_HTTP_BAD_REQUEST',
      );
    },
  );
});
