// @custodian/core/dsar — data subject requests: find, export and erase a person's data.
export { subjectTables, type SubjectRef, type SubjectTable } from './subject-rows.js';
export { findSubjects, type SubjectLookup } from './find-subjects.js';
export { planErasure, type ErasurePlan, type PlannedTable, type PlannedStep, type PlannedColumn } from './plan.js';
