import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { coreMigrations, loadMigrations, openDatabase, DEFAULT_DATA_DIR, type Database, type Migration } from '@custodian/core/db';
import { tsImport } from 'tsx/esm/api';
import { loadPolicyFile, DEFAULT_POLICY_FILE, type LoadedPolicy } from '@custodian/core/policy';

export interface DatabaseFlags {
  'database-url'?: string | undefined;
  'data-dir'?: string | undefined;
}

/** `--database-url`, else `DATABASE_URL`, else the embedded database in `--data-dir`. */
export async function openFromFlags(flags: DatabaseFlags, options: { mustExist?: boolean } = {}): Promise<Database> {
  // Only `migrate` may create an embedded database; elsewhere a mistyped folder is an error, not a new empty database.
  return openDatabase({
    url: flags['database-url'] ?? process.env.DATABASE_URL,
    dataDir: flags['data-dir'] ?? DEFAULT_DATA_DIR,
    mustExist: options.mustExist ?? false,
  });
}

/** Opens the database named by the flags (it must exist), runs `fn`, and closes it whatever happens. */
export async function withDatabase<T>(flags: DatabaseFlags, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openFromFlags(flags, { mustExist: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Loads the policy file as ESM TypeScript, whatever the `type` in its folder's package.json. */
export function loadPolicy(flags: { policy?: string | undefined }): Promise<LoadedPolicy> {
  return loadPolicyFile(flags.policy ?? DEFAULT_POLICY_FILE, { importer: (url) => tsImport(url, import.meta.url) });
}

/**
 * Custodian's own migrations, then the application's: `--migrations <dir>`,
 * else a `migrations/` folder beside the policy file when there is one.
 */
export function migrationsFor(policyFile: string | undefined, dir: string | undefined): Migration[] {
  const appDir = dir ?? (policyFile ? join(dirname(policyFile), 'migrations') : undefined);
  const app = appDir && (dir !== undefined || existsSync(appDir)) ? loadMigrations(appDir, 'app') : [];
  return [...coreMigrations(), ...app];
}
