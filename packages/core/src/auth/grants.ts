import type { Database, Queryable } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { approxSeconds, type Policy } from '../policy/index.js';
import { auditAuth } from './audit.js';
import { uuidOrFail } from './ids.js';

export interface OperatorGrant {
  id: string;
  operatorId: string;
  tenant: string;
  justification: string;
  ticket: string | null;
  startsAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

interface GrantRow {
  id: string;
  operator_id: string;
  tenant_id: string;
  justification: string;
  ticket: string | null;
  starts_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = `id::text, operator_id::text, tenant_id, justification, ticket, starts_at, expires_at, revoked_at`;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toGrant = (r: GrantRow): OperatorGrant => ({
  id: r.id,
  operatorId: r.operator_id,
  tenant: r.tenant_id,
  justification: r.justification,
  ticket: r.ticket,
  startsAt: iso(r.starts_at)!,
  expiresAt: iso(r.expires_at)!,
  revokedAt: iso(r.revoked_at),
});



export async function isOperator(db: Database, accountId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM custodian.operators WHERE account_id = $1`, [uuidOrFail(accountId, 'the account id')]);
  return rows.length > 0;
}

/**
 * Opens a time-boxed grant for an operator to read one tenant (C19): a
 * justification, a ticket id when the policy requires one, and at most
 * `access.operators.maxGrant`. Recorded as `operator.grant.opened` in the
 * tenant's own chain, so the tenant sees it on its audit page (C8).
 */
export async function openGrant(
  db: Database,
  policy: Policy,
  input: { operatorId: string; tenant: string; justification: string; ticket?: string | null; durationSeconds: number; at?: Date },
): Promise<OperatorGrant> {
  const justification = typeof input.justification === 'string' ? input.justification.trim() : '';
  if (justification.length < 10 || justification.length > 1000) invalidThrow('the justification must be 10 to 1000 characters', 'say why the access is needed, e.g. "customer asked us to debug their export (ticket 4411)"');
  const ticket = typeof input.ticket === 'string' && input.ticket.trim() !== '' ? input.ticket.trim() : null;
  if (ticket !== null && ticket.length > 200) invalidThrow('the ticket id must be at most 200 characters');
  if (ticket === null && policy.access.operators.requireTicket) invalidThrow('the policy requires a ticket id for operator access (access.operators.requireTicket)');
  const max = approxSeconds(policy.access.operators.maxGrant);
  if (!Number.isInteger(input.durationSeconds) || input.durationSeconds < 60 || input.durationSeconds > max) {
    invalidThrow(`a grant lasts from 60 seconds to the policy's maximum (${policy.access.operators.maxGrant})`);
  }
  if (typeof input.tenant !== 'string' || input.tenant.trim() === '' || input.tenant.length > 200) invalidThrow('the tenant id is missing or longer than 200 characters');
  const operatorId = uuidOrFail(input.operatorId, 'the operator id', 'ERR_AUTH_FORBIDDEN');
  return db.transaction(async (tx) => {
    const operator = await tx.query(`SELECT 1 FROM custodian.operators WHERE account_id = $1`, [operatorId]);
    if (operator.rows.length === 0) throw new CustodianError('ERR_AUTH_FORBIDDEN', 'only a platform operator may open an access grant');
    const { rows } = await tx.query<GrantRow>(
      `INSERT INTO custodian.operator_grants (operator_id, tenant_id, justification, ticket, starts_at, expires_at)
       VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()), coalesce($5::timestamptz, now()) + make_interval(secs => $6))
       RETURNING ${COLUMNS}`,
      [operatorId, input.tenant, justification, ticket, input.at ?? null, input.durationSeconds],
    );
    const grant = toGrant(rows[0]!);
    await auditAuth(tx, {
      tenant: grant.tenant,
      actor: { type: 'operator', id: grant.operatorId },
      action: 'operator.grant.opened',
      target: { type: 'operator-grant', id: grant.id },
      purpose: 'operator-access',
      metadata: { justification, ticket, expiresAt: grant.expiresAt },
    });
    return grant;
  });
}

function invalidThrow(message: string, hint?: string): never {
  throw new CustodianError('ERR_OPERATOR_GRANT_INVALID', message, hint ? { hint } : {});
}

/** Ends a grant early; recorded in the tenant's chain. False when no live grant of this operator has that id. */
export async function revokeGrant(db: Database, input: { grantId: string; operatorId: string; at?: Date }): Promise<OperatorGrant | null> {
  const grantId = uuidOrFail(input.grantId, 'the grant id', 'ERR_HTTP_NOT_FOUND');
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<GrantRow>(
      `UPDATE custodian.operator_grants SET revoked_at = coalesce($3::timestamptz, now())
        WHERE id = $1 AND operator_id = $2 AND revoked_at IS NULL AND expires_at > coalesce($3::timestamptz, now())
        RETURNING ${COLUMNS}`,
      [grantId, input.operatorId, input.at ?? null],
    );
    if (!rows[0]) return null;
    const grant = toGrant(rows[0]);
    await auditAuth(tx, { tenant: grant.tenant, actor: { type: 'operator', id: grant.operatorId }, action: 'operator.grant.revoked', target: { type: 'operator-grant', id: grant.id } });
    return grant;
  });
}

/** Grants, newest first: one operator's, or on one tenant (what the tenant sees). */
export async function listGrants(db: Queryable, filter: { operatorId?: string; tenant?: string; limit?: number }): Promise<OperatorGrant[]> {
  const { rows } = await db.query<GrantRow>(
    `SELECT ${COLUMNS} FROM custodian.operator_grants
      WHERE ($1::uuid IS NULL OR operator_id = $1) AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY starts_at DESC, id LIMIT $3`,
    [filter.operatorId ?? null, filter.tenant ?? null, Math.min(Math.max(filter.limit ?? 100, 1), 1000)],
  );
  return rows.map(toGrant);
}

/** Makes an existing account a platform operator (or stops it being one). */
export async function setOperator(db: Database, input: { email: string; operator: boolean; by: string }): Promise<{ accountId: string; changed: boolean }> {
  const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(`SELECT id::text FROM custodian.accounts WHERE lower(email) = $1 AND deleted_at IS NULL`, [email]);
    if (rows.length !== 1) {
      throw new CustodianError('ERR_CONFIG_INVALID', rows.length === 0 ? 'no live account has that email' : 'several accounts share that email', {
        hint: 'the person signs in once first, so their account exists',
      });
    }
    const accountId = rows[0]!.id;
    const change = input.operator
      ? await tx.query(`INSERT INTO custodian.operators (account_id, added_by) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [accountId, input.by])
      : await tx.query(`DELETE FROM custodian.operators WHERE account_id = $1`, [accountId]);
    if (change.rowCount > 0) {
      await auditAuth(tx, { actor: { type: 'system', id: input.by }, action: input.operator ? 'operator.added' : 'operator.removed', target: { type: 'account', id: accountId } });
    }
    return { accountId, changed: change.rowCount > 0 };
  });
}
