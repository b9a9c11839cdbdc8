export { sendExportLink, type ExportLinkMail } from './send-export-link.js';
