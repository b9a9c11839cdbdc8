// @custodian/core/dsar — data subject requests: find, export and erase a person's data.
export { subjectTables, type SubjectRef, type SubjectTable } from './subject-rows.js';
export { findSubjects, type SubjectLookup } from './find-subjects.js';
export { planErasure, type ErasurePlan, type PlannedTable, type PlannedStep, type PlannedColumn } from './plan.js';
export { eraseSubject, type EraseOptions, type ErasureProgress, type ErasureResult, type ErasureStepResult } from './erase.js';
export { erasureTables, erasureStatements, type ErasureFate, type ErasureTable, type ErasureStatement, type StatementKind, type ColumnChange } from './erasure-statements.js';
export { deferralOf, type Deferral } from './deferral.js';
