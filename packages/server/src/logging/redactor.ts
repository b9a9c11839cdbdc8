import { hkdfSync } from 'node:crypto';
import type { Secret } from '@custodian/core/crypto';
import type { PolicyData } from '@custodian/core/policy';
import { createRedactor, type Redactor } from '@custodian/core/redact';

/**
 * The redactor the server's logs (and audit metadata) go through, configured
 * by the policy's `logging.redact`: extra deny-listed keys, extra patterns,
 * whether non-secret prefixes are kept.
 *
 * The correlation tag key is derived from the root key when one is given, so
 * every instance tags the same secret alike and tags are stable across
 * restarts; without one, a random key per process.
 */
export function redactorForPolicy(policy: Pick<PolicyData, 'logging'>, rootKey?: Secret<Uint8Array>): Redactor {
  const redact = policy.logging.redact;
  return createRedactor({
    ...(rootKey ? { tagKey: logTagKey(rootKey) } : {}),
    denyKeys: redact.denyKeys,
    patterns: redact.patterns,
    keepPrefixes: redact.keepPrefixes,
  });
}

/** HKDF-SHA256 from the root key, under its own label: the tag key reveals nothing about the root key. */
export function logTagKey(rootKey: Secret<Uint8Array>): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', rootKey.reveal(), Buffer.from('custodian/redact/tag-key/v1'), Buffer.alloc(0), 32));
}
