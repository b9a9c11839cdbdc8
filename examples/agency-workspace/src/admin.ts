import type { AuditAppender } from '@custodian/core/audit';
import type { Actor } from '@custodian/core/crypto';
import { CustodianError } from '@custodian/core/errors';
import type { Database } from '@custodian/core/db';

export type WorkspaceRole = 'owner' | 'admin' | 'member' | 'viewer';

/**
 * A workspace admin changes a member's role (B9). The change and its audit
 * event commit together in the workspace's chain, or neither does.
 */
export async function changeMemberRole(db: Database, audit: AuditAppender, input: { workspace: string; user: string; role: Exclude<WorkspaceRole, 'owner'>; actor: Actor }): Promise<{ from: WorkspaceRole }> {
  return db.transaction(
    async (tx) => {
      const { rows } = await tx.query<{ role: WorkspaceRole }>(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE`, [input.workspace, input.user]);
      const from = rows[0]?.role;
      if (!from) throw new CustodianError('ERR_CONFIG_INVALID', 'the user is not a member of the workspace');
      if (from === 'owner') throw new CustodianError('ERR_CONFIG_INVALID', 'the owner’s role is changed by transferring ownership, not here');
      await tx.query(`UPDATE workspace_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2`, [input.workspace, input.user, input.role]);
      await audit.append(tx, {
        tenant: input.workspace,
        actor: { type: input.actor.type, id: input.actor.id },
        ...(input.actor.sessionId === undefined ? {} : { session: input.actor.sessionId }),
        action: 'member.role_change',
        target: { type: 'user', id: input.user },
        subject: input.user,
        metadata: { from, to: input.role },
      });
      return { from };
    },
    { tenantId: input.workspace },
  );
}
