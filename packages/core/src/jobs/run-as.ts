import type { Database, Queryable } from '../db/types.js';

/**
 * Runs `fn` on the database directly (each statement commits on its own), or,
 * when a role is given, in a transaction as that role: how a worker runs as
 * the application role with least privilege.
 */
export function runAs<T>(db: Database, role: string | undefined, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return role === undefined ? fn(db) : db.transaction(fn, { role });
}
