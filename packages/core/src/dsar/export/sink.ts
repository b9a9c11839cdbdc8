import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ExportManifest } from './manifest.js';

/** One part of an export: a table of the person's rows, the tenant rows they sit in, or audit and decrypt records. */
export interface SectionStart {
  /** `tables/<name>` for the person's tables, `tenants/<name>`, `audit`, `decrypts`. */
  name: string;
  /** Column names, in order (for CSV headers). */
  columns: string[];
}

/**
 * Where an export is written, one format each: a single JSON document, or a
 * zip of CSV files with a manifest. Sections come one after another and items
 * are appended in pages; the sink streams them out as they come.
 */
export interface ExportSink {
  readonly format: ExportFormat;
  begin(header: { subject: unknown; policyVersion: string; exportedAt: string }): Promise<void>;
  section(start: SectionStart): Promise<void>;
  /** Rows as JSON object text (from the database), in the section's column order. */
  rows(json: readonly string[]): Promise<void>;
  /** Records as objects, and their CSV cells in the section's column order. */
  records(items: readonly object[], cells: (item: never) => Array<string | null>): Promise<void>;
  /** Ends the section (a zip entry's checksum is taken here). */
  endSection(): Promise<void>;
  /** Writes the manifest (with the checksum filled in) and ends the output. */
  finish(manifest: Omit<ExportManifest, 'sha256' | 'files'>): Promise<ExportManifest>;
}

export type ExportFormat = 'json' | 'csv-zip';

/** Writes with backpressure: waits for 'drain' when the stream's buffer is full, so memory holds about one page. */
export async function writeChunk(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new Error('the export output was closed before the export ended');
  if (out.write(chunk)) return;
  // The listeners that lose the race are removed, so a long export does not pile them up.
  const ac = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'error', { signal: ac.signal }).then(([e]) => Promise.reject(e)), once(out, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
