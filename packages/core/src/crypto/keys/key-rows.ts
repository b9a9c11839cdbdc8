import { CustodianError } from '../../errors.js';
import type { EncryptionContext } from '../kms/provider.js';
import type { DataKeyInfo, KeyScope, KeyState } from './types.js';

/** Columns read for a key's record; `wrapped` is read only where it is unwrapped. */
export const INFO_COLUMNS =
  'id::text AS id, scope, scope_id, algorithm, root_key_id, provider, state, encryptions, created_at, rotated_at, retired_at, destroyed_at';

/** Matches the expression of the one-active-key index, so lookups use it. */
export const SAME_SCOPE = `scope = $1 AND coalesce(scope_id, '') = coalesce($2::text, '')`;

export interface InfoRow {
  id: string;
  scope: KeyScope;
  scope_id: string | null;
  algorithm: string;
  root_key_id: string;
  provider: string;
  state: KeyState;
  encryptions: number | bigint;
  created_at: Date;
  rotated_at: Date | null;
  retired_at: Date | null;
  destroyed_at: Date | null;
}

export function toInfo(row: InfoRow): DataKeyInfo {
  return {
    id: row.id,
    scope: row.scope,
    scopeId: row.scope_id,
    algorithm: row.algorithm,
    rootKeyId: row.root_key_id,
    provider: row.provider,
    state: row.state,
    encryptions: row.encryptions,
    createdAt: row.created_at,
    rotatedAt: row.rotated_at,
    retiredAt: row.retired_at,
    destroyedAt: row.destroyed_at,
  };
}

const SCOPES: readonly string[] = ['root', 'tenant', 'subject'];

/** Root-scope keys have no id; tenant and subject keys must have one. */
export function checkScope(scope: KeyScope, scopeId: string | null): void {
  const ok = SCOPES.includes(scope) && (scope === 'root' ? scopeId === null : typeof scopeId === 'string' && scopeId !== '');
  if (!ok) {
    throw new CustodianError('ERR_KEY_NOT_FOUND', 'no such key scope: root takes no scope id, tenant and subject need one', {
      hint: "call with ('root', null), ('tenant', tenantId) or ('subject', subjectId)",
    });
  }
}

/**
 * What each wrapped data key is bound to: its own id and scope. A wrapped key
 * copied into another row (another tenant's, another subject's) does not unwrap.
 */
export function keyContext(id: string, scope: KeyScope, scopeId: string | null): EncryptionContext {
  return scopeId === null
    ? { purpose: 'custodian-data-key', scope, keyId: id }
    : { purpose: 'custodian-data-key', scope, scopeId, keyId: id };
}
