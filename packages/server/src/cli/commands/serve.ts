import { migrationStatus } from '@custodian/core/db';
import { CustodianError } from '@custodian/core/errors';
import { DATABASE_FLAGS, POLICY_FLAGS, intFlag, parse } from '../args.js';
import { loadPolicy, migrationsFor, openFromFlags } from '../context.js';
import { green, info } from '../output.js';
import { modeFrom, startServer } from '../start-server.js';

export const summary = 'run the server for a policy';

export const usage = `custodian serve [--policy custodian.config.ts] [--migrations <dir>] [--port 3000] [--host 127.0.0.1] [--production] [--database-url <url> | --data-dir <dir>]

Serves the privacy page, security.txt, the sub-processor list and the policy
API for the given policy. Refuses to start while migrations are pending.
Production mode (--production or NODE_ENV=production) requires CUSTODIAN_ROOT_KEY;
development mode keeps a generated key in .custodian/dev-root-key.

  --migrations <dir>   the application's migrations folder, checked for pending files
  --dev-signin         sign-in by email alone, for local development (refused with --production)

Sign-in: for each provider in the policy's auth.providers, set
CUSTODIAN_OIDC_<ID>_CLIENT_ID and CUSTODIAN_OIDC_<ID>_CLIENT_SECRET (and
_ISSUER to use another issuer); CUSTODIAN_PUBLIC_URL is the address people
reach the server at (redirect URIs and invite links are built from it).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('serve', argv, {
    ...DATABASE_FLAGS,
    ...POLICY_FLAGS,
    migrations: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    production: { type: 'boolean' },
    'dev-signin': { type: 'boolean' },
  });
  if (values.help) return info(usage), 0;
  const port = intFlag('serve', 'port', values.port, 3000, [0, 65535]);
  const mode = modeFrom(values.production);
  const { policy, file } = await loadPolicy(values);
  const db = await openFromFlags(values, { mustExist: true });
  try {
    const pending = (await migrationStatus(db, migrationsFor(file, values.migrations))).filter((s) => !s.applied);
    if (pending.length > 0) {
      throw new CustodianError('ERR_MIGRATION_PENDING', `${pending.length} migration(s) are not applied to ${db.location}`, {
        hint: 'run `custodian migrate` first',
      });
    }
    if (values['dev-signin'] && mode === 'production') {
      throw new CustodianError('ERR_CONFIG_INVALID', '--dev-signin cannot be used in production', { hint: 'sign in through an OpenID provider (auth.providers)' });
    }
    const url = await startServer({ policy, db, mode, host: values.host ?? '127.0.0.1', port, stateDir: '.custodian', devSignIn: values['dev-signin'] ?? false });
    info(green(`Custodian is serving ${policy.organization.name}'s policy at ${url} (${mode})`));
    return -1; // keep running
  } catch (error) {
    await db.close();
    throw error;
  }
}
