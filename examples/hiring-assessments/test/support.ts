import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { openTestDatabase } from '@custodian/core/testing';
import { app, seed, type HiringSeedOptions, type HiringSeedReport } from '../src/index.js';

/** Every table of the app, parents first. */
export const APP_TABLES = [
  'companies',
  'company_members',
  'customer_api_keys',
  'billing_records',
  'candidates',
  'invites',
  'assessment_sessions',
  'session_events',
  'scorecards',
] as const;

/** A fresh database with Custodian's migrations and then the app's applied. */
export async function openMigrated(): Promise<Database> {
  const db = await openTestDatabase();
  await migrate(db, [...coreMigrations(), ...app.migrations()]);
  return db;
}

export async function openSeeded(options: HiringSeedOptions): Promise<{ db: Database; report: HiringSeedReport }> {
  const db = await openMigrated();
  const report = await seed(db, options);
  return { db, report };
}

export async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`, params);
  return rows[0]!.n;
}
