import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '@custodian/core/db';
import { openTestDatabase } from '@custodian/core/testing';

export const BIN = fileURLToPath(new URL('../../bin/custodian.js', import.meta.url));
export const POLICY_MODULE = new URL('../../../core/src/policy/index.ts', import.meta.url).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `custodian` binary in `cwd`, as a user would. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A project folder with a policy file and an app migration, plus the flags
 * that point the CLI at a database of its own: a fresh PostgreSQL database
 * when DATABASE_URL is set, else an embedded one in the folder.
 */
export async function project(policySource: string, migrationSql: string): Promise<{ dir: string; dbFlags: string[]; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-cli-'));
  writeFileSync(join(dir, 'custodian.config.ts'), policySource);
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'migrations', '0001_app.sql'), migrationSql);
  if (!process.env.DATABASE_URL) return { dir, dbFlags: ['--data-dir', join(dir, 'db')], cleanup: async () => {} };
  const db = await openTestDatabase();
  return { dir, dbFlags: ['--database-url', db.url!], cleanup: () => db.close() };
}

/**
 * CLI flags for a database of the test's own: a fresh PostgreSQL database when
 * DATABASE_URL is set (dropped by `close`), else an embedded one in `dir/db`.
 */
export async function cliDatabase(dir: string): Promise<{ flags: string[]; close(): Promise<void> }> {
  if (!process.env.DATABASE_URL) return { flags: ['--data-dir', join(dir, 'db')], close: async () => {} };
  const db = await openTestDatabase();
  await db.query('SELECT 1'); // the test database exists once this answers
  return { flags: ['--database-url', db.url!], close: () => db.close() };
}

/**
 * Opens the database the CLI flags name, runs `fn` and closes it again:
 * PGlite admits one process per folder, so the test holds it only between
 * CLI runs. A relative --data-dir is taken from `cwd`.
 */
export async function withDatabase<T>(dbFlags: readonly string[], fn: (db: Database) => Promise<T>, cwd = '.'): Promise<T> {
  const db = dbFlags[0] === '--database-url' ? await openDatabase({ url: dbFlags[1] }) : await openDatabase({ dataDir: resolve(cwd, dbFlags[1]!) });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Runs the CLI and SIGKILLs it once its progress has passed `killAfterPercent`, plus a random few milliseconds. */
export function runAndKill(args: string[], cwd: string, env: NodeJS.ProcessEnv, killAfterPercent: number): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      const percents = [...stderr.matchAll(/(\d+)% \(/g)].map((m) => Number(m[1]));
      if (!armed && percents.some((p) => p >= killAfterPercent)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 150));
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ killed: signal === 'SIGKILL', stderr: `${stderr}\n(exit ${code ?? signal})` }));
  });
}

export const APP_SQL = `
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE,
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE TABLE notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

export function policySource(overrides: { emailErase?: string } = {}): string {
  const emailErase = overrides.emailErase ?? `{ action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' }`;
  return `import { definePolicy } from '${POLICY_MODULE}';
export default definePolicy({
  version: '1.0',
  effectiveDate: '2026-12-01',
  organization: { name: 'Notes Inc', url: 'https://notes.example' },
  contacts: { privacy: { email: 'privacy@notes.example' }, security: { email: 'security@notes.example' } },
  subjects: { user: { description: 'A person with an account', table: 'users', identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email', lookup: 'normalized' } } } },
  tables: {
    users: {
      description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, softDelete: 'deleted_at',
      columns: {
        email: { category: 'contact', erase: ${emailErase} },
        name: { category: 'profile', erase: { action: 'set-null' } },
      },
    },
    notes: {
      description: 'Notes', purpose: 'The product', owner: { subject: 'user', column: 'user_id' }, erase: { action: 'delete-row' },
      columns: { body: { category: 'content' } },
    },
  },
  retention: [{ id: 'notes-1y', description: 'Notes', basis: 'operational', table: 'notes', from: 'created_at', stages: [{ after: '1y', action: 'hard-delete' }] }],
});
`;
}

/** True when the text looks like a stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

/** An app with tenants (workspaces), for commands that act per tenant: members and their messages. */
export const TENANT_APP_SQL = `
CREATE TABLE workspaces (id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE members (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id text NOT NULL REFERENCES workspaces (id),
  email text NOT NULL,
  name text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

/** The policy for TENANT_APP_SQL: messages are deleted 90 days after they were written (rule `messages-90d`). */
export function tenantPolicySource(): string {
  return `import { definePolicy } from '${POLICY_MODULE}';
export default definePolicy({
  version: '1.0',
  effectiveDate: '2026-12-01',
  organization: { name: 'Chat Inc', url: 'https://chat.example' },
  contacts: { privacy: { email: 'privacy@chat.example' }, security: { email: 'security@chat.example' } },
  tenants: { table: 'workspaces', key: 'id' },
  subjects: { member: { description: 'A workspace member', table: 'members', tenant: 'workspace_id', identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email', lookup: 'normalized' } } } },
  tables: {
    workspaces: { description: 'Workspaces', purpose: 'Running the service', tenant: 'id', notAboutPersons: 'organisations', columns: { name: { category: 'business' } } },
    members: {
      description: 'Members', purpose: 'Sign-in', owner: { subject: 'member', column: 'id' }, tenant: 'workspace_id',
      columns: {
        email: { category: 'contact', erase: { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' } },
        name: { category: 'profile', erase: { action: 'set-null' } },
      },
    },
    messages: {
      description: 'Messages', purpose: 'The product', owner: { subject: 'member', column: 'member_id' }, tenant: 'workspace_id', erase: { action: 'delete-row' },
      columns: { body: { category: 'content' } },
    },
  },
  retention: [{ id: 'messages-90d', description: 'Messages', basis: 'operational', table: 'messages', from: 'created_at', stages: [{ after: '90d', action: 'hard-delete' }] }],
});
`;
}
