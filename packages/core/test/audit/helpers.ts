import { coreMigrations, migrate } from '@custodian/core/db';
import { openTestDatabase, type TestDatabase } from '@custodian/core/testing';
import type { AuditEventInput } from '@custodian/core/audit';

/** A fresh test database with Custodian's migrations applied. */
export async function openAuditDatabase(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  await migrate(db, coreMigrations());
  return db;
}

/** A plausible event for `tenant`, numbered `n` so rows differ. */
export function sampleEvent(tenant: string, n: number, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    tenant,
    actor: { type: 'member', id: `member-${n % 3}` },
    action: 'plan.change',
    target: { type: 'plan', id: `plan-${n}` },
    subject: `subject-${n % 5}`,
    session: `session-${n % 4}`,
    purpose: 'billing',
    ip: n % 2 ? '192.0.2.10' : '2001:db8::1',
    userAgent: 'Mozilla/5.0 (test)',
    metadata: { n, tier: n % 2 ? 'pro' : 'free', note: 'é ü 漢字' },
    ...extra,
  };
}

/** Runs `sql` as the connection's superuser with triggers off (`session_replication_role = replica`): how an attacker with full access tampers. */
export async function tamper(db: TestDatabase, sql: string, params: unknown[] = []): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    return (await tx.query(sql, params)).rowCount;
  });
}
