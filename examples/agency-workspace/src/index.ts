import { loadMigrations } from '@custodian/core/db';
import type { ReferenceApp } from '@custodian/core/testing';
import { fileURLToPath } from 'node:url';
import policy from '../custodian.config.js';
import { DEFAULT_SEED_NOW, seed } from './seed.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Reference app B: an agency workspace with AI agents, workrooms and integrations. */
export const app: ReferenceApp = {
  name: 'agency-workspace',
  description: 'Agency workspaces with AI agents, workrooms, encrypted messages and integrations, each tagged with a data region.',
  policy,
  migrations: () => loadMigrations(MIGRATIONS_DIR, 'app'),
  seed,
};

export { policy, seed, DEFAULT_SEED_NOW };
export default app;
export { changeMemberRole, type WorkspaceRole } from './admin.js';
export { routes } from './server.js';
