import { APP_ROLE } from '../db/roles.js';
import type { Database } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { auditAuth } from './audit.js';
import { isRole, type Role } from './permissions.js';
import { uuidOrFail } from './ids.js';
import { hashToken, newToken, sameHash } from './tokens.js';

export interface CreatedInvite {
  id: string;
  /** Shown once, to be sent to the invitee; only its hash is stored (C20). */
  token: string;
  expiresAt: Date;
}

export interface InviteSummary {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
  state: 'pending' | 'used' | 'expired' | 'revoked';
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
/** Compared against when a token matches no invite, so a miss does the work a hit does. */
const DUMMY_HASH = Buffer.alloc(32, 0x5a);
const INVALID = () => new CustodianError('ERR_INVITE_INVALID', 'this invite is not valid: it may have expired, been used or been revoked');

/** Who acts: a member (with their role) or the command line. */
export type InviteActor = { type: 'member'; id: string; role: Role } | { type: 'system'; id: string };

/**
 * Invites `email` into `tenant` with `role`, valid for `ttlSeconds`. Runs as
 * the application role in the tenant's context (RLS) with a `member.invited`
 * audit event. Only an owner may invite an owner.
 */
export async function createInvite(
  db: Database,
  input: { tenant: string; email: string; role: Role; ttlSeconds: number; by: InviteActor; at?: Date },
): Promise<CreatedInvite> {
  const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
  if (!EMAIL.test(email)) throw new CustodianError('ERR_HTTP_BAD_REQUEST', 'email must be an email address');
  if (!isRole(input.role)) throw new CustodianError('ERR_HTTP_BAD_REQUEST', 'role must be owner, admin, member or viewer');
  if (input.role === 'owner' && input.by.type === 'member' && input.by.role !== 'owner') {
    throw new CustodianError('ERR_MEMBERSHIP_CONFLICT', 'only an owner may invite an owner');
  }
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 60) throw new CustodianError('ERR_CONFIG_INVALID', 'an invite lifetime must be a whole number of seconds, at least 60');
  const { token, hash } = newToken();
  return db.transaction(
    async (tx) => {
      const { rows } = await tx.query<{ id: string; expires_at: Date }>(
        `INSERT INTO custodian.invites (tenant_id, email, role, token_hash, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), coalesce($6::timestamptz, now()) + make_interval(secs => $7))
         RETURNING id::text, expires_at`,
        [input.tenant, email, input.role, hash, input.by.type === 'member' ? input.by.id : null, input.at ?? null, input.ttlSeconds],
      );
      const invite = rows[0]!;
      await auditAuth(tx, { tenant: input.tenant, actor: { type: input.by.type, id: input.by.id }, action: 'member.invited', target: { type: 'invite', id: invite.id }, metadata: { role: input.role } });
      return { id: invite.id, token, expiresAt: new Date(invite.expires_at) };
    },
    { tenantId: input.tenant, role: APP_ROLE },
  );
}

interface InviteRow {
  id: string;
  tenant_id: string;
  email: string;
  role: Role;
  token_hash: Buffer | Uint8Array;
  live: boolean;
}

/**
 * Accepts an invite for a signed-in account: single use, expiring, and for
 * the address it was sent to. The lookup does the same work whether the
 * token is known or not (one indexed read by hash, one constant-time
 * compare), and every failure is the same error, so neither timing nor the
 * answer tells a guesser anything (C20).
 */
export async function acceptInvite(
  db: Database,
  token: unknown,
  account: { id: string; email: string | null },
  options: { at?: Date } = {},
): Promise<{ tenant: string; role: Role }> {
  const hash = hashToken(token) ?? DUMMY_HASH;
  return db.transaction(async (tx) => {
    // Before any tenant is known: read as the owner, by hash only, and lock the row against a second use.
    const { rows } = await tx.query<InviteRow>(
      `SELECT id::text, tenant_id, email, role, token_hash,
              (used_at IS NULL AND revoked_at IS NULL AND expires_at > coalesce($2::timestamptz, now())) AS live
         FROM custodian.invites WHERE token_hash = $1 FOR UPDATE`,
      [hash, options.at ?? null],
    );
    const row = rows[0];
    const matches = sameHash(row ? Buffer.from(row.token_hash) : DUMMY_HASH, hash);
    if (!row || !matches || !row.live || hash === DUMMY_HASH) throw INVALID();
    if (!account.email || account.email.toLowerCase() !== row.email) throw INVALID();
    const live = await tx.query(`SELECT 1 FROM custodian.accounts WHERE id = $1 AND deleted_at IS NULL FOR SHARE`, [account.id]);
    if (live.rows.length === 0) throw new CustodianError('ERR_AUTH_ACCOUNT_DELETED', 'this account was deleted');
    await tx.query(`UPDATE custodian.invites SET used_at = coalesce($2::timestamptz, now()), used_by = $3 WHERE id = $1`, [row.id, options.at ?? null, account.id]);
    // Already a member: the invite is spent and the existing role stays.
    const joined = await tx.query<{ role: Role }>(
      `INSERT INTO custodian.memberships (tenant_id, account_id, role, created_at) VALUES ($1, $2, $3, coalesce($4::timestamptz, now()))
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET role = custodian.memberships.role
       RETURNING role`,
      [row.tenant_id, account.id, row.role, options.at ?? null],
    );
    const role = joined.rows[0]!.role;
    await auditAuth(tx, { tenant: row.tenant_id, actor: { type: 'user', id: account.id }, action: 'member.joined', target: { type: 'invite', id: row.id }, subject: account.id, metadata: { role } });
    return { tenant: row.tenant_id, role };
  });
}

/** A tenant's invites, newest first, without their tokens (which are not stored). */
export async function listInvites(db: Database, tenant: string, options: { at?: Date } = {}): Promise<InviteSummary[]> {
  return db.transaction(
    async (tx) => {
      const { rows } = await tx.query<{ id: string; email: string; role: Role; created_at: Date; expires_at: Date; used_at: Date | null; revoked_at: Date | null; expired: boolean }>(
        `SELECT id::text, email, role, created_at, expires_at, used_at, revoked_at, expires_at <= coalesce($1::timestamptz, now()) AS expired
           FROM custodian.invites ORDER BY created_at DESC, id LIMIT 1000`,
        [options.at ?? null],
      );
      return rows.map((r) => ({
        id: r.id,
        email: r.email,
        role: r.role,
        createdAt: new Date(r.created_at).toISOString(),
        expiresAt: new Date(r.expires_at).toISOString(),
        state: r.revoked_at ? 'revoked' : r.used_at ? 'used' : r.expired ? 'expired' : 'pending',
      }));
    },
    { tenantId: tenant, role: APP_ROLE, readOnly: true },
  );
}

/** Revokes a pending invite; false when the tenant has no pending invite with that id. */
export async function revokeInvite(db: Database, tenant: string, inviteId: string, by: InviteActor, options: { at?: Date } = {}): Promise<boolean> {
  const id = uuidOrFail(inviteId, 'the invite id', 'ERR_HTTP_NOT_FOUND');
  return db.transaction(
    async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE custodian.invites SET revoked_at = coalesce($2::timestamptz, now()) WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL`,
        [id, options.at ?? null],
      );
      if (rowCount > 0) await auditAuth(tx, { tenant, actor: { type: by.type, id: by.id }, action: 'member.invite_revoked', target: { type: 'invite', id } });
      return rowCount > 0;
    },
    { tenantId: tenant, role: APP_ROLE },
  );
}
