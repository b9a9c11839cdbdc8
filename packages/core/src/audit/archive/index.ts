export { archiveAuditLog, type ArchiveOptions, type ArchivedSegment } from './archive.js';
export { findAuditEvent, type FoundAuditEvent } from './find.js';
export { verifyArchiveSegment, type SegmentVerification } from './verify-segment.js';
export { localArchiveStore, segmentPath, tenantSegment, type ArchiveStore } from './store.js';
