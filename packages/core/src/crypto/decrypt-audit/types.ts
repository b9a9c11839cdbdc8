/** Who asked for a decrypt. */
export interface Actor {
  type: 'user' | 'member' | 'operator' | 'service' | 'system';
  id: string;
  /** The signed-in session the request came from, when there is one (C2: "which session"). */
  sessionId?: string;
}

/** One audited decrypt: recorded before the plaintext is handed out. */
export interface DecryptRecord {
  actor: Actor;
  purpose: string;
  tenant?: string | undefined;
  table: string;
  column: string;
  /** The row's primary key as text (several columns joined by the caller's encoding). */
  rowKey: string;
  keyId: string;
}

/**
 * Where audited decrypts are recorded. `record` resolves only once the record
 * is durable (committed); if it rejects, the decrypt must not return plaintext.
 */
export interface DecryptAuditSink {
  record(entry: DecryptRecord): Promise<void>;
  /** Many records in one durable write (key rotation decrypts values by the thousand); same contract as `record`. */
  recordMany?(entries: readonly DecryptRecord[]): Promise<void>;
}
