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

/** The default hook: changes nothing. The log-redaction capability will supply the real one. */
export const noRedaction: RedactionHook = (metadata) => metadata;
