import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { CustodianError } from '../../errors.js';

/**
 * Where archive segments go. A local directory by default; any store that
 * can write and read back a named file works (an S3-compatible bucket, say).
 */
export interface ArchiveStore {
  /** Writes the file whole (never half: write aside, then rename) and returns its SHA-256. */
  write(path: string, content: string): Promise<{ sha256: Buffer; bytes: number }>;
  read(path: string): Promise<string>;
  /** Where the files are, for messages (no credentials). */
  readonly location: string;
}

/**
 * Segments as files under `dir`: `<tenant, percent-encoded>/<from>-<to>.jsonl`
 * and `.checkpoint` beside it. Paths are checked to stay inside `dir`.
 *
 * @example
 * const store = localArchiveStore('.custodian/audit-archive');
 */
export function localArchiveStore(dir: string): ArchiveStore {
  const root = resolve(dir);
  const inside = (path: string) => {
    const full = resolve(root, path);
    if (!full.startsWith(root + sep)) throw new CustodianError('ERR_CONFIG_INVALID', 'an archive path leaves the archive directory');
    return full;
  };
  return {
    location: root,
    async write(path, content) {
      const full = inside(path);
      await mkdir(dirname(full), { recursive: true });
      const temporary = `${full}.${process.pid}.partial`;
      await writeFile(temporary, content, { flag: 'w' });
      await rename(temporary, full);
      return { sha256: createHash('sha256').update(content).digest(), bytes: Buffer.byteLength(content) };
    },
    async read(path) {
      return readFile(inside(path), 'utf8');
    },
  };
}

/** A tenant id as one safe path segment: percent-encoded, dots included, so it can never be `..`. */
export function tenantSegment(tenant: string): string {
  return encodeURIComponent(tenant).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}

export const segmentPath = (tenant: string, from: number, to: number, ext: 'jsonl' | 'checkpoint') =>
  join(tenantSegment(tenant), `${String(from).padStart(12, '0')}-${String(to).padStart(12, '0')}.${ext}`);
