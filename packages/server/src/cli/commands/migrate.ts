import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { migrate, migrationStatus } from '@custodian/core/db';
import { DEFAULT_POLICY_FILE } from '@custodian/core/policy';
import { DATABASE_FLAGS, parse } from '../args.js';
import { migrationsFor, openFromFlags } from '../context.js';
import { green, info, json } from '../output.js';

export const summary = 'apply Custodian\'s and the application\'s migrations';

export const usage = `custodian migrate [--policy custodian.config.ts] [--migrations <dir>] [--status] [--json] [--database-url <url> | --data-dir <dir>]

Applies every pending migration in one transaction under an advisory lock:
Custodian's own first, then the application's from --migrations, or from the
migrations/ folder beside custodian.config.ts. A migration that was applied and
has since changed on disk stops the run before anything is applied.

  --policy <file>      the policy file whose folder holds migrations/ (default custodian.config.ts)
  --migrations <dir>   the application's migrations folder
  --status             list applied and pending migrations on stdout, change nothing
  --json               machine-readable output on stdout
  --database-url <url> PostgreSQL (default: DATABASE_URL)
  --data-dir <dir>     the embedded database's folder (default .custodian/data)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('migrate', argv, {
    ...DATABASE_FLAGS,
    migrations: { type: 'string' },
    policy: { type: 'string', short: 'p' },
    status: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  const policyFile = values.policy ?? (existsSync(DEFAULT_POLICY_FILE) ? DEFAULT_POLICY_FILE : undefined);
  const migrations = migrationsFor(policyFile ? resolve(policyFile) : undefined, values.migrations);
  // --status only reads: it must not create an empty embedded database.
  const db = await openFromFlags(values, { mustExist: values.status ?? false });
  try {
    if (values.status) {
      const status = await migrationStatus(db, migrations);
      if (values.json) json(status.map((s) => ({ id: s.migration.id, applied: s.applied })));
      else for (const s of status) process.stdout.write(`${s.applied ? 'applied' : 'pending'}  ${s.migration.id}\n`);
      return 0;
    }
    const started = Date.now();
    const result = await migrate(db, migrations, {
      onProgress: ({ migration, index, total }) => values.json || info(`applying ${migration.id} (${index + 1}/${total})`),
    });
    const ms = Date.now() - started;
    if (values.json) json({ applied: result.applied.map((m) => m.id), upToDate: result.upToDate, ms });
    else info(result.applied.length === 0 ? `${db.location}: up to date (${result.upToDate} migrations)` : green(`${db.location}: applied ${result.applied.length} migration(s) in ${ms} ms`));
    return 0;
  } finally {
    await db.close();
  }
}
