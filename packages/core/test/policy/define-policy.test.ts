import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definePolicy, validatePolicy, type PolicyInput } from '@custodian/core/policy';
import { PolicyInvalidError } from '@custodian/core/errors';
import { basePolicy, clone } from './fixture.js';

/** The problems a broken policy reports, as `path: message`. */
function problemsOf(input: unknown): { path: string; message: string; hint?: string }[] {
  const result = validatePolicy(input);
  assert.equal(result.ok, false, 'expected the policy to be rejected');
  return result.ok ? [] : result.problems;
}

function expectProblem(input: unknown, path: string, message: RegExp): { hint?: string } {
  const problems = problemsOf(input);
  const found = problems.find((p) => p.path === path && message.test(p.message));
  assert.ok(found, `no problem at ${path} matching ${message}; got:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  assert.ok(found.hint && found.hint.length > 5, `problem at ${path} has no hint`);
  return found;
}

describe('definePolicy', () => {
  test('accepts a valid policy, fills defaults and freezes it', () => {
    const policy = definePolicy(basePolicy());
    assert.equal(policy.tables.posts!.columns.body!.encryption!.keyScope, 'tenant');
    assert.equal(policy.requests.exportLinkTtl, '7d');
    assert.equal(policy.requests.jurisdictions.gdpr!.deadline, '30d');
    assert.equal(policy.audit.retention, '2y');
    assert.deepEqual(policy.contacts.security.preferredLanguages, ['en']);
    assert.equal(policy.retention[0]!.kind, 'age');
    assert.ok(Object.isFrozen(policy.tables.users!.columns));
    assert.throws(() => {
      (policy as { version: string }).version = 'x';
    }, TypeError);
  });

  test('reports every problem at once, each with its path and a hint, as ERR_POLICY_INVALID', () => {
    const input = clone(basePolicy()) as PolicyInput & Record<string, unknown>;
    input.effectiveDate = '2026-13-40';
    (input.organization as Record<string, unknown>).nmae = 'typo';
    input.tables.users!.columns!.email!.erase = { action: 'pseudonymize', template: 'deleted-{uid}@x.invalid' };
    (input.retention![0] as { table: string }).table = 'userz';
    try {
      definePolicy(input);
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof PolicyInvalidError);
      assert.equal(error.code, 'ERR_POLICY_INVALID');
      const paths = error.problems.map((p) => p.path);
      for (const p of ['effectiveDate', 'organization.nmae', 'tables.users.columns.email.erase.template', 'retention[0].table']) assert.ok(paths.includes(p), `missing ${p} in ${paths}`);
      assert.ok(error.problems.every((p) => p.hint));
    }
  });

  test('a misspelt key gets a "did you mean" hint', () => {
    const input = clone(basePolicy()) as unknown as { tables: { users: Record<string, unknown> } };
    input.tables.users.softDeleet = 'deleted_at';
    const found = expectProblem(input, 'tables.users.softDeleet', /unknown key/);
    assert.match(found.hint!, /softDelete/);
  });

  test('an unknown erase action lists the allowed ones', () => {
    const input = clone(basePolicy());
    (input.tables.users!.columns!.email as { erase: unknown }).erase = { action: 'pseudonymise' };
    const found = expectProblem(input, 'tables.users.columns.email.erase.action', /allowed/);
    assert.match(found.hint!, /pseudonymize/);
  });

  test('a malformed duration is reported with the accepted forms', () => {
    const input = clone(basePolicy());
    (input.retention![1] as { stages: { after: string }[] }).stages[0]!.after = '7 years';
    expectProblem(input, 'retention[1].stages[0].after', /duration such as/);
  });

  test('an owner naming an undeclared subject is reported with a suggestion', () => {
    const input = clone(basePolicy());
    input.tables.posts!.owner = { subject: 'usr', column: 'author_id' };
    const found = expectProblem(input, 'tables.posts.owner.subject', /not declared/);
    assert.match(found.hint!, /user/);
  });

  test('an owner path must end at the subject key', () => {
    const input = clone(basePolicy());
    input.tables.comments!.owner = { subject: 'user', path: [{ column: 'post_id', references: 'posts.id' }] };
    expectProblem(input, 'tables.comments.owner.path[0].references', /subject key `users.id`/);
  });

  test('personal data in a table no subject reaches is refused', () => {
    const input = clone(basePolicy());
    delete input.tables.comments!.owner;
    expectProblem(input, 'tables.comments.columns.text', /no subject reaches/);
  });

  test('reassign needs the owner column and a placeholder subject row', () => {
    const input = clone(basePolicy());
    delete input.subjects.user!.placeholder;
    expectProblem(input, 'tables.posts.columns.author_id.erase', /placeholder/);
  });

  test('retain must name a declared retention rule', () => {
    const input = clone(basePolicy());
    input.tables.invoices!.erase = { action: 'retain', until: 'tax-7y', reason: 'law' };
    expectProblem(input, 'tables.invoices.erase.until', /not declared/);
  });

  test('tenant-scoped keys need a tenant column', () => {
    const input = clone(basePolicy());
    delete input.tables.posts!.tenant;
    expectProblem(input, 'tables.posts.columns.body.encryption.keyScope', /no tenant column/);
  });

  test('a soft-delete stage needs the table to declare its soft-delete column', () => {
    const input = clone(basePolicy());
    input.retention!.push({ id: 'x', description: 'x', basis: 'legal', table: 'posts', from: 'created_at', stages: [{ after: '1d', action: 'soft-delete' }] });
    expectProblem(input, 'retention[4].stages[0].action', /softDelete/);
  });

  test('nothing may follow a hard delete', () => {
    const input = clone(basePolicy());
    (input.retention![1] as { stages: unknown[] }).stages.push({ after: '1d', action: 'anonymize' });
    expectProblem(input, 'retention[1].stages[1]', /follows a hard delete/);
  });

  test('an inactivity notice must come before the erasure', () => {
    const input = clone(basePolicy());
    (input.retention![3] as { notice: { before: string } }).notice.before = '3y';
    expectProblem(input, 'retention[3].notice.before', /not shorter/);
  });

  test('exactly one region is the default', () => {
    const input = clone(basePolicy());
    input.regions![1]!.default = true;
    expectProblem(input, 'regions', /2 default regions/);
  });

  test('C26: a material change must take effect at least 30 days after it is announced', () => {
    const input = clone(basePolicy());
    input.changes![0]!.announced = '2026-11-20';
    expectProblem(input, 'changes[0].effective', /11 days after/);
    const minor = clone(basePolicy());
    minor.changes![0]!.announced = '2026-11-20';
    minor.changes![0]!.material = false;
    assert.equal(validatePolicy(minor).ok, true);
  });

  test('A10: a policy cannot store passwords', () => {
    const input = clone(basePolicy()) as unknown as { auth?: unknown };
    input.auth = { passwords: true };
    expectProblem(input, 'auth.passwords', /.+/);
  });

  test('a deny-list pattern that is not a regular expression is refused', () => {
    const input = clone(basePolicy());
    input.logging = { redact: { patterns: [{ name: 'bad', pattern: '([a-z' }] } };
    expectProblem(input, 'logging.redact.patterns[0].pattern', /regular expression/);
  });

  test('table and column names must be plain SQL identifiers', () => {
    const input = clone(basePolicy()) as unknown as { tables: Record<string, unknown> };
    input.tables['users; drop table x'] = { description: 'x', purpose: 'x', columns: {} };
    const problems = problemsOf(input);
    assert.ok(problems.some((p) => p.path.startsWith('tables') && /table name/.test(p.message)), JSON.stringify(problems));
  });

  test('C15: a tenant-wide rule needs a declared tenant table and must sit on it', () => {
    const input = clone(basePolicy());
    input.retention!.push({ id: 'closure', description: 'x', basis: 'contract', table: 'posts', from: 'created_at', scope: 'tenant', stages: [{ after: '30d', action: 'anonymize' }] });
    expectProblem(input, 'retention[4].scope', /needs the policy to declare `tenants`/);
    input.tenants = { table: 'users' };
    expectProblem(input, 'retention[4].table', /tenant table `users`/);
  });

  test('C23: brute-force counting names declared route classes only', () => {
    const input = clone(basePolicy());
    input.rateLimits = { signin: { perIp: { points: 5, per: '1min' } } };
    input.bruteForce = { maxFailures: 5, per: '10min', blockFor: '1h', routeClasses: ['signin', 'invite-lookup'] };
    expectProblem(input, 'bruteForce.routeClasses[1]', /does not declare/);
  });

  test('C21: sign-in and invite lookups may not run unlimited when the rate-limit store fails', () => {
    for (const cls of ['signin', 'invite-lookup']) {
      const input = clone(basePolicy());
      input.rateLimits = { [cls]: { perIp: { points: 5, per: '1min' }, onStoreFailure: 'allow' } };
      expectProblem(input, `rateLimits.${cls}.onStoreFailure`, /unlimited/);
    }
    const api = clone(basePolicy());
    api.rateLimits = { api: { perIp: { points: 5, per: '1min' }, onStoreFailure: 'allow' } };
    assert.doesNotThrow(() => definePolicy(api));
  });

  test('C21: rate-limit windows and blocks are at most 24 days (longer ones would end at once in memory)', () => {
    const input = clone(basePolicy());
    input.rateLimits = { exports: { perIdentity: { points: 5, per: '30d' } }, api: { perIp: { points: 5, per: '1min', blockFor: '25d' } } };
    input.bruteForce = { maxFailures: 5, per: '1mo', blockFor: '1h', routeClasses: [] };
    expectProblem(input, 'rateLimits.exports.perIdentity.per', /longer than 24 days/);
    expectProblem(input, 'rateLimits.api.perIp.blockFor', /longer than 24 days/);
    expectProblem(input, 'bruteForce.per', /longer than 24 days/);
    const fine = clone(basePolicy());
    fine.rateLimits = { api: { perIp: { points: 5, per: '24d', blockFor: '24d' } } };
    assert.doesNotThrow(() => definePolicy(fine));
  });

  test('C22: a blocklist default expiry may not exceed its maximum', () => {
    const input = clone(basePolicy());
    input.blocklist = { defaultExpiry: '2y', maxExpiry: '30d' };
    expectProblem(input, 'blocklist.defaultExpiry', /longer than blocklist.maxExpiry/);
  });

  test('C24: security.txt may not be valid for more than a year', () => {
    const input = clone(basePolicy());
    input.contacts.security.expiresAfter = '2y';
    expectProblem(input, 'contacts.security.expiresAfter', /at most a year/);
  });

  test('column-level delete-row is refused in favour of the table-level action', () => {
    const input = clone(basePolicy());
    input.tables.users!.columns!.name!.erase = { action: 'delete-row' };
    expectProblem(input, 'tables.users.columns.name.erase', /whole row/);
  });

  test('problem messages never echo the offending value', () => {
    const input = clone(basePolicy());
    input.contacts.privacy.email = 'SECRET-VALUE-not-an-email';
    const problems = problemsOf(input);
    assert.ok(problems.length > 0);
    assert.ok(problems.every((p) => !JSON.stringify(p).includes('SECRET-VALUE')));
  });

  test('input that is not an object at all is reported, not thrown', () => {
    for (const input of [null, 42, 'policy', []]) {
      const result = validatePolicy(input);
      assert.equal(result.ok, false);
    }
  });
});
