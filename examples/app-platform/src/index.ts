import { loadMigrations } from '@custodian/core/db';
import type { ReferenceApp } from '@custodian/core/testing';
import { fileURLToPath } from 'node:url';
import policy, { PLACEHOLDER_USER_ID } from '../custodian.config.js';
import { DEFAULT_SEED_NOW, seed } from './seed.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Reference app A: creators publish AI-generated apps that other people run. */
export const app: ReferenceApp = {
  name: 'app-platform',
  description: 'Creators publish AI-generated React apps that other people run; credits, creator payouts and W-9 tax forms.',
  policy,
  migrations: () => loadMigrations(MIGRATIONS_DIR, 'app'),
  seed,
};

export { policy, seed, DEFAULT_SEED_NOW, PLACEHOLDER_USER_ID };
export default app;
export { hideProject } from './admin.js';
export { routesFor } from './server.js';
