import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { ExportManifest } from './manifest.js';
import { writeChunk, type ExportSink, type SectionStart } from './sink.js';

/** The document's members in order; `tables` and `tenants` hold one array per table, `audit` and `decrypts` are arrays. */
const GROUPS = ['tables', 'tenants', 'audit', 'decrypts'] as const;
type Group = (typeof GROUPS)[number];
const isObjectGroup = (g: Group) => g === 'tables' || g === 'tenants';

/**
 * One JSON document, written as it is produced: a row per line, so the file
 * is also easy to read and diff. The manifest is the last member; its
 * `sha256` covers every byte before `,"manifest":`.
 */
export function jsonSink(out: Writable): ExportSink {
  const hash = createHash('sha256');
  let group = -1;
  let firstInGroup = true;
  let firstItem = true;
  const write = (text: string) => {
    hash.update(text);
    return writeChunk(out, text);
  };
  // Moves to `target`, writing every group skipped on the way as empty.
  const enter = async (target: number) => {
    let text = '';
    while (group < target) {
      if (group >= 0) text += isObjectGroup(GROUPS[group]!) ? (firstInGroup ? '}' : '\n}') : firstItem ? ']' : '\n]';
      group++;
      if (group <= target && group < GROUPS.length) {
        const g = GROUPS[group]!;
        text += `,\n${JSON.stringify(g)}:${isObjectGroup(g) ? '{' : '['}`;
        firstInGroup = true;
        firstItem = true;
      }
    }
    if (text) await write(text);
  };
  return {
    format: 'json',
    async begin(header) {
      await write(`{"kind":"custodian.dsar-export","version":1,"format":"json","policyVersion":${JSON.stringify(header.policyVersion)},"exportedAt":${JSON.stringify(header.exportedAt)},\n"subject":${JSON.stringify(header.subject)}`);
    },
    async section(start: SectionStart) {
      const slash = start.name.indexOf('/');
      const g = GROUPS.indexOf((slash < 0 ? start.name : start.name.slice(0, slash)) as Group);
      if (g < group || g < 0) throw new Error('export sections out of order');
      if (g > group) await enter(g);
      if (slash >= 0) {
        await write(`${firstInGroup ? '\n' : ',\n'}${JSON.stringify(start.name.slice(slash + 1))}:[`);
        firstInGroup = false;
        firstItem = true;
      }
    },
    async rows(json) {
      if (json.length === 0) return;
      await write(`${firstItem ? '\n' : ',\n'}${json.join(',\n')}`);
      firstItem = false;
    },
    async records(items) {
      if (items.length === 0) return;
      await write(`${firstItem ? '\n' : ',\n'}${items.map((i) => JSON.stringify(i)).join(',\n')}`);
      firstItem = false;
    },
    async endSection() {
      if (isObjectGroup(GROUPS[group]!)) {
        await write(firstItem ? ']' : '\n]');
        firstItem = true;
      }
    },
    async finish(partial) {
      await enter(GROUPS.length);
      const manifest: ExportManifest = { ...partial, sha256: hash.digest('hex') };
      await writeChunk(out, `,\n"manifest":${JSON.stringify(manifest)}}\n`);
      return manifest;
    },
  };
}
