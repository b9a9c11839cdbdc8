import type { LimitStore } from '@custodian/core/limits';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addMember, setOperator, signIn } from '@custodian/core/auth';
import { coreMigrations, migrate } from '@custodian/core/db';
import { definePolicy, type Policy, type PolicyInput } from '@custodian/core/policy';
import { openTestDatabase, type TestDatabase } from '@custodian/core/testing';
import { buildServer, createLogger, SESSION_COOKIE, tenantParams, type ApiOptions } from '@custodian/server';
import { TENANT_APP_SQL } from '../cli/run-cli.js';

/**
 * The command-line tests' workspace chat app with row-level security on its
 * tenant tables: the smallest application that exercises every part of the API. Workspaces
 * are tenants; members are the data subject a signed-in person is (by email).
 */
export const CHAT_SQL = `${TENANT_APP_SQL}
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON members USING (workspace_id = custodian.current_tenant());
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON messages USING (workspace_id = custodian.current_tenant());
-- C18: message bodies only for members with a sufficient role (and operators under a grant).
CREATE POLICY by_role ON messages AS RESTRICTIVE USING (custodian.current_member_role() IN ('owner', 'admin', 'member', 'operator'));
GRANT SELECT, INSERT, UPDATE, DELETE ON members, messages TO custodian_app;
`;

export function chatPolicyInput(): PolicyInput {
  return {
    version: '1.0',
    effectiveDate: '2026-12-01',
    organization: { name: 'Chat Inc', url: 'https://chat.example' },
    contacts: { privacy: { email: 'privacy@chat.example' }, security: { email: 'security@chat.example' } },
    tenants: { table: 'workspaces', key: 'id' },
    subjects: {
      member: {
        description: 'A workspace member',
        table: 'members',
        tenant: 'workspace_id',
        identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email', lookup: 'normalized' } },
      },
    },
    tables: {
      workspaces: { description: 'Workspaces', purpose: 'Running the service', tenant: 'id', notAboutPersons: 'organisations', columns: { name: { category: 'business' } } },
      members: {
        description: 'Members',
        purpose: 'Sign-in',
        owner: { subject: 'member', column: 'id' },
        tenant: 'workspace_id',
        columns: {
          email: { category: 'contact', erase: { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' } },
          name: { category: 'profile', erase: { action: 'set-null' } },
        },
      },
      messages: {
        description: 'Messages',
        purpose: 'The product',
        owner: { subject: 'member', column: 'member_id' },
        tenant: 'workspace_id',
        erase: { action: 'delete-row' },
        columns: { body: { category: 'content' } },
      },
    },
    auth: {
      providers: [{ id: 'google', kind: 'oidc', name: 'Google', issuer: 'https://accounts.google.com' }],
      subject: { name: 'member', identity: 'email' },
    },
    access: { permissions: { 'messages.read': ['owner', 'admin', 'member'] } },
  } as PolicyInput;
}

export const chatPolicy = (): Policy => definePolicy(chatPolicyInput());

/** The application's own tenant-scoped read: what the HTTP benchmark measures, and what C18 is about. */
export const messagesRoute: NonNullable<ApiOptions['routes']> = (api) =>
  api.route({
    method: 'GET',
    url: '/v1/tenants/:tenant/messages',
    tag: 'app',
    summary: 'The workspace\'s latest messages',
    access: { kind: 'tenant', permission: 'messages.read' },
    params: tenantParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
    responses: { 200: { description: 'Messages, newest first.' } },
    handler: async ({ tenant, query }) =>
      tenant!.tx(async (tx) => ({ messages: (await tx.query(`SELECT id::text, member_id::text, body FROM messages ORDER BY id DESC LIMIT $1`, [query.limit])).rows }), { readOnly: true }),
  });

export interface ApiHarness {
  app: FastifyInstance;
  db: TestDatabase;
  policy: Policy;
  /** Every log line the server wrote. */
  logs: string[];
  /** Signs `email` in through the development sign-in and returns the Cookie header value. */
  signInAs(email: string, name?: string): Promise<{ cookie: string; accountId: string; token: string }>;
  /** Seats an account in a tenant directly (as the command line does). */
  seat(accountId: string, tenant: string, role: 'owner' | 'admin' | 'member' | 'viewer'): Promise<void>;
  makeOperator(email: string): Promise<void>;
  close(): Promise<void>;
}

/** A migrated database (PGlite, or PostgreSQL with DATABASE_URL) with the chat app, two workspaces with a member and a message each, and the server over it. */
export async function startApi(
  options: { policy?: Policy; api?: ApiOptions; mode?: 'development' | 'production'; limitStore?: LimitStore; trustProxy?: boolean } = {},
): Promise<ApiHarness> {
  const db = await openTestDatabase();
  await migrate(db, coreMigrations());
  await db.exec(CHAT_SQL);
  await db.exec(`INSERT INTO workspaces VALUES ('ws-a', 'Alpha'), ('ws-b', 'Beta');
    INSERT INTO members (workspace_id, email, name) VALUES ('ws-a', 'ada@example.com', 'Ada'), ('ws-b', 'bob@example.com', 'Bob');
    INSERT INTO messages (workspace_id, member_id, body) SELECT workspace_id, id, 'hello from ' || name FROM members;`);
  const policy = options.policy ?? chatPolicy();
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  let app: FastifyInstance;
  try {
    app = await buildServer({ policy, db, logger, mode: options.mode ?? 'development', limitStore: options.limitStore, trustProxy: options.trustProxy, api: { devSignIn: true, routes: messagesRoute, ...options.api } });
    await app.ready();
  } catch (error) {
    // A refused configuration must not leave the database open (the test process would never exit).
    await db.close();
    throw error;
  }
  return {
    app,
    db,
    policy,
    logs,
    async signInAs(email, name) {
      const { account, session } = await signIn(db, { issuer: 'development', subject: email, email, name: name ?? null }, { ttlSeconds: 3600 });
      return { cookie: `${SESSION_COOKIE}=${session.token}`, accountId: account.id, token: session.token };
    },
    seat: (accountId, tenant, role) => addMember(db, tenant, { accountId, role, by: 'test' }),
    async makeOperator(email) {
      await setOperator(db, { email, operator: true, by: 'test' });
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
