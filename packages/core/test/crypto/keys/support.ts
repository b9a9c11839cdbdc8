import { randomBytes } from 'node:crypto';
import { coreMigrations, migrate } from '@custodian/core/db';
import { EnvKeyProvider, KeyStore, Secret, type KeyStoreOptions } from '@custodian/core/crypto';
import { openTestDatabase, type TestDatabase } from '@custodian/core/testing';

export const codeOf = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

export async function keysDatabase(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  await migrate(db, coreMigrations());
  return db;
}

export const randomRoot = () => new Secret(Uint8Array.from(randomBytes(32)));

export function storeOn(db: TestDatabase, options: Partial<KeyStoreOptions> = {}, root = randomRoot()): KeyStore {
  return new KeyStore({ db, provider: new EnvKeyProvider(root), retireGraceMs: 0, ...options });
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
