import { createInvite } from '@custodian/core/auth';
import { quoteIdent, quoteQualified, type Database } from '@custodian/core/db';
import { ConfigError } from '@custodian/core/errors';
import type { Policy } from '@custodian/core/policy';
import { intFlag, parse } from '../args.js';
import { listExamples, loadExample, loadExampleRoutes } from '../../demo/examples.js';
import { openDemoDatabase } from '../../demo/demo-database.js';
import { green, info, progress } from '../output.js';
import { rootKeyFor, startServer } from '../start-server.js';

export const summary = 'start the server on an embedded database seeded with a reference app';

export const usage = `custodian demo [--example hiring-assessments] [--subjects 1000] [--port 3000] [--host 127.0.0.1] [--data-dir .custodian/demo/<example>] [--reset] [--no-serve]

Creates an embedded database for the example (first run only), applies its
migrations, seeds it with --subjects people, and serves it. Needs no
environment variables: a development root key is generated and kept in .custodian/.

  --reset      throw away the demo database and seed it again
  --no-serve   create and seed, then exit`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('demo', argv, {
    example: { type: 'string', short: 'e' },
    subjects: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    reset: { type: 'boolean' },
    'no-serve': { type: 'boolean' },
  });
  if (values.help) return info(`${usage}\n\nexamples: ${listExamples().join(', ')}`), 0;
  if (process.env.NODE_ENV === 'production') {
    throw new ConfigError('the demo does not run in production mode', 'unset NODE_ENV, or use `custodian serve` with your own policy');
  }
  const name = values.example ?? 'hiring-assessments';
  const subjects = intFlag('demo', 'subjects', values.subjects, 1000, [1, 1_000_000]);
  const port = intFlag('demo', 'port', values.port, 3000, [0, 65535]);
  const app = await loadExample(name);
  const dataDir = values['data-dir'] ?? `.custodian/demo/${name}`;
  // Resolved before seeding: the seed's encrypted columns are sealed under data keys this root key wraps.
  const rootKey = rootKeyFor('development', '.custodian');
  const bar = progress(`seeding ${name} with ${subjects} subjects`);
  const { db, seeded } = await openDemoDatabase({
    app,
    dataDir,
    subjects,
    reset: values.reset ?? false,
    rootKey: rootKey.key,
    onMigrated: (ms, count) => info(`migrated ${dataDir} (${count} migrations) in ${ms} ms`),
    onProgress: (done, total) => bar.update(done, total),
  });
  if (seeded) bar.done(`${Object.values(seeded.rows).reduce((a, b) => a + b, 0)} rows`);
  else info(`using the demo database in ${dataDir} (seeded earlier; --reset to seed again)`);
  if (values['no-serve']) {
    await db.close();
    return 0;
  }
  try {
    // The demo signs people in by email alone (POST /v1/auth/dev/signin); production never enables it.
    const url = await startServer({ policy: app.policy, db, mode: 'development', host: values.host ?? '127.0.0.1', port, stateDir: '.custodian', rootKey, devSignIn: true, routes: await loadExampleRoutes(name, db) });
    info(green(`Custodian demo (${name}) is running at ${url}`));
    await announceDemoOwner(db, app.policy, url);
    info('press Ctrl-C to stop');
    return -1;
  } catch (error) {
    await db.close();
    throw error;
  }
}

const DEMO_OWNER = 'owner@demo.example';

/**
 * Seats nobody by itself: it invites a demo owner into the first tenant and
 * prints how to sign in and accept, so the tenant API can be tried at once.
 * A fresh invite each start (the token is shown once and only its hash is kept).
 */
async function announceDemoOwner(db: Database, policy: Policy, url: string): Promise<void> {
  if (!policy.tenants) return;
  const { rows } = await db.query<{ id: string }>(`SELECT ${quoteIdent(policy.tenants.key)}::text AS id FROM ${quoteQualified(policy.tenants.table)} ORDER BY 1 LIMIT 1`);
  const tenant = rows[0]?.id;
  if (!tenant) return;
  const invite = await createInvite(db, { tenant, email: DEMO_OWNER, role: 'owner', ttlSeconds: 86_400, by: { type: 'system', id: 'demo' } });
  info(`try the API as the owner of tenant ${tenant} (see ${url}/openapi.json):`);
  info(`  curl -c jar -H 'content-type: application/json' -d '{"email":"${DEMO_OWNER}"}' ${url}/v1/auth/dev/signin`);
  info(`  curl -b jar -H 'content-type: application/json' -d '{"token":"${invite.token}"}' ${url}/v1/invites/accept`);
  info(`  curl -b jar '${url}/v1/audit?tenant=${tenant}&limit=5'`);
}
