// @custodian/core/audit — the append-only, tamper-evident audit log (docs/audit.md).
export type { ActorType, AppendedEvent, AuditEventInput, JsonObject, JsonValue } from './types.js';
export { createAuditAppender, type AuditAppender, type AuditAppenderOptions } from './appender.js';
export { noRedaction, redactionHook, defaultRedaction, type RedactionHook } from './redaction.js';
export { canonicalJson } from './canonical-json.js';
export { ACTION_PATTERN, MAX_METADATA_BYTES } from './validate-event.js';
export { encodeEvent, eventHash, eventHashHex, GENESIS_HASH, DOMAIN_TAG, type ChainFields } from './chain-encoding.js';
export { formatVerifierKey, parseVerifierKey, signNote, openNote, noteKeyId, type NoteVerifierKey, type OpenedNote } from './signed-note.js';
export {
  AUDIT_SIGNING_KEY_ENV,
  DEFAULT_SIGNING_KEY_NAME,
  checkpointSignerFromSeed,
  resolveCheckpointSigner,
  type CheckpointSigner,
  type ResolveSignerOptions,
  type SignerSource,
} from './signing-key.js';
export { CHECKPOINT_ORIGIN, checkpointBody, parseCheckpointBody, writeCheckpoints, listCheckpoints, type Checkpoint } from './checkpoint.js';
export { scheduleCheckpoints, type CheckpointSchedule } from './checkpoint-schedule.js';
export { verifyAuditLog, type Damage, type DamageKind, type ExternalCheckpoint, type TenantVerification, type VerifyOptions, type VerifyReport } from './verify.js';
export { readChain, listAuditTenants, type StoredLink } from './read-chain.js';
export { auditLogDecryptSink } from './decrypt-sink.js';
export { queryAuditEvents, allAuditEvents, chainFieldsOf, type AuditEvent, type AuditQuery, type AuditPage } from './query.js';
export { exportAuditLog, csvCell, type AuditExportFormat } from './export.js';
export * from './archive/index.js';
