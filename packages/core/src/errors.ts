/**
 * Every failure Custodian reports is a `CustodianError` with a stable `code`.
 *
 * Messages say what went wrong and where, never with the input value, an SQL
 * parameter, a key or a plaintext in them: callers log errors, and logs leak.
 * Structure that a caller may act on (a policy's list of problems, the name of
 * a migration file) travels in typed fields, not in the message.
 *
 * Each code is listed in docs/errors.md; a test checks that list against
 * `ERROR_CODES` so the two cannot drift.
 */

export const ERROR_CODES = {
  ERR_POLICY_INVALID: 'The policy does not match the schema or contradicts itself.',
  ERR_POLICY_LOAD_FAILED: 'The policy file could not be found, imported or did not export a policy.',
  ERR_POLICY_CHECK_FAILED: 'The policy does not fit the live database it was checked against.',
  ERR_DB_CONNECT_FAILED: 'The database could not be opened or reached.',
  ERR_DB_QUERY_FAILED: 'A statement failed in the database.',
  ERR_DB_TRANSACTION_NESTED: 'A transaction was started inside another one on the same handle.',
  ERR_DB_INVALID_IDENTIFIER: 'A role, schema or setting name is not a plain SQL identifier.',
  ERR_DB_LOCKED: 'The embedded database folder is in use by another process.',
  ERR_DB_NOT_FOUND: 'No embedded database exists in the folder given.',
  ERR_DB_CLOSED: 'The database handle was used after it was closed.',
  ERR_MIGRATION_INVALID_NAME: 'A migration file name is not NNNN_name.sql.',
  ERR_MIGRATION_DUPLICATE: 'Two migration files share one number.',
  ERR_MIGRATION_CHANGED: 'A migration that was already applied has changed on disk.',
  ERR_MIGRATION_MISSING: 'A migration that was already applied is missing on disk.',
  ERR_MIGRATION_DIR_UNREADABLE: 'The migrations folder does not exist or cannot be read.',
  ERR_MIGRATION_OUT_OF_ORDER: 'A pending migration is numbered below one already applied.',
  ERR_MIGRATION_PENDING: 'The database lacks migrations the command needs.',
  ERR_MIGRATION_FAILED: 'A migration failed; nothing from this run was applied.',
  ERR_CONFIG_INVALID: 'A command-line flag or environment variable is missing or malformed.',
  ERR_CRYPTO_DECRYPT_FAILED: 'A value could not be opened: wrong key, wrong context, or tampered. Always this one error.',
  ERR_CRYPTO_ENCRYPT_FAILED: 'A value could not be sealed (bad plaintext type, missing context, or an unusable key).',
  ERR_CRYPTO_UNSUPPORTED: 'An algorithm or envelope version this build does not know.',
  ERR_CRYPTO_PURPOSE_REQUIRED: 'A decrypt was asked for without a purpose the policy allows.',
  ERR_KEY_NOT_FOUND: 'No data key with that id (or for that scope) exists.',
  ERR_KEY_STATE: 'The key is in a state that does not allow the operation (decrypt-only, retired, destroyed).',
  ERR_KEY_USAGE_EXCEEDED: 'A data key reached its encryption limit and must be rotated.',
  ERR_KEY_RETIRE_REFUSED: 'A key that still protects rows cannot be retired.',
  ERR_KMS_UNAVAILABLE: 'The key management service could not be reached or refused the request.',
  ERR_AUDIT_WRITE_FAILED: 'An audit record that must precede an action could not be written; the action was not done.',
  ERR_AUDIT_INVALID_EVENT: 'An audit event is malformed: a required field is missing, the action is not namespaced, or the metadata is not plain JSON.',
  ERR_AUDIT_CHECKPOINT_INVALID: 'A checkpoint note or verifier key is malformed, or its signature does not verify.',
  ERR_AUDIT_VERIFY_FAILED: 'The audit log failed verification: a chain or checkpoint is damaged.',
  ERR_AUDIT_QUERY_INVALID: 'An audit log query or export is malformed: a missing tenant, an invalid date, action pattern, page size or cursor.',
  ERR_DSAR_REFUSED: 'A data subject request cannot be carried out as asked (e.g. erasing the placeholder subject).',
  ERR_KEY_INVALID: 'A configured key is not 32 bytes of hex.',
  ERR_KEY_REQUIRED: 'Production mode needs a configured root key and none was given.',
  ERR_SEED_INVALID: 'A seed generator was asked for something it cannot make.',
  ERR_INTROSPECTION_FAILED: 'The database schema could not be read.',
  ERR_HTTP_BAD_REQUEST: 'The request is malformed or fails validation.',
  ERR_HTTP_NOT_FOUND: 'No such route or resource.',
  ERR_HTTP_PAYLOAD_TOO_LARGE: 'The request body is larger than allowed.',
  ERR_SERVER_LISTEN_FAILED: 'The server could not listen on the host and port given.',
  ERR_INTERNAL: 'An unexpected failure; details are in the server log, not the response.',
  ERR_DSAR_REQUEST_INVALID: 'A data subject request is malformed: unknown kind or jurisdiction, missing details, a reason or a days count out of range.',
  ERR_DSAR_NOT_FOUND: 'No data subject request with that id (in this tenant).',
  ERR_DSAR_TRANSITION: 'The request is in a status that does not allow this change (e.g. completing one that was never verified).',
  ERR_DSAR_EXTENSION_REFUSED: 'A deadline extension beyond what the jurisdiction allows, or after the first deadline passed.',
  ERR_DSAR_RESTRICTED: 'Processing of this person is restricted (C12); the processing was refused.',
  ERR_DSAR_NO_HANDLER: 'No handler is registered for this kind of request, so the queue cannot run it.',
  ERR_DSAR_SUBJECT_NOT_FOUND: 'The identity given names no person, or several and no tenant was given to choose.',
  ERR_JOB_INVALID: 'A job or worker is malformed: task name, payload, key, attempts or worker options.',
  ERR_JOB_LEASE_EXPIRED: 'A job\'s worker stopped renewing its lease (it died or hung); the job was taken back.',
  ERR_EXPORT_LINK_INVALID: 'A download link is not one this server signed: malformed, altered, or signed with another key.',
  ERR_EXPORT_LINK_EXPIRED: 'A download link was genuine but its time has passed.',
  ERR_ARTIFACT_NOT_FOUND: 'No stored artifact (export) has that id for that tenant.',
  ERR_ARTIFACT_STORE_FAILED: 'The artifact store could not write, read or delete an export.',
  ERR_MAIL_SEND_FAILED: 'A mail could not be handed to the SMTP server.',
  ERR_RETENTION_REFUSED: 'A retention run or plan cannot go ahead: the policy does not fit the database, or a rule cannot be carried out as written.',
  ERR_RETENTION_INVALID: 'A retention request is malformed: unknown rule, bad time or horizon, missing reason, bad batch settings.',
  ERR_RETENTION_LEASE_LOST: 'Another runner took over a retention rule because this one stalled past its lease; this runner stopped.',
  ERR_RETENTION_HOLD_NOT_FOUND: 'No legal hold has that id.',
  ERR_RETENTION_HOLD_LIFTED: 'The legal hold was already lifted.',
  ERR_AUTH_REQUIRED: 'The request needs a signed-in session and has none that is valid (missing, expired, ended or malformed cookie).',
  ERR_AUTH_FORBIDDEN: 'The signed-in person\'s role in this tenant does not carry the permission the endpoint needs.',
  ERR_TENANT_NOT_FOUND: 'No tenant with that id that the signed-in person belongs to (or holds an operator grant for).',
  ERR_AUTH_ACCOUNT_DELETED: 'The account was deleted: its sessions are ended and sign-in is refused (A7).',
  ERR_AUTH_PROVIDER_UNAVAILABLE: 'The OpenID provider could not be reached or answered with something unusable.',
  ERR_AUTH_CALLBACK_INVALID: 'A sign-in callback failed its checks: unknown or expired state, bad code, or an ID token that does not verify.',
  ERR_AUTH_PROVIDER_UNKNOWN: 'No sign-in provider with that id is configured.',
  ERR_INVITE_INVALID: 'The invite token is unknown, expired, already used or revoked (one answer for all four).',
  ERR_MEMBERSHIP_CONFLICT: 'The membership change would leave a tenant without an owner, or needs a higher role than the caller holds.',
  ERR_OPERATOR_GRANT_INVALID: 'An operator grant is malformed: missing justification or ticket, or a duration beyond the policy\'s maximum.',
  ERR_RATE_LIMITED: 'Too many requests of this kind from this address or identity; wait for Retry-After.',
  ERR_TOO_MANY_FAILURES: 'Too many failed sign-ins or invite lookups; further attempts are blocked for a while (brute-force protection).',
  ERR_IP_BLOCKED: 'The client address is on the incident-response blocklist.',
  ERR_RATE_LIMIT_UNAVAILABLE: 'The shared rate-limit store is unreachable and this kind of request is refused until it is back.',
  ERR_BLOCKLIST_ENTRY_INVALID: 'A blocklist entry is malformed: bad address or range, no reason, or an expiry out of bounds.',
  ERR_BLOCKLIST_ENTRY_NOT_FOUND: 'No blocklist entry in force has that id.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface CustodianErrorOptions {
  cause?: unknown;
  /** A short instruction telling the reader how to fix it. */
  hint?: string;
}

