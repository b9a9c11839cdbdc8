import type { Database } from '../db/types.js';
import { auditAuth } from './audit.js';
import { isRole, type Role } from './permissions.js';
import { hashToken } from './tokens.js';

/** A grant under which an operator reads one tenant (C19). */
export interface ActiveGrant {
  id: string;
  expiresAt: Date;
  justification: string;
  ticket: string | null;
}

/** What a request's cookie resolves to, with its standing in one tenant when one was asked for. */
export interface ResolvedSession {
  sessionId: string;
  expiresAt: Date;
  account: { id: string; email: string | null; name: string | null };
  /** A platform operator (`custodian operators add`). */
  operator: boolean;
  /** The role in the tenant asked for; null when not a member or no tenant was asked for. */
  role: Role | null;
  /** The operator's live grant for that tenant, if any. */
  grant: ActiveGrant | null;
}

interface Row {
  session_id: string;
  expires_at: Date;
  account_id: string;
  email: string | null;
  name: string | null;
  operator: boolean;
  role: string | null;
  grant_id: string | null;
  grant_expires_at: Date | null;
  justification: string | null;
  ticket: string | null;
}

// One round trip per request: session, account, operator flag, membership and grant together.
const RESOLVE_SQL = `SELECT s.id::text AS session_id, s.expires_at, a.id::text AS account_id, a.email, a.name,
    (o.account_id IS NOT NULL) AS operator, m.role,
    g.id::text AS grant_id, g.expires_at AS grant_expires_at, g.justification, g.ticket
  FROM custodian.sessions s
  JOIN custodian.accounts a ON a.id = s.account_id AND a.deleted_at IS NULL
  LEFT JOIN custodian.operators o ON o.account_id = a.id
  LEFT JOIN custodian.memberships m ON m.account_id = a.id AND m.tenant_id = $2
  LEFT JOIN LATERAL (
    SELECT id, expires_at, justification, ticket FROM custodian.operator_grants
     WHERE operator_id = a.id AND tenant_id = $2 AND revoked_at IS NULL
       AND starts_at <= coalesce($3::timestamptz, now()) AND expires_at > coalesce($3::timestamptz, now())
     ORDER BY expires_at DESC LIMIT 1
  ) g ON o.account_id IS NOT NULL
  WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > coalesce($3::timestamptz, now())`;

/**
 * The live session a cookie's token names, or null: unknown, malformed,
 * expired, ended, or its account deleted all read as "no session".
 * With `tenant`, also the person's role there and an operator's live grant.
 */
export async function resolveSession(db: Database, token: unknown, options: { tenant?: string; at?: Date } = {}): Promise<ResolvedSession | null> {
  const hash = hashToken(token);
  if (!hash) return null;
  const { rows } = await db.query<Row>(RESOLVE_SQL, [hash, options.tenant ?? null, options.at ?? null]);
  const row = rows[0];
  if (!row) return null;
  return {
    sessionId: row.session_id,
    expiresAt: new Date(row.expires_at),
    account: { id: row.account_id, email: row.email, name: row.name },
    operator: row.operator,
    role: isRole(row.role) ? row.role : null,
    grant: row.grant_id
      ? { id: row.grant_id, expiresAt: new Date(row.grant_expires_at!), justification: row.justification!, ticket: row.ticket }
      : null,
  };
}

/** Ends one session (sign-out, A11); true when it was live. */
export async function endSession(db: Database, sessionId: string, options: { accountId: string; reason?: 'signed-out' | 'revoked'; at?: Date }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE custodian.sessions SET ended_at = coalesce($3::timestamptz, now()), ended_reason = $2
        WHERE id = $1 AND ended_at IS NULL`,
      [sessionId, options.reason ?? 'signed-out', options.at ?? null],
    );
    if (rowCount > 0) {
      await auditAuth(tx, { actor: { type: 'user', id: options.accountId }, action: 'auth.signout', subject: options.accountId, session: sessionId });
    }
    return rowCount > 0;
  });
}

/** An account's sessions, newest first, for its own export (C10). Token hashes are never returned. */
export async function listSessions(db: Database, accountId: string) {
  const { rows } = await db.query<{ id: string; created_at: Date; expires_at: Date; ended_at: Date | null; ended_reason: string | null }>(
    `SELECT id::text, created_at, expires_at, ended_at, ended_reason FROM custodian.sessions WHERE account_id = $1 ORDER BY created_at DESC`,
    [accountId],
  );
  return rows.map((r) => ({ id: r.id, createdAt: new Date(r.created_at).toISOString(), expiresAt: new Date(r.expires_at).toISOString(), endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null, endedReason: r.ended_reason }));
}
