import { createRedactor, type Redactor } from '../redact/redactor.js';
import type { JsonObject } from './types.js';

/**
 * Runs over an event's metadata before it is encoded, hashed and written
 * (C7: secrets are redacted before an audit row exists, so they never enter
 * the chain). Returns the metadata to store.
 *
 * @example
 * const dropTokens: RedactionHook = (m) => Object.fromEntries(Object.entries(m).filter(([k]) => !/token/i.test(k)));
 */
export type RedactionHook = (metadata: JsonObject, event: { tenant: string; action: string }) => JsonObject;

/** Stores metadata exactly as given. Only for callers that redacted it already. */
export const noRedaction: RedactionHook = (metadata) => metadata;

/**
 * The hook for a redactor: denied keys replaced whole, secrets and personal
 * data in every string replaced by markers (docs/redaction.md). The server
 * passes the one built from the policy, so logs and audit rows are cleaned
 * the same way.
 */
export function redactionHook(redactor: Redactor): RedactionHook {
  return (metadata) => redactor.value(metadata);
}

let shared: RedactionHook | undefined;

/** The default: the built-in detectors and deny-list, with a tag key of this process's own. */
export function defaultRedaction(): RedactionHook {
  shared ??= redactionHook(createRedactor());
  return shared;
}
