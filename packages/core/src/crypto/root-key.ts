import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CustodianError } from '../errors.js';
import { Secret } from './secret.js';

/** The environment variable that holds the root key: 32 bytes as 64 hex characters (A1). */
export const ROOT_KEY_ENV = 'CUSTODIAN_ROOT_KEY';

export type RootKeySource = 'environment' | 'development-file' | 'development-generated';

export interface RootKey {
  key: Secret<Uint8Array>;
  source: RootKeySource;
  /** Set for development keys: where the key file lives. */
  file?: string;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

function parseHexKey(text: string, where: string): Secret<Uint8Array> {
  const trimmed = text.trim();
  if (!HEX_KEY.test(trimmed)) {
    throw new CustodianError('ERR_KEY_INVALID', `${where} is not a 32-byte key in hex`, {
      hint: 'generate one with `openssl rand -hex 32` (64 hex characters)',
    });
  }
  return new Secret(Uint8Array.from(Buffer.from(trimmed, 'hex')));
}

export interface ResolveRootKeyOptions {
  mode: 'development' | 'production';
  env?: NodeJS.ProcessEnv;
  /** Development only: where to keep a generated key between runs. */
  developmentKeyFile: string;
}

/**
 * The root key from `CUSTODIAN_ROOT_KEY`. In production there is no other
 * source: a missing key stops the server. In development a key is generated
 * once into a file readable only by its owner, and the caller says so loudly.
 */
export function resolveRootKey(options: ResolveRootKeyOptions): RootKey {
  const env = options.env ?? process.env;
  const fromEnv = env[ROOT_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { key: parseHexKey(fromEnv, ROOT_KEY_ENV), source: 'environment' };
  }
  if (options.mode === 'production') {
    throw new CustodianError('ERR_KEY_REQUIRED', `production mode needs ${ROOT_KEY_ENV}`, {
      hint: `set ${ROOT_KEY_ENV} to 64 hex characters from \`openssl rand -hex 32\`, kept in your secret store`,
    });
  }
  const file = options.developmentKeyFile;
  if (existsSync(file)) {
    return { key: parseHexKey(readFileSync(file, 'utf8'), 'the development key file'), source: 'development-file', file };
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key: new Secret(Uint8Array.from(key)), source: 'development-generated', file };
}