export class CustodianError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CustodianErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }

  /** A serialisable form with no stack and no cause: safe to return to a client. */
  toJSON(): { code: ErrorCode; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

/** One thing wrong with a policy, located by its path in the policy object. */
export interface PolicyProblem {
  /** Dotted path into the policy, e.g. `tables.users.columns.email.erase`. */
  path: string;
  message: string;
  hint?: string;
}

export class PolicyInvalidError extends CustodianError {
  readonly problems: readonly PolicyProblem[];
  constructor(problems: readonly PolicyProblem[], source?: string) {
    super(
      'ERR_POLICY_INVALID',
      `${source ? `${source}: ` : ''}policy has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      { hint: 'fix each problem listed at its path' },
    );
    this.problems = problems;
  }
}

export class PolicyLoadError extends CustodianError {
  constructor(message: string, options: CustodianErrorOptions = {}) {
    super('ERR_POLICY_LOAD_FAILED', message, options);
  }
}

export class DatabaseError extends CustodianError {}

export class MigrationError extends CustodianError {
  /** The migration file concerned, e.g. `core/0001_custodian_schema.sql`. */
  readonly migration: string | undefined;
  constructor(code: ErrorCode, message: string, migration?: string, options: CustodianErrorOptions = {}) {
    super(code, message, options);
    this.migration = migration;
  }
}

export class ConfigError extends CustodianError {
  constructor(message: string, hint?: string) {
    super('ERR_CONFIG_INVALID', message, hint === undefined ? {} : { hint });
  }
}

export function isCustodianError(value: unknown): value is CustodianError {
  return value instanceof CustodianError;
}
