import type { AuditAppender } from '@custodian/core/audit';
import type { Actor, FieldCrypto, Secret } from '@custodian/core/crypto';
import { CustodianError } from '@custodian/core/errors';
import type { Database } from '@custodian/core/db';

/**
 * Company admin actions of the reference app, each one business change and
 * its audit event in one transaction: the event commits with the change, or
 * neither does (C3, C4).
 */

/** Revokes a customer API key; the audit event keeps its last 4 characters, never the key. */
export async function revokeApiKey(db: Database, audit: AuditAppender, input: { company: string; keyId: string; actor: Actor; reason: string }): Promise<void> {
  await db.transaction(
    async (tx) => {
      const { rows } = await tx.query<{ key_last4: string }>(
        `UPDATE customer_api_keys SET revoked_at = now() WHERE company_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING key_last4`,
        [input.company, input.keyId],
      );
      if (rows.length === 0) throw new CustodianError('ERR_CONFIG_INVALID', 'no active API key with that id in the company');
      await audit.append(tx, {
        tenant: input.company,
        actor: { type: input.actor.type, id: input.actor.id },
        ...(input.actor.sessionId === undefined ? {} : { session: input.actor.sessionId }),
        action: 'api_key.revoke',
        target: { type: 'api_key', id: input.keyId },
        purpose: input.reason,
        metadata: { last4: rows[0]!.key_last4 },
      });
    },
    { tenantId: input.company },
  );
}

/**
 * The plaintext of a customer's AI key, to start an assessment session with it
 * (C2): the decrypt is recorded in the company's audit chain before the key is
 * returned, when the field crypto's sink is the audit log.
 */
export async function useApiKey(db: Database, fields: FieldCrypto, input: { company: string; keyId: string; actor: Actor }): Promise<Secret<string>> {
  const { rows } = await db.transaction(
    (tx) => tx.query<{ key_ciphertext: Uint8Array }>(`SELECT key_ciphertext FROM customer_api_keys WHERE company_id = $1 AND id = $2 AND revoked_at IS NULL`, [input.company, input.keyId]),
    { tenantId: input.company },
  );
  if (!rows[0]) throw new CustodianError('ERR_CONFIG_INVALID', 'no active API key with that id in the company');
  const ref = { table: 'customer_api_keys', column: 'key_ciphertext', tenant: input.company, primaryKey: [input.company, input.keyId] };
  return fields.open(ref, rows[0].key_ciphertext, { purpose: 'assessment-session', actor: input.actor });
}
