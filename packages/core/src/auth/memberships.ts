import { APP_ROLE } from '../db/roles.js';
import type { Database, Transaction } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { auditAuth } from './audit.js';
import { uuidOrFail } from './ids.js';
import { isRole, ROLE_RANK, type Role } from './permissions.js';

export interface Member {
  accountId: string;
  email: string | null;
  name: string | null;
  role: Role;
  joinedAt: string;
}

/** The member acting, with their role in the tenant. */
export interface MemberActor {
  id: string;
  role: Role;
}

const tenantTx = <T>(db: Database, tenant: string, fn: (tx: Transaction) => Promise<T>, readOnly = false) =>
  db.transaction(fn, { tenantId: tenant, role: APP_ROLE, readOnly });

/** A tenant's members, read as the application role in the tenant's context (RLS binds both tables). */
export async function listMembers(db: Database, tenant: string): Promise<Member[]> {
  return tenantTx(
    db,
    tenant,
    async (tx) => {
      const { rows } = await tx.query<{ account_id: string; email: string | null; name: string | null; role: Role; created_at: Date }>(
        `SELECT m.account_id::text, a.email, a.name, m.role, m.created_at
           FROM custodian.memberships m JOIN custodian.accounts a ON a.id = m.account_id
          ORDER BY m.created_at, m.account_id`,
      );
      return rows.map((r) => ({ accountId: r.account_id, email: r.email, name: r.name, role: r.role, joinedAt: new Date(r.created_at).toISOString() }));
    },
    true,
  );
}

/**
 * Membership changes in one tenant take turns: without this, two owners
 * demoting each other lock their rows in opposite orders and deadlock.
 * Then the actor's own role is read again under the lock, so someone demoted
 * or removed a moment ago cannot still act at their old role.
 */
