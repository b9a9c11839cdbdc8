import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { can, DEFAULT_PERMISSIONS, permissionMatrix } from '@custodian/core/auth';
import { validatePolicy } from '@custodian/core/policy';
import { basePolicy } from '../policy/fixture.js';
import { policyWith } from './helpers.js';

describe('permission matrix', () => {
  test('B9: without an access section, the defaults apply', () => {
    const matrix = permissionMatrix(policyWith());
    assert.deepEqual(matrix, DEFAULT_PERMISSIONS);
    assert.equal(can(matrix, 'viewer', 'members.read'), true);
    assert.equal(can(matrix, 'viewer', 'members.manage'), false);
    assert.equal(can(matrix, 'member', 'audit.read'), false);
    assert.equal(can(matrix, 'admin', 'audit.read'), true);
    assert.equal(can(matrix, 'owner', 'members.manage'), true);
    assert.equal(can(matrix, null, 'tenant.read'), false);
    assert.equal(can(matrix, undefined, 'tenant.read'), false);
  });

  test('B9, C18: the policy overrides a default and adds its own permissions', () => {
    const matrix = permissionMatrix(policyWith({ permissions: { 'audit.read': ['owner'], 'sessions.read': ['owner', 'admin', 'member'] } }));
    assert.equal(can(matrix, 'admin', 'audit.read'), false);
    assert.equal(can(matrix, 'owner', 'audit.read'), true);
    assert.equal(can(matrix, 'member', 'sessions.read'), true);
    assert.equal(can(matrix, 'viewer', 'sessions.read'), false);
    assert.equal(can(matrix, 'admin', 'members.manage'), true, 'defaults not named stay');
  });

  test('B9: a role the policy does not use holds nothing', () => {
    const matrix = permissionMatrix(policyWith({ roles: ['owner', 'admin', 'member'] }));
    assert.equal(can(matrix, 'viewer', 'tenant.read'), false);
    assert.equal(can(matrix, 'member', 'tenant.read'), true);
    const input = basePolicy();
    input.access = { roles: ['owner', 'admin'], permissions: { 'sessions.read': ['viewer'] } };
    assert.equal(validatePolicy(input).ok, false, 'granting an unused role is a policy error');
  });

  test('B9: an unknown permission is held by nobody, including names on Object.prototype', () => {
    const matrix = permissionMatrix(policyWith());
    for (const name of ['nope.perm', 'constructor', 'toString', '__proto__', 'hasOwnProperty', '']) {
      for (const role of ['owner', 'admin', 'member', 'viewer'] as const) assert.equal(can(matrix, role, name), false, `${role} ${name}`);
    }
    assert.equal(can(matrix, 'superuser' as 'owner', 'tenant.read'), false);
  });
});
