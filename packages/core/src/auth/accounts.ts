import type { Database } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { auditAuth } from './audit.js';
import { newToken } from './tokens.js';

/** Who signed in, as the OpenID provider vouched (or the development sign-in). */
export interface SignInIdentity {
  /** The provider's issuer URL, or `development`. */
  issuer: string;
  /** The provider's `sub` claim. */
  subject: string;
  email: string | null;
  name: string | null;
}

export interface Account {
  id: string;
  email: string | null;
  name: string | null;
}

export interface OpenedSession {
  id: string;
  /** For the cookie only: the database keeps its hash. */
  token: string;
  expiresAt: Date;
}

export interface SignInOptions {
  /** Session lifetime in seconds. */
  ttlSeconds: number;
  /** For the audit event. */
  ip?: string;
  userAgent?: string;
  /** The clock; the database's by default. */
  at?: Date;
}

const MAX_TEXT = 320;

function field(value: string | null, name: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_TEXT) {
    throw new CustodianError('ERR_AUTH_CALLBACK_INVALID', `the provider's ${name} claim is not a string of at most ${MAX_TEXT} characters`);
  }
  return value;
}

/**
 * Finds or creates the account for a verified identity and opens a session
 * for it, in one transaction with an `auth.signin` audit event. A deleted
 * account is refused (A7): the session trigger refuses it too.
 */
export async function signIn(db: Database, identity: SignInIdentity, options: SignInOptions): Promise<{ account: Account; session: OpenedSession }> {
  const issuer = field(identity.issuer, 'iss');
  const subject = field(identity.subject, 'sub');
  if (!issuer || !subject) throw new CustodianError('ERR_AUTH_CALLBACK_INVALID', 'the identity has no issuer or subject');
  const email = field(identity.email, 'email')?.trim().toLowerCase() || null;
  const name = field(identity.name, 'name');
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 60) {
    throw new CustodianError('ERR_CONFIG_INVALID', 'a session lifetime must be a whole number of seconds, at least 60');
  }
  const { token, hash } = newToken();
  return db.transaction(async (tx) => {
    const at = options.at ?? null;
    const { rows } = await tx.query<{ id: string; deleted: boolean }>(
      `INSERT INTO custodian.accounts AS a (issuer, subject, email, name, created_at, last_sign_in_at)
       VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()), coalesce($5::timestamptz, now()))
       ON CONFLICT (issuer, subject) DO UPDATE
         SET email = CASE WHEN a.deleted_at IS NULL THEN excluded.email END,
             name = CASE WHEN a.deleted_at IS NULL THEN excluded.name END,
             last_sign_in_at = CASE WHEN a.deleted_at IS NULL THEN excluded.last_sign_in_at ELSE a.last_sign_in_at END
       RETURNING id::text, deleted_at IS NOT NULL AS deleted`,
      [issuer, subject, email, name, at],
    );
    const account = rows[0]!;
    if (account.deleted) throw new CustodianError('ERR_AUTH_ACCOUNT_DELETED', 'this account was deleted; sign-in is refused');
    const session = await tx.query<{ id: string; expires_at: Date }>(
      `INSERT INTO custodian.sessions (account_id, token_hash, created_at, expires_at)
       VALUES ($1, $2, coalesce($3::timestamptz, now()), coalesce($3::timestamptz, now()) + make_interval(secs => $4))
       RETURNING id::text, expires_at`,
      [account.id, hash, at, options.ttlSeconds],
    );
    const opened = session.rows[0]!;
    await auditAuth(tx, {
      actor: { type: 'user', id: account.id },
      action: 'auth.signin',
      subject: account.id,
      session: opened.id,
      ...(options.ip ? { ip: options.ip } : {}),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      metadata: { issuer },
    });
    return { account: { id: account.id, email, name }, session: { id: opened.id, token, expiresAt: new Date(opened.expires_at) } };
  });
}

/**
 * Deletes an account (A7, C11): every session ends at once, memberships and
 * operator rights go, email and name are cleared, and the issuer/subject pair
 * stays only so a later sign-in is refused. Returns false when it was deleted already.
 */
export async function deleteAccount(db: Database, accountId: string, options: { at?: Date } = {}): Promise<boolean> {
  return db.transaction(async (tx) => {
    const at = options.at ?? null;
    const { rowCount } = await tx.query(
      `UPDATE custodian.accounts SET deleted_at = coalesce($2::timestamptz, now()), email = NULL, name = NULL
        WHERE id = $1 AND deleted_at IS NULL`,
      [accountId, at],
    );
    if (rowCount === 0) return false;
    const ended = await tx.query(
      `UPDATE custodian.sessions SET ended_at = coalesce($2::timestamptz, now()), ended_reason = 'account-deleted'
        WHERE account_id = $1 AND ended_at IS NULL`,
      [accountId, at],
    );
    const memberships = await tx.query<{ tenant_id: string }>(`DELETE FROM custodian.memberships WHERE account_id = $1 RETURNING tenant_id`, [accountId]);
    await tx.query(`DELETE FROM custodian.operators WHERE account_id = $1`, [accountId]);
    await auditAuth(tx, { actor: { type: 'user', id: accountId }, action: 'account.deleted', subject: accountId, metadata: { sessionsEnded: ended.rowCount } });
    for (const { tenant_id } of memberships.rows) {
      await auditAuth(tx, { tenant: tenant_id, actor: { type: 'user', id: accountId }, action: 'member.removed', target: { type: 'account', id: accountId }, metadata: { reason: 'account-deleted' } });
    }
    return true;
  });
}

/** An account as its owner sees it in their export (C10): the provider's ids, never a token. */
export async function accountRecord(db: Database, accountId: string) {
  const { rows } = await db.query<{ id: string; issuer: string; subject: string; email: string | null; name: string | null; created_at: Date; last_sign_in_at: Date | null }>(
    `SELECT id::text, issuer, subject, email, name, created_at, last_sign_in_at FROM custodian.accounts WHERE id = $1`,
    [accountId],
  );
  const r = rows[0];
  if (!r) return null;
  return { id: r.id, issuer: r.issuer, subject: r.subject, email: r.email, name: r.name, createdAt: new Date(r.created_at).toISOString(), lastSignInAt: r.last_sign_in_at ? new Date(r.last_sign_in_at).toISOString() : null };
}
