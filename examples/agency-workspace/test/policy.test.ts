import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validatePolicy } from '@custodian/core/policy';
import policyFromFile from '../custodian.config.js';
import { app } from '../src/index.js';

const { policy } = app;
const column = (table: string, name: string) => policy.tables[table]?.columns[name];

describe('agency-workspace policy', () => {
  test('the policy file validates and is the one the app exports', () => {
    const result = validatePolicy(policyFromFile);
    assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.problems));
    assert.equal(policy, policyFromFile);
  });

  test('B1: integration credentials are secret and never exported; message content is not a credential', () => {
    for (const [name, col] of Object.entries(policy.tables.integrations!.columns)) {
      if (!col.encryption) continue;
      assert.deepEqual([col.category, col.secret, col.encryption.export], ['credential', true, 'omit'], name);
    }
    assert.equal(column('messages', 'content_ciphertext')?.secret, false);
  });

  test('B3, B7: the activity page is a workspace table owned by its actors', () => {
    const activity = policy.tables.activity!;
    assert.equal(activity.tenant, 'workspace_id');
    assert.deepEqual(activity.owner, { subject: 'user', column: 'actor_id' });
    assert.match(activity.purpose, /data requests/);
  });

  test('B4: personal data and credentials are scrubbed from logs, email addresses by pattern', () => {
    const { denyKeys, patterns } = policy.logging.redact;
    for (const key of ['email', 'display_name', 'content', 'access_token', 'refresh_token', 'api_key', 'client_secret']) assert.ok(denyKeys.includes(key), key);
    const email = new RegExp(patterns.find((p) => p.name === 'email-address')!.pattern);
    assert.ok(email.test('error for ada.lovelace.1@people.example'));
    assert.ok(!email.test('workspace 42 failed'));
  });

  test('B5: an access export keeps message content encrypted and its signed link lasts 7 days', () => {
    assert.equal(column('messages', 'content_ciphertext')?.encryption?.export, 'encrypted');
    assert.equal(policy.requests.exportLinkTtl, '7d');
    assert.ok(policy.requests.kinds.includes('access'));
  });

  test('B6: deletion pseudonymises the email as deleted-<uuid>@deleted.invalid, names the user Deleted User and clears the language', () => {
    assert.deepEqual(column('users', 'email')?.erase, { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' });
    assert.deepEqual(column('users', 'display_name')?.erase, { action: 'set-literal', value: 'Deleted User' });
    assert.deepEqual(column('users', 'language_preference')?.erase, { action: 'set-null' });
    assert.ok(policy.requests.kinds.includes('deletion'));
  });

  test('B7: every request has a deadline; the GDPR clock is 30 days and the default', () => {
    assert.equal(policy.requests.defaultJurisdiction, 'gdpr');
    assert.equal(policy.requests.jurisdictions.gdpr?.deadline, '30d');
    for (const [id, j] of Object.entries(policy.requests.jurisdictions)) assert.match(j.deadline, /^\d+d$/, id);
  });

  test('B8: cancelling a subscription deletes nothing: no retention rule acts on workspaces or keys on cancelled_at', () => {
    const rules = policy.retention.filter((r) => r.kind !== 'inactivity' && (r.table === 'workspaces' || String(r.from).includes('cancelled_at')));
    assert.deepEqual(rules, []);
    assert.equal(policy.tables.workspaces?.erase, undefined);
  });

  test('B9: owner, admin, member and viewer gate reads and writes; viewers only read', () => {
    assert.deepEqual(policy.access.roles, ['owner', 'admin', 'member', 'viewer']);
    const { permissions } = policy.access;
    assert.deepEqual(permissions['workspace.read'], ['owner', 'admin', 'member', 'viewer']);
    const writes = Object.entries(permissions).filter(([name]) => name !== 'workspace.read');
    assert.ok(writes.length >= 5);
    for (const [name, roles] of writes) assert.ok(!roles.includes('viewer'), name);
    assert.deepEqual(permissions['integrations.manage'], ['owner', 'admin']);
  });

  test('B10: four regions — us (default), eu, me-south, ap-northeast — each with a provider region and legal context', () => {
    assert.deepEqual(policy.regions.map((r) => [r.code, r.default]), [['us', true], ['eu', false], ['me-south', false], ['ap-northeast', false]]);
    for (const r of policy.regions) assert.ok(r.providerRegion && r.legalContext, r.code);
    assert.equal(policy.regions.find((r) => r.code === 'eu')?.legalContext, 'GDPR');
  });

  test('B11: each region names the environment variable of its own database', () => {
    assert.deepEqual(policy.regions.map((r) => r.databaseUrlEnv), ['DATABASE_URL_US', 'DATABASE_URL_EU', 'DATABASE_URL_ME_SOUTH', 'DATABASE_URL_AP_NORTHEAST']);
  });

  test('every table holding a workspace’s data names its tenant column', () => {
    for (const table of ['workspace_members', 'workrooms', 'messages', 'integrations', 'activity']) assert.equal(policy.tables[table]?.tenant, 'workspace_id', table);
    assert.equal(policy.tables.workspaces?.tenant, 'id');
  });
});
