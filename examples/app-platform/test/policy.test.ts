import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ownersOf, validatePolicy, type AgeRule } from '@custodian/core/policy';
import policyFromFile from '../custodian.config.js';
import { app, PLACEHOLDER_USER_ID } from '../src/index.js';

const { policy } = app;
const rule = (id: string) => policy.retention.find((r) => r.id === id) as AgeRule | undefined;
const column = (table: string, name: string) => policy.tables[table]?.columns[name];

describe('app-platform policy', () => {
  test('the policy file validates and is the one the app exports', () => {
    const result = validatePolicy(policyFromFile);
    assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.problems));
    assert.equal(policy, policyFromFile);
  });

  test('A1: SSN/EIN and bank account and routing numbers use AES-256-GCM under the root key', () => {
    for (const [t, c] of [['tax_forms', 'tin_ciphertext'], ['payout_methods', 'bank_account_ciphertext'], ['payout_methods', 'routing_number_ciphertext']]) {
      const enc = column(t!, c!)?.encryption;
      assert.deepEqual([enc?.algorithm, enc?.keyScope], ['aes-256-gcm', 'root'], `${t}.${c}`);
    }
  });

  test('A2: OAuth refresh tokens are encrypted, secret, and left out of exports', () => {
    const col = column('oauth_tokens', 'refresh_token_ciphertext');
    assert.equal(col?.secret, true);
    assert.equal(col?.encryption?.algorithm, 'aes-256-gcm');
    assert.equal(col?.encryption?.export, 'omit');
  });

  test('A3: every decrypt of tax and bank data is audited and limited to payout dispatch or 1099 generation', () => {
    assert.deepEqual(column('tax_forms', 'tin_ciphertext')?.encryption?.purposes, ['tax-1099']);
    assert.deepEqual(column('payout_methods', 'bank_account_ciphertext')?.encryption?.purposes, ['payout-dispatch']);
    assert.deepEqual(column('payout_methods', 'routing_number_ciphertext')?.encryption?.purposes, ['payout-dispatch']);
    for (const [t, c] of [['tax_forms', 'tin_ciphertext'], ['payout_methods', 'bank_account_ciphertext'], ['payout_methods', 'routing_number_ciphertext']]) {
      const col = column(t!, c!);
      assert.deepEqual([col?.encryption?.auditDecrypt, col?.encryption?.export, col?.secret], [true, 'omit', true], `${t}.${c}`);
    }
    assert.deepEqual(column('tax_forms', 'tin_ciphertext')?.encryption?.mask, { column: 'tin_last4', keep: 'last', length: 4 });
  });

  test('A4, A5, A6: request logs carry only the allowlisted fields, secrets are redacted, logs live 30 days hot and 90 cold', () => {
    assert.deepEqual(policy.logging.requestFields, ['method', 'path', 'status', 'duration', 'userId']);
    assert.ok(policy.logging.redact.denyKeys.includes('ssn') && policy.logging.redact.denyKeys.includes('refresh_token'));
    assert.deepEqual(policy.logging.retention, { hot: '30d', cold: '90d' });
  });

  test('A7: deletion soft-deletes the user, reassigns their project rows to the placeholder, and purges identifying fields after 30 days', () => {
    assert.equal(policy.tables.users?.softDelete, 'deleted_at');
    assert.equal(policy.subjects.user?.placeholder?.key, PLACEHOLDER_USER_ID);
    assert.deepEqual(column('project_rows', 'user_id')?.erase, { action: 'reassign' });
    for (const c of ['email', 'name', 'image_url', 'google_sub']) assert.deepEqual(column('users', c)?.erase, { action: 'set-null' }, c);
    assert.deepEqual(policy.tables.profiles?.erase, { action: 'delete-row' });
    assert.deepEqual(column('projects', 'published')?.erase, { action: 'set-literal', value: false });
    assert.deepEqual(column('projects', 'hidden')?.erase, { action: 'set-literal', value: true });
    assert.deepEqual(policy.tables.sessions?.erase, { action: 'delete-row' });
    const purge = rule('deleted-account-purge');
    assert.deepEqual([purge?.table, purge?.from, purge?.stages], ['users', 'deleted_at', [{ after: '30d', action: 'anonymize' }]]);
    const profile = rule('deleted-account-profile');
    assert.deepEqual([profile?.table, profile?.from, profile?.stages], ['profiles', 'users.deleted_at', [{ after: '30d', action: 'hard-delete' }]]);
  });

  test('A8: tax forms survive erasure and are hard-deleted 7 years after collection, on a legal basis', () => {
    const tax = rule('tax-records');
    assert.deepEqual([tax?.table, tax?.from, tax?.basis, tax?.stages], ['tax_forms', 'created_at', 'legal', [{ after: '7y', action: 'hard-delete' }]]);
    assert.equal(policy.tables.tax_forms?.erase?.action, 'retain');
    assert.equal(policy.tables.tax_forms?.erase?.action === 'retain' && policy.tables.tax_forms.erase.until, 'tax-records');
  });

  test('A9: project rows are tenant-scoped by project and owned by both their writer and the project’s creator', () => {
    const rows = policy.tables.project_rows!;
    assert.equal(rows.tenant, 'project_id');
    assert.deepEqual(ownersOf(rows), [
      { subject: 'user', column: 'user_id' },
      { subject: 'user', path: [{ column: 'project_id', references: 'projects.id' }, { column: 'owner_id', references: 'users.id' }] },
    ]);
  });

  test('A10, A11: sign-in is Google OpenID Connect only, with no passwords and SameSite=Lax sessions', () => {
    assert.deepEqual(policy.auth.providers, [{ id: 'google', kind: 'oidc', name: 'Google', issuer: 'https://accounts.google.com' }]);
    assert.equal(policy.auth.passwords, false);
    assert.equal(policy.auth.session.sameSite, 'lax');
  });

  test('A12–A19: apps see only id, name, email and avatar, import only allowlisted modules, ship no source maps, and the gate fails open', () => {
    const sandbox = policy.sandbox!;
    assert.deepEqual(sandbox.userFields, ['id', 'name', 'email', 'avatar']);
    assert.deepEqual(sandbox.runtimeApi, ['useUser', 'useProjectData', 'useDataAgent']);
    assert.ok(sandbox.importAllowlist.includes('react') && sandbox.importAllowlist.includes('@lumen/runtime'));
    assert.equal(sandbox.sourceMaps, false);
    assert.deepEqual(sandbox.gate, { evaluator: 'llm', onEvaluatorError: 'publish' });
  });

  test('C26: each material change takes effect at least 30 days after it is announced', () => {
    assert.equal(policy.changes.at(-1)?.version, policy.version);
    for (const change of policy.changes.filter((c) => c.material)) {
      assert.ok(Date.parse(change.effective) - Date.parse(change.announced) >= 30 * 86_400_000, change.version);
    }
  });
});
