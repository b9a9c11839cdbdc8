import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import yazl from 'yazl';
import { csvCell } from '../../audit/export.js';
import type { ExportManifest } from './manifest.js';
import { writeChunk, type ExportSink, type SectionStart } from './sink.js';

/** A cell's text: strings as they are, an encrypted value as its envelope (base64), other JSON as JSON. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && (value as { encrypted?: unknown }).encrypted === true) return String((value as { envelope: unknown }).envelope);
  return JSON.stringify(value);
}

const line = (cells: ReadonlyArray<string | null>) => `${cells.map(csvCell).join(',')}\r\n`;

/**
 * A zip of one CSV file per section (`tables/<table>.csv`, `tenants/<table>.csv`,
 * `audit.csv`, `decrypts.csv`) and `manifest.json`, deflated and streamed by
 * yazl as the files are written. Cells go through the audit export's
 * `csvCell`: RFC 4180 quoting, and a leading apostrophe on anything a
 * spreadsheet would run as a formula.
 */
export function csvZipSink(out: Writable, mtime: Date): ExportSink {
  const zip = new yazl.ZipFile();
  zip.outputStream.pipe(out, { end: false });
  const done = once(zip.outputStream, 'end');
  done.catch(() => {});
  const files: NonNullable<ExportManifest['files']> = [];
  let current: { name: string; stream: PassThrough; hash: Hash; bytes: number; columns: string[] } | undefined;
  const write = (text: string) => {
    const c = current!;
    const bytes = Buffer.from(text, 'utf8');
    c.hash.update(bytes);
    c.bytes += bytes.length;
    return writeChunk(c.stream, bytes);
  };
  return {
    format: 'csv-zip',
    async begin() {},
    async section(start: SectionStart) {
      const name = `${start.name}.csv`;
      const stream = new PassThrough({ highWaterMark: 256 * 1024 });
      zip.addReadStream(stream, name, { mtime, compress: true });
      current = { name, stream, hash: createHash('sha256'), bytes: 0, columns: start.columns };
      await write(line(start.columns));
    },
    async rows(json) {
      const columns = current!.columns;
      let text = '';
      for (const row of json) {
        const obj = JSON.parse(row) as Record<string, unknown>;
        text += line(columns.map((c) => cellText(obj[c])));
      }
      if (text) await write(text);
    },
    async records(items, cells) {
      if (items.length > 0) await write(items.map((i) => line(cells(i as never))).join(''));
    },
    async endSection() {
      const c = current!;
      c.stream.end();
      files.push({ name: c.name, bytes: c.bytes, sha256: c.hash.digest('hex') });
      current = undefined;
    },
    async finish(partial) {
      const sha256 = createHash('sha256').update(files.map((f) => `${f.sha256}  ${f.name}\n`).join('')).digest('hex');
      const manifest: ExportManifest = { ...partial, sha256, files };
      zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json', { mtime, compress: true });
      zip.end();
      await done;
      return manifest;
    },
  };
}
