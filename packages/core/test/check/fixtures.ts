import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database } from '@custodian/core/db';
import { definePolicy, type Policy, type PolicyInput } from '@custodian/core/policy';
import { openTestDatabase } from '@custodian/core/testing';

/**
 * A small app: users (pseudonymised or deleted on erasure), their projects and
 * comments, reviews reassigned to a placeholder, sessions with events two hops
 * from the user, tax forms kept for a legal period, and a price list about no one.
 */
export const APP_SQL = `
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,
  display_name varchar(80),
  language text,
  last_login_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE projects (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, owner_id uuid NOT NULL REFERENCES users (id), title text NOT NULL);
CREATE TABLE comments (
  id bigint PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  author_id uuid NOT NULL REFERENCES users (id),
  body text
);
CREATE TABLE reviews (id bigint PRIMARY KEY, reviewer_id uuid NOT NULL REFERENCES users (id), rating int NOT NULL);
CREATE TABLE sessions (id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id), ip inet, created_at timestamptz NOT NULL);
CREATE TABLE session_events (id bigint PRIMARY KEY, session_id uuid NOT NULL REFERENCES sessions (id), payload jsonb);
CREATE TABLE tax_forms (id bigint PRIMARY KEY, user_id uuid REFERENCES users (id) ON DELETE SET NULL, ssn bytea, created_at timestamptz NOT NULL);
CREATE TABLE plans (id text PRIMARY KEY, price_cents int NOT NULL);
`;

const text = (s: string) => ({ description: s, purpose: `${s} (purpose)` });

/** A policy that fits APP_SQL exactly; each test breaks one thing in a fresh copy. */
export function appPolicy(): PolicyInput {
  return {
    version: '1.0',
    effectiveDate: '2026-01-01',
    organization: { name: 'Example', url: 'https://example.com' },
    contacts: { privacy: { email: 'privacy@example.com' }, security: { email: 'security@example.com' } },
    subjects: {
      user: {
        description: 'A person with an account',
        table: 'users',
        identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email', lookup: 'normalized' } },
        placeholder: { key: '00000000-0000-4000-8000-000000000000', description: 'Deleted user' },
        activity: ['users.last_login_at'],
      },
    },
    tables: {
      users: {
        ...text('Accounts'),
        owner: { subject: 'user', column: 'id' },
        softDelete: 'deleted_at',
        erase: { action: 'delete-row' },
        columns: { email: { category: 'contact' }, display_name: { category: 'profile' }, language: { category: 'preference' } },
      },
      projects: { ...text('Projects'), owner: { subject: 'user', column: 'owner_id' }, erase: { action: 'delete-row' }, columns: { title: { category: 'content' } } },
      comments: { ...text('Comments'), owner: { subject: 'user', column: 'author_id' }, columns: { body: { category: 'content' } } },
      reviews: {
        ...text('Reviews'),
        owner: { subject: 'user', column: 'reviewer_id' },
        columns: { reviewer_id: { category: 'identifier', erase: { action: 'reassign' } }, rating: { category: 'assessment' } },
      },
      sessions: { ...text('Sessions'), owner: { subject: 'user', column: 'user_id' }, columns: { ip: { category: 'device' } } },
      session_events: {
        ...text('Session events'),
        owner: { subject: 'user', path: [{ column: 'session_id', references: 'sessions.id' }, { column: 'user_id', references: 'users.id' }] },
        columns: { payload: { category: 'usage' } },
      },
      tax_forms: {
        ...text('Tax forms'),
        owner: { subject: 'user', column: 'user_id' },
        erase: { action: 'retain', until: 'tax-records', reason: 'Tax law' },
        columns: { ssn: { category: 'government-id', encryption: { algorithm: 'aes-256-gcm', keyScope: 'root' } } },
      },
      plans: { ...text('Price list'), notAboutPersons: 'Prices of plans', columns: {} },
    },
    retention: [
      { id: 'tax-records', description: 'Tax forms', basis: 'legal', table: 'tax_forms', from: 'created_at', stages: [{ after: '7y', action: 'hard-delete' }] },
      { id: 'sessions', description: 'Sessions', basis: 'operational', table: 'sessions', from: 'created_at', stages: [{ after: '180d', action: 'hard-delete' }] },
    ],
  };
}

/** The policy input with `change` applied, validated: checks only ever see a policy that passed definePolicy. */
export function policyWith(change: (p: PolicyInput) => void, base: PolicyInput = appPolicy()): Policy {
  const input = structuredClone(base);
  change(input);
  return definePolicy(input);
}

/**
 * One database per test file (opening PGlite is the slow part); each test
 * gives `schemaOf` its own small schema, which replaces whatever `public`
 * held before, and gets back what `introspect` reads from it.
 */
export interface CheckDatabase {
  db: Database;
  schemaOf(sql: string): Promise<DatabaseSchema>;
  close(): Promise<void>;
}

export async function openCheckDatabase(): Promise<CheckDatabase> {
  const db = await openTestDatabase();
  return {
    db,
    async schemaOf(sql) {
      await db.exec(`DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; ${sql}`);
      return introspect(db);
    },
    close: () => db.close(),
  };
}