async function lockTenantAndActor(tx: Transaction, by: MemberActor): Promise<MemberActor> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('custodian.memberships'), hashtext(custodian.current_tenant()))`);
  const role = await lockMember(tx, by.id);
  if (!role) throw new CustodianError('ERR_AUTH_FORBIDDEN', 'you are no longer a member of this tenant');
  return { id: by.id, role };
}

async function lockMember(tx: Transaction, accountId: string): Promise<Role | null> {
  const { rows } = await tx.query<{ role: Role }>(`SELECT role FROM custodian.memberships WHERE account_id = $1 FOR UPDATE`, [accountId]);
  return rows[0]?.role ?? null;
}

async function ownersLeft(tx: Transaction): Promise<number> {
  // Lock every owner row: two concurrent demotions must not both see "another owner remains".
  const { rows } = await tx.query(`SELECT account_id FROM custodian.memberships WHERE role = 'owner' FOR UPDATE`);
  return rows.length;
}

/**
 * Changes a member's role. An admin may set roles up to admin on anyone but
 * an owner; only an owner may make or unmake an owner; the last owner stays.
 */
export async function changeRole(db: Database, tenant: string, input: { accountId: string; role: Role; by: MemberActor }): Promise<Member | null> {
  const accountId = uuidOrFail(input.accountId, 'the account id', 'ERR_HTTP_NOT_FOUND');
  if (!isRole(input.role)) throw new CustodianError('ERR_HTTP_BAD_REQUEST', 'role must be owner, admin, member or viewer');
  return tenantTx(db, tenant, async (tx) => {
    const by = await lockTenantAndActor(tx, input.by);
    if (ROLE_RANK[by.role] < ROLE_RANK.admin) throw new CustodianError('ERR_AUTH_FORBIDDEN', 'changing a role needs the members.manage permission');
    const current = await lockMember(tx, accountId);
    if (!current) return null;
    if ((current === 'owner' || input.role === 'owner') && by.role !== 'owner') {
      throw new CustodianError('ERR_MEMBERSHIP_CONFLICT', 'only an owner may make or unmake an owner');
    }
    if (ROLE_RANK[input.role] > ROLE_RANK[by.role]) throw new CustodianError('ERR_MEMBERSHIP_CONFLICT', 'a role above your own cannot be given');
    if (current === 'owner' && input.role !== 'owner' && (await ownersLeft(tx)) <= 1) {
      throw new CustodianError('ERR_MEMBERSHIP_CONFLICT', 'the tenant would be left without an owner; make someone else owner first');
    }
    if (current !== input.role) {
      await tx.query(`UPDATE custodian.memberships SET role = $2 WHERE account_id = $1`, [accountId, input.role]);
      await auditAuth(tx, { tenant, actor: { type: 'member', id: by.id }, action: 'member.role_changed', target: { type: 'account', id: accountId }, metadata: { from: current, to: input.role } });
    }
    const { rows } = await tx.query<{ email: string | null; name: string | null; created_at: Date }>(
      `SELECT a.email, a.name, m.created_at FROM custodian.memberships m JOIN custodian.accounts a ON a.id = m.account_id WHERE m.account_id = $1`,
      [accountId],
    );
    const r = rows[0]!;
    return { accountId, email: r.email, name: r.name, role: input.role, joinedAt: new Date(r.created_at).toISOString() };
  });
}

/**
 * Removes a member (or lets one leave). Admins remove non-owners; only an
 * owner removes an owner; the last owner stays. False when not a member.
 */
export async function removeMember(db: Database, tenant: string, input: { accountId: string; by: MemberActor }): Promise<boolean> {
  const accountId = uuidOrFail(input.accountId, 'the account id', 'ERR_HTTP_NOT_FOUND');
  return tenantTx(db, tenant, async (tx) => {
    const self = accountId === input.by.id;
    const by = await lockTenantAndActor(tx, input.by).catch((error: unknown) => {
      // Leaving when already gone is "not a member", not a refusal.
      if (self) return null;
      throw error;
    });
    if (!by) return false;
    const current = await lockMember(tx, accountId);
    if (!current) return false;
    if (!self && current === 'owner' && by.role !== 'owner') throw new CustodianError('ERR_MEMBERSHIP_CONFLICT', 'only an owner may remove an owner');
    if (!self && ROLE_RANK[by.role] < ROLE_RANK.admin) throw new CustodianError('ERR_AUTH_FORBIDDEN', 'removing another member needs the members.manage permission');
    if (current === 'owner' && (await ownersLeft(tx)) <= 1) {
      throw new CustodianError('ERR_MEMBERSHIP_CONFLICT', 'the tenant would be left without an owner; make someone else owner first');
    }
    await tx.query(`DELETE FROM custodian.memberships WHERE account_id = $1`, [accountId]);
    await auditAuth(tx, { tenant, actor: { type: 'member', id: by.id }, action: 'member.removed', target: { type: 'account', id: accountId }, metadata: { role: current, left: self } });
    return true;
  });
}

/** Adds a member directly (the command line's way to seat a tenant's first owner); audited as the system. */
export async function addMember(db: Database, tenant: string, input: { accountId: string; role: Role; by: string }): Promise<void> {
  const accountId = uuidOrFail(input.accountId, 'the account id');
  if (!isRole(input.role)) throw new CustodianError('ERR_HTTP_BAD_REQUEST', 'role must be owner, admin, member or viewer');
  await tenantTx(db, tenant, async (tx) => {
    await tx.query(
      `INSERT INTO custodian.memberships (tenant_id, account_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET role = excluded.role`,
      [tenant, accountId, input.role],
    );
    await auditAuth(tx, { tenant, actor: { type: 'system', id: input.by }, action: 'member.added', target: { type: 'account', id: accountId }, metadata: { role: input.role } });
  });
}

/** The tenants one account belongs to, with its role in each (the account's own view, read by account id). */
export async function membershipsOf(db: Database, accountId: string): Promise<Array<{ tenant: string; role: Role; joinedAt: string }>> {
  const { rows } = await db.query<{ tenant_id: string; role: Role; created_at: Date }>(
    `SELECT tenant_id, role, created_at FROM custodian.memberships WHERE account_id = $1 ORDER BY created_at, tenant_id`,
    [accountId],
  );
  return rows.map((r) => ({ tenant: r.tenant_id, role: r.role, joinedAt: new Date(r.created_at).toISOString() }));
}
