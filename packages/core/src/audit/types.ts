/** Who did it. The same kinds as the decrypt records (`Actor` in `@custodian/core/crypto`). */
export type ActorType = 'user' | 'member' | 'operator' | 'service' | 'system';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * One event to append. Everything but `tenant`, `actor` and `action` is
 * optional. Ids are text: the log outlives the rows they name.
 *
 * @example
 * const event: AuditEventInput = {
 *   tenant: 'company-1',
 *   actor: { type: 'operator', id: 'op-3' },
 *   action: 'operator.read',
 *   target: { type: 'candidate', id: 'c-42' },
 *   subject: 'c-42',
 *   purpose: 'support-ticket-981',
 *   metadata: { ticket: 981 },
 * };
 */
export interface AuditEventInput {
  /** Whose chain the event joins (C19: an operator's read of a tenant's data goes in that tenant's chain). */
  tenant: string;
  actor: { type: ActorType; id: string };
  /** Namespaced, lower case: `key.decrypt`, `dsar.export`, `operator.read`. */
  action: string;
  target?: { type: string; id: string | number | bigint };
  /** The data subject the event is about, as text (kept after the subject is deleted, C5). */
  subject?: string;
  /** The session the event came from, as text. */
  session?: string;
  purpose?: string;
  /** An IPv4 or IPv6 address. */
  ip?: string;
  /** Cut to 512 characters: it is client-controlled and not worth refusing an audit write over. */
  userAgent?: string;
  /** Passed through the redaction hook, then stored as RFC 8785 JSON. */
  metadata?: JsonObject;
  /** When it happened; defaults to the database clock at the moment of the append. For imports and tests. */
  at?: Date;
}

/** What an append returns: the event's place in its tenant's chain. */
export interface AppendedEvent {
  tenant: string;
  seq: number;
  /** The event's chain hash, hex. */
  hash: string;
}
