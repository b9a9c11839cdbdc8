export { exportSubject, EXPORT_PURPOSE, type ExportSubjectOptions } from './export-subject.js';
export type { ExportManifest, ManifestTable } from './manifest.js';
export type { ExportFormat } from './sink.js';
export type { ColumnTreatment, OmitReason, OmittedColumn } from './columns.js';
export type { DecryptRecordOut } from './about-person.js';
export { exportToStore } from './to-store.js';
export { exportLinkKey, signExportLink, verifyExportLink, type ExportLink } from './link.js';
