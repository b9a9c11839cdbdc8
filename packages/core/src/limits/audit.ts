import { createAuditAppender } from '../audit/index.js';
import type { Database } from '../db/types.js';
import { PLATFORM_TENANT } from '../dsar/requests/types.js';
import { tenantsSeenFrom } from './blocklist.js';
import type { PlacedBlock } from './brute-force.js';

const appender = createAuditAppender();

/**
 * Records a brute-force block (C23) in the platform chain and in the chain of
 * every tenant it affects: for an address, the tenants whose members signed
 * in from it lately; for a target, the tenants the caller names (an invite's
 * tenant, an account's memberships). One transaction, so all or none.
 */
export async function auditBruteForceBlock(
  db: Database,
  input: { block: PlacedBlock; routeClass: string; ip?: string | undefined; userAgent?: string | undefined; tenants?: readonly string[] },
): Promise<void> {
  const { block } = input;
  const metadata = { routeClass: input.routeClass, scope: block.scope, key: block.key, level: block.level, blockedForSeconds: block.seconds };
  const origin = { ...(input.ip ? { ip: input.ip } : {}), ...(input.userAgent ? { userAgent: input.userAgent.slice(0, 512) } : {}) };
  await db.transaction(async (tx) => {
    const event = { actor: { type: 'system' as const, id: 'brute-force-guard' }, action: 'security.brute_force_blocked', target: { type: `brute-force-${block.scope}`, id: block.key }, ...origin, metadata };
    await appender.append(tx, { tenant: PLATFORM_TENANT, ...event });
    const tenants = new Set(input.tenants ?? []);
    if (block.scope === 'ip' && block.key !== 'unknown') for (const t of await tenantsSeenFrom(tx, block.key)) tenants.add(t);
    for (const tenant of [...tenants].sort()) await appender.append(tx, { tenant, ...event });
  });
}
