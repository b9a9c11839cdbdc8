import type { ColumnTreatment, OmittedColumn } from './columns.js';
import type { ExportFormat } from './sink.js';

export interface ManifestTable {
  table: string;
  rows: number;
  columns: Array<{ name: string; export: ColumnTreatment }>;
  /** Columns left out, and why: `secret`, `policy-omit` (`encryption.export: 'omit'`), `another-person`. */
  omitted: OmittedColumn[];
}

/**
 * What an export holds and how to check it. `sha256` covers the data: for
 * JSON, every byte of the document before `,"manifest":`; for a zip, the
 * lines `<sha256>  <file>` of each data file in order (what `sha256sum`
 * prints), with each file's own checksum in `files`.
 */
export interface ExportManifest {
  format: ExportFormat;
  /** `custodian.dsar-export`, version 1. */
  kind: 'custodian.dsar-export';
  version: 1;
  policyVersion: string;
  exportedAt: string;
  subject: { kind: string; key: string; tenant: string | null };
  tables: ManifestTable[];
  /** Rows of the tenants (workspace, company) the person's rows belong to: their declared columns only. */
  tenants: ManifestTable[];
  audit: { events: number };
  decrypts: { records: number; /** Values opened for the export (`encryption.export: 'decrypted'`), each recorded per the policy. */ opened: number };
  sha256: string;
  files?: Array<{ name: string; bytes: number; sha256: string }>;
}
