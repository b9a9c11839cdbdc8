import { coreMigrations, migrate } from '@custodian/core/db';
import type { Clock } from '@custodian/core/jobs';
import { openTestDatabase, type TestDatabase } from '@custodian/core/testing';

/** A fresh test database with Custodian's migrations applied. */
export async function openQueueDatabase(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  await migrate(db, coreMigrations());
  return db;
}

/** A clock the test moves by hand. */
export function manualClock(start = '2026-03-02T09:00:00.000Z'): { clock: Clock; advance(ms: number): void; now(): Date } {
  let at = new Date(start);
  return { clock: () => at, advance: (ms) => (at = new Date(at.getTime() + ms)), now: () => at };
}
