import type { Policy } from '../policy/index.js';
import { ROLES } from '../policy/index.js';

export type Role = (typeof ROLES)[number];

/**
 * What each role may do in its tenant unless the policy says otherwise
 * (`access.permissions`, which also adds the application's own permissions,
 * e.g. `sessions.read`). Reads of people's data and of the audit log are
 * owner/admin; viewers see the tenant and its member list only.
 */
export const DEFAULT_PERMISSIONS: Readonly<Record<string, readonly Role[]>> = {
  'tenant.read': ['owner', 'admin', 'member', 'viewer'],
  'members.read': ['owner', 'admin', 'member', 'viewer'],
  'members.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'admin'],
  'requests.read': ['owner', 'admin'],
  'requests.manage': ['owner', 'admin'],
  'operator-access.read': ['owner', 'admin'],
};

/** Rank for "at least this role" comparisons: an admin may not promote anyone to owner. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { owner: 4, admin: 3, member: 2, viewer: 1 };

export type PermissionMatrix = Readonly<Record<string, readonly Role[]>>;

/** The defaults with the policy's `access.permissions` laid over them. */
export function permissionMatrix(policy: Policy): PermissionMatrix {
  const merged: Record<string, readonly Role[]> = { ...DEFAULT_PERMISSIONS };
  for (const [name, roles] of Object.entries(policy.access.permissions)) merged[name] = [...roles];
  // A role the policy does not use holds nothing.
  const enabled = new Set<Role>(policy.access.roles);
  for (const name of Object.keys(merged)) merged[name] = merged[name]!.filter((r) => enabled.has(r));
  return merged;
}

/** True when `role` carries `permission`; an unknown permission is held by nobody. */
export function can(matrix: PermissionMatrix, role: Role | null | undefined, permission: string): boolean {
  if (!role || !Object.hasOwn(matrix, permission)) return false;
  return matrix[permission]!.includes(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
