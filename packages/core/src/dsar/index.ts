// @custodian/core/dsar — data subject requests: find, export and erase a person's data.
export { subjectTables, type SubjectRef, type SubjectTable } from './subject-rows.js';
export { findSubjects, type SubjectLookup } from './find-subjects.js';
export { planErasure, type ErasurePlan, type PlannedTable, type PlannedStep, type PlannedColumn } from './plan.js';
export { eraseSubject, type EraseOptions, type ErasureProgress, type ErasureResult, type ErasureStepResult } from './erase.js';
export { erasureTables, erasureStatements, type ErasureFate, type ErasureTable, type ErasureStatement, type StatementKind, type ColumnChange } from './erasure-statements.js';
export { deferralOf, type Deferral } from './deferral.js';
export { exportSubject, EXPORT_PURPOSE, type ExportSubjectOptions, type ExportManifest, type ManifestTable, type ExportFormat, type ColumnTreatment, type OmitReason, type OmittedColumn, type DecryptRecordOut } from './export/index.js';
export { exportToStore, exportLinkKey, signExportLink, verifyExportLink, type ExportLink } from './export/index.js';
export { LocalArtifactStore, S3ArtifactStore, newArtifactId, type ArtifactRef, type ArtifactStore, type StoredArtifact, type S3ArtifactStoreOptions } from '../artifacts/index.js';
export { sendExportLink, type ExportLinkMail } from '../mail/index.js';
export * from './requests/index.js';
export { standardHandlers, type StandardHandlerOptions } from './handlers.js';
