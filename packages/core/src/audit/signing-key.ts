import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Secret } from '../crypto/secret.js';
import { CustodianError } from '../errors.js';
import { formatVerifierKey, noteKeyId, type NoteVerifierKey } from './signed-note.js';

/** The environment variable holding the checkpoint signing key: a 32-byte Ed25519 seed as 64 hex characters. */
export const AUDIT_SIGNING_KEY_ENV = 'CUSTODIAN_AUDIT_SIGNING_KEY';
export const DEFAULT_SIGNING_KEY_NAME = 'custodian-audit';

/** Signs checkpoints. Holds the private key; shows nothing of it when printed. */
export interface CheckpointSigner extends NoteVerifierKey {
  /** `<name>+<key id hex>+<base64 key>`: give it to whoever should check checkpoints. */
  readonly verifierKey: string;
  sign(message: Uint8Array): Uint8Array;
}

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A signer from a 32-byte Ed25519 seed.
 *
 * @example
 * const signer = checkpointSignerFromSeed(new Secret(seedBytes));
 * console.log(signer.verifierKey);
 */
export function checkpointSignerFromSeed(seed: Secret<Uint8Array>, name = DEFAULT_SIGNING_KEY_NAME): CheckpointSigner {
  const bytes = seed.reveal();
  if (bytes.length !== 32) throw invalidKey('the checkpoint signing seed');
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, bytes]), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12));
  const signer: CheckpointSigner = {
    name,
    keyId: noteKeyId(name, publicKey),
    publicKey,
    verifierKey: formatVerifierKey(name, publicKey),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
  return Object.defineProperty(signer, 'toJSON', { value: () => ({ name, verifierKey: signer.verifierKey }), enumerable: false });
}

export interface ResolveSignerOptions {
  mode: 'development' | 'production';
  env?: NodeJS.ProcessEnv;
  /** Development only: where a generated key is kept between runs (e.g. `.custodian/dev-audit-signing-key`). */
  developmentKeyFile: string;
  /** Generate the development key file when missing (default true). A verifier passes false. */
  create?: boolean;
  name?: string;
}

export type SignerSource = 'environment' | 'development-file' | 'development-generated';

/**
 * The checkpoint signing key, found the way the root key is (docs/keys.md):
 * `CUSTODIAN_AUDIT_SIGNING_KEY`, required in production; in development a key
 * generated once into a file only its owner can read. Returns undefined only
 * when `create` is false and no key exists.
 */
export function resolveCheckpointSigner(options: ResolveSignerOptions): { signer: CheckpointSigner; source: SignerSource; file?: string } | undefined {
  const env = options.env ?? process.env;
  const fromEnv = env[AUDIT_SIGNING_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { signer: checkpointSignerFromSeed(parseSeed(fromEnv, AUDIT_SIGNING_KEY_ENV), options.name), source: 'environment' };
  }
  if (options.mode === 'production') {
    throw new CustodianError('ERR_KEY_REQUIRED', `production mode needs ${AUDIT_SIGNING_KEY_ENV} to sign audit checkpoints`, {
      hint: `set ${AUDIT_SIGNING_KEY_ENV} to 64 hex characters from \`openssl rand -hex 32\`, kept in your secret store`,
    });
  }
  const file = options.developmentKeyFile;
  if (existsSync(file)) {
    return { signer: checkpointSignerFromSeed(parseSeed(readFileSync(file, 'utf8'), 'the development audit signing key file'), options.name), source: 'development-file', file };
  }
  if (options.create === false) return undefined;
  mkdirSync(dirname(file), { recursive: true });
  const seed = randomBytes(32);
  writeFileSync(file, `${seed.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { signer: checkpointSignerFromSeed(new Secret(Uint8Array.from(seed)), options.name), source: 'development-generated', file };
}

function parseSeed(text: string, where: string): Secret<Uint8Array> {
  const trimmed = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) throw invalidKey(where);
  return new Secret(Uint8Array.from(Buffer.from(trimmed, 'hex')));
}

function invalidKey(where: string): CustodianError {
  return new CustodianError('ERR_KEY_INVALID', `${where} is not a 32-byte key in hex`, { hint: 'generate one with `openssl rand -hex 32` (64 hex characters)' });
}
