import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validatePolicy, type PolicyInput } from '@custodian/core/policy';
import policy from '../custodian.config.js';

/**
 * The policy file validates, and states each promise of product C that the
 * policy language can express. These tests check what is declared; the
 * capabilities that enforce a declaration prove it in their own tests.
 */
describe('hiring-assessments policy', () => {
  test('validates and is frozen', () => {
    assert.equal(validatePolicy(policy).ok, true);
    assert.equal(Object.isFrozen(policy.tables), true);
    assert.deepEqual(Object.keys(policy.subjects), ['candidate', 'member']);
  });

  test('C26: a material change announced less than 30 days ahead is refused', () => {
    const input = structuredClone(policy) as unknown as PolicyInput & { changes: { announced: string }[] };
    input.changes[1]!.announced = '2026-05-10';
    const result = validatePolicy(input);
    assert.equal(result.ok, false);
    assert.deepEqual(
      !result.ok && result.problems.map((p) => p.path),
      ['changes[1].effective'],
    );
    const current = policy.changes.find((c) => c.version === policy.version)!;
    assert.equal(current.material, true);
    assert.ok(Date.parse(current.effective) - Date.parse(current.announced) >= 30 * 86_400_000);
  });

  test('states C1 and C2: customer API keys AES-256-GCM wrapped, last 4 kept, every decrypt audited for a named purpose', () => {
    const key = policy.tables.customer_api_keys!.columns.key_ciphertext!;
    assert.equal(key.secret, true);
    assert.equal(key.encryption?.algorithm, 'aes-256-gcm');
    assert.equal(key.encryption?.auditDecrypt, true);
    assert.deepEqual(key.encryption?.purposes, ['assessment-session']);
    assert.deepEqual(key.encryption?.mask, { column: 'key_last4', keep: 'last', length: 4 });
    assert.equal(key.encryption?.export, 'omit');
  });

  test('states C20: candidates are found by the SHA-256 of their invite token', () => {
    assert.deepEqual(policy.subjects.candidate!.identities.invite, {
      kind: 'invite-token',
      table: 'invites',
      column: 'token_hash',
      lookup: 'sha256',
      subjectColumn: 'candidate_id',
    });
    assert.equal(policy.tables.invites!.columns.token_hash!.secret, true);
  });

  test('states C13: session data soft-deleted 180 days after completion, hard-deleted 30 days later', () => {
    const rule = policy.retention.find((r) => r.id === 'session-data');
    assert.ok(rule && rule.kind === 'age');
    assert.equal(rule.table, 'assessment_sessions');
    assert.equal(rule.from, 'completed_at');
    assert.deepEqual(rule.stages, [
      { after: '180d', action: 'soft-delete' },
      { after: '30d', action: 'hard-delete' },
    ]);
    // Events and scorecards hang off the session, so they go with it.
    assert.equal((policy.tables.session_events!.owner as { path: unknown[] }).path.length, 2);
  });

  test('states C14: two years without sign-in or invite, notice 30 days before deletion', () => {
    const rule = policy.retention.find((r) => r.id === 'candidate-inactivity');
    assert.ok(rule && rule.kind === 'inactivity');
    assert.deepEqual([rule.subject, rule.after, rule.notice.before, rule.notice.channel, rule.action], ['candidate', '2y', '30d', 'email', 'erase']);
    assert.deepEqual(policy.subjects.candidate!.activity, ['candidates.last_login_at', 'candidates.last_invited_at']);
  });

  test('states C15 and C16: companies anonymized 30 days after the contract, billing kept 7 years for the law', () => {
    const closure = policy.retention.find((r) => r.id === 'company-closure');
    assert.ok(closure && closure.kind === 'age');
    assert.deepEqual(
      [closure.table, closure.from, closure.basis, closure.scope, closure.stages],
      ['companies', 'contract_ended_at', 'contract', 'tenant', [{ after: '30d', action: 'anonymize', mark: 'anonymized_at' }]],
    );
    assert.deepEqual(policy.tenants, { table: 'companies', key: 'id', region: 'region' });
    const billing = policy.retention.find((r) => r.id === 'billing-records');
    assert.ok(billing && billing.kind === 'age');
    assert.deepEqual([billing.table, billing.basis, billing.stages], ['billing_records', 'legal', [{ after: '7y', action: 'hard-delete' }]]);
    assert.deepEqual(policy.tables.billing_records!.erase, { action: 'retain', until: 'billing-records', reason: 'tax law requires invoices to be kept for seven years' });
  });

  test('states C6, C10, C11, C12: audit kept 2 years then archived; self-service export and deletion; every request kind tracked to a 30-day deadline', () => {
    assert.deepEqual([policy.audit.retention, policy.audit.archive], ['2y', 'local']);
    assert.deepEqual(policy.requests.selfService, { export: true, deletion: true });
    assert.deepEqual([...policy.requests.kinds].sort(), ['access', 'deletion', 'objection', 'rectification', 'restriction']);
    assert.equal(policy.requests.jurisdictions[policy.requests.defaultJurisdiction]!.deadline, '30d');
  });

  test('states C18: session data and scorecards are readable by owners, admins and members, not viewers', () => {
    for (const permission of ['sessions.read', 'scorecards.read']) {
      assert.deepEqual(policy.access.permissions[permission], ['owner', 'admin', 'member'], permission);
    }
    assert.equal(policy.access.operators.requireTicket, true);
  });

  test('states C21 and C23: per-IP and per-identity limits, and brute-force blocking on invite lookups', () => {
    assert.ok(policy.rateLimits.signin?.perIp && policy.rateLimits.signin.perIdentity);
    assert.ok(policy.rateLimits.api?.perIp && policy.rateLimits.api.perIdentity);
    assert.equal(policy.rateLimits['invite-lookup']?.onStoreFailure, 'deny');
    assert.deepEqual(policy.bruteForce, { maxFailures: 10, per: '10min', blockFor: '1h', escalation: 2, routeClasses: ['invite-lookup', 'signin'] });
    assert.deepEqual(policy.blocklist, { defaultExpiry: '30d', maxExpiry: '1y' });
  });

  test('states C9 and C25: invite tokens are a redaction pattern; sub-processors are listed under reserved domains', () => {
    const pattern = new RegExp(policy.logging.redact.patterns.find((p) => p.name === 'invite-token')!.pattern);
    assert.match('GET /invite?t=inv_' + 'a'.repeat(43), pattern);
    assert.deepEqual(policy.subprocessors.map((s) => s.name), ['Stratus Cloud', 'Modelworks AI', 'Postbox Mail']);
    assert.ok(policy.subprocessors.every((s) => s.url && new URL(s.url).hostname.endsWith('.example')));
  });

  test('every personal column of a table about persons has an owner, and every erasure leaves nothing unaccounted for', () => {
    for (const [name, table] of Object.entries(policy.tables)) {
      if (table.notAboutPersons) continue;
      assert.ok(table.owner, `${name} has no owner`);
      const everyColumnHandled = Object.values(table.columns).every((c) => c.erase ?? table.erase);
      assert.ok(everyColumnHandled, `${name} has a column with no erase action`);
    }
  });
});
