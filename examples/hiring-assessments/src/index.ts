import { fileURLToPath } from 'node:url';
import { loadMigrations } from '@custodian/core/db';
import type { ReferenceApp } from '@custodian/core/testing';
import policy from '../custodian.config.js';
import { seed } from './seed.js';

export { policy, seed };
export { DEFAULT_NOW, DEFAULT_SEED, inviteToken, hashInviteToken, type HiringSeedOptions, type HiringSeedReport, type HeavySubject } from './seed.js';

/** The application's migrations live beside `src/`, as an adopter's would. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/**
 * Reference app C: companies invite candidates to AI-assisted coding
 * assessments. The demo server seeds this one.
 */
export const app: ReferenceApp = {
  name: 'hiring-assessments',
  description:
    'A hiring-assessment product: companies invite candidates to AI-assisted coding sessions; session data, customer API keys, invite tokens, scorecards and billing records.',
  policy,
  migrations: () => loadMigrations(MIGRATIONS_DIR, 'app'),
  seed,
};

export default app;
export { revokeApiKey, useApiKey } from './admin.js';
export { routesFor } from './server.js';
