import type { AuditAppender } from '@custodian/core/audit';
import type { Actor } from '@custodian/core/crypto';
import { CustodianError } from '@custodian/core/errors';
import type { Database } from '@custodian/core/db';

/**
 * A platform operator hides a project from the public catalog (A19's gate, a
 * takedown). The change and its audit event go into the project's chain in
 * one transaction, so the project's owner sees who hid it and why (C19-style
 * operator visibility).
 */
export async function hideProject(db: Database, audit: AuditAppender, input: { project: string; reason: string; actor: Actor; ticket?: string }): Promise<void> {
  await db.transaction(
    async (tx) => {
      const { rowCount } = await tx.query(`UPDATE projects SET hidden = true, gate_reason = $2, updated_at = now() WHERE id = $1 AND NOT hidden`, [input.project, input.reason]);
      if (rowCount === 0) throw new CustodianError('ERR_CONFIG_INVALID', 'no visible project with that id');
      await audit.append(tx, {
        tenant: input.project,
        actor: { type: input.actor.type, id: input.actor.id },
        action: 'project.hide',
        target: { type: 'project', id: input.project },
        purpose: input.reason,
        metadata: input.ticket === undefined ? {} : { ticket: input.ticket },
      });
    },
    { tenantId: input.project },
  );
}
