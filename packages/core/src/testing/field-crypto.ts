import { randomBytes } from 'node:crypto';
import { databaseDecryptAudit } from '../crypto/decrypt-audit/database-sink.js';
import { FieldCrypto } from '../crypto/fields/field-crypto.js';
import { KeyStore } from '../crypto/keys/key-store.js';
import { EnvKeyProvider } from '../crypto/kms/env-provider.js';
import { Secret } from '../crypto/secret.js';
import type { Database } from '../db/types.js';
import type { Policy } from '../policy/define.js';

/**
 * Field encryption over a fresh random root key: for seeds, tests and
 * benchmarks that need real ciphertext in the tables. Pass `root` to be able
 * to read the values again later (the demo passes its development key).
 */
export function fieldCryptoFor(db: Database, policy: Policy, root: Secret<Uint8Array> = new Secret(Uint8Array.from(randomBytes(32)))): FieldCrypto {
  const keys = new KeyStore({ db, provider: new EnvKeyProvider(root) });
  // The index secret is derived from the root, so a known root also finds rows by blind index.
  return new FieldCrypto({ policy, keys, audit: databaseDecryptAudit(db), indexSecret: root });
}
