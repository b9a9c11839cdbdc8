import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '@custodian/core/errors';
import type { Database } from '@custodian/core/db';
import type { ReferenceApp } from '@custodian/core/testing';
import type { ApiOptions } from '../api/index.js';

/** The reference apps live in the repository's examples/ folder, beside this package. */
const EXAMPLES_DIR = fileURLToPath(new URL('../../../../examples/', import.meta.url));

export function listExamples(): string[] {
  if (!existsSync(EXAMPLES_DIR)) return [];
  return readdirSync(EXAMPLES_DIR).filter((name) => existsSync(`${EXAMPLES_DIR}${name}/src/index.ts`)).sort();
}

/** Loads `examples/<name>`; the name is checked against the folder list, never used as a raw path. */
export async function loadExample(name: string): Promise<ReferenceApp> {
  const known = listExamples();
  if (!known.includes(name)) {
    throw new ConfigError(`no example named "${name.slice(0, 40)}"`, `choose one of: ${known.join(', ')}`);
  }
  const mod = (await import(pathToFileURL(`${EXAMPLES_DIR}${name}/src/index.ts`).href)) as { app: ReferenceApp };
  return mod.app;
}

/**
 * The example's own API routes, when it has any: `routes`, or `routesFor(db)`
 * for an app whose routes read outside any tenant and so need the database.
 */
export async function loadExampleRoutes(name: string, db: Database): Promise<ApiOptions['routes']> {
  await loadExample(name); // checks the name
  const mod = (await import(pathToFileURL(`${EXAMPLES_DIR}${name}/src/index.ts`).href)) as { routes?: ApiOptions['routes']; routesFor?: (db: Database) => ApiOptions['routes'] };
  return mod.routes ?? mod.routesFor?.(db);
}
