export { sendExportLink, type ExportLinkMail } from './send-export-link.js';
export { sendDeletionNotice, type NoticeMailer, type DeletionNotice } from './send-deletion-notice.js';
