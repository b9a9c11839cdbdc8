import { signIn, type Account, type OpenedSession } from '@custodian/core/auth';
import { coreMigrations, migrate, sqlState, type Database, type Queryable, type Transaction, type TransactionOptions } from '@custodian/core/db';
import { isCustodianError } from '@custodian/core/errors';
import { definePolicy, type Policy, type PolicyInput } from '@custodian/core/policy';
import { openTestDatabase, type TestDatabase } from '@custodian/core/testing';
import { basePolicy } from '../policy/fixture.js';

export const ISSUER = 'https://idp.example';

/** A fresh test database with Custodian's migrations applied. */
export async function openAuthDatabase(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  await migrate(db, coreMigrations());
  return db;
}

/** Signs a person in through the real `signIn`, with a day-long session unless told otherwise. */
export function signInAs(
  db: Database,
  subject: string,
  email: string | null,
  options: { ttlSeconds?: number; at?: Date; issuer?: string; name?: string | null } = {},
): Promise<{ account: Account; session: OpenedSession }> {
  return signIn(
    db,
    { issuer: options.issuer ?? ISSUER, subject, email, name: options.name === undefined ? `Person ${subject}` : options.name },
    { ttlSeconds: options.ttlSeconds ?? 86_400, ...(options.at ? { at: options.at } : {}) },
  );
}

/** The small valid policy of the policy tests, with `access` laid over it. */
export function policyWith(access: PolicyInput['access'] = undefined): Policy {
  const input = basePolicy();
  if (access !== undefined) input.access = access;
  return definePolicy(input);
}

/** For `assert.rejects`: a CustodianError with this code. */
export const code = (c: string) => (e: unknown) => {
  if (isCustodianError(e) && e.code === c) return true;
  throw e;
};

/** For `assert.rejects`: a database error with this SQLSTATE. */
export const sqlstate = (s: string) => (e: unknown) => {
  if (sqlState(e) === s) return true;
  throw e;
};

/** Every row of every custodian.* table, as PostgreSQL prints it: where a stored secret would show. */
export async function everyRowAsText(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'custodian' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const parts: string[] = [];
  for (const { table_name } of rows) {
    const dump = await db.query<{ t: string }>(`SELECT t::text AS t FROM custodian."${table_name.replace(/"/g, '""')}" t`);
    parts.push(...dump.rows.map((r) => `${table_name}: ${r.t}`));
  }
  return parts.join('\n');
}

/** Every audit event of every chain, serialised. */
export async function everyAuditEventAsText(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ t: string }>(`SELECT e::text AS t FROM custodian.audit_events e ORDER BY tenant_id, seq`);
  return rows.map((r) => r.t).join('\n');
}

/**
 * The real database, with the SQL text of every statement the code under
 * test sends recorded in order (parameters are not recorded: they are the
 * part allowed to differ). Transactions are recorded with their options.
 */
export function recordingDatabase(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const wrap = (tx: Queryable): Transaction => ({
    query: (sql, params) => {
      statements.push(sql);
      return tx.query(sql, params);
    },
    exec: (sql) => {
      statements.push(sql);
      return tx.exec(sql);
    },
  });
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === 'query' || prop === 'exec') return wrap(target)[prop];
      if (prop === 'transaction') {
        return <T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions) => {
          statements.push(`transaction ${JSON.stringify(options ?? {})}`);
          return target.transaction((tx) => fn(wrap(tx)), options);
        };
      }
      // Private fields need the real object as `this`.
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy, statements };
}
