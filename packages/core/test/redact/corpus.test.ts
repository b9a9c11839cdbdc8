// Measures the redaction engine on the labelled corpus in ./corpus (see its README):
// recall per labelled kind, precision per finding kind, and what string() leaves behind.
// Every value in the corpus is fake, so misses and false positives are printed in full.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { createRedactor } from '@custodian/core/redact';
import { KINDS, assertWellFormed, clip, fmt, oneLine, ratio, readCorpus, scoreCorpus, type Line, type Results } from './scoring.js';

const corpusDir = new URL('./corpus/', import.meta.url);
const lines: Line[] = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .flatMap((file) => readCorpus(new URL(file, corpusDir), file));

const redactor = createRedactor({ tagKey: new Uint8Array(32) });

let cached: Results | undefined;
const results = (): Results => (cached ??= scoreCorpus('redaction corpus', lines, redactor));

test('the corpus is well formed: known kinds, values present in their text, at least 40 positives per kind and 400 negatives', () => {
  assertWellFormed(lines, 40, 400);
});

test('A5, C9, B4: redaction recall ≥ 0.99 and precision ≥ 0.98 on the labelled corpus', () => {
  const { total, malformed } = results();
  assert.deepEqual(malformed.slice(0, 10), [], 'findings must be sorted, non-overlapping spans inside the text');
  const recall = ratio(total.recalled, total.labelled);
  const precision = ratio(total.tp, total.findings);
  assert.ok(recall >= 0.99, `recall ${fmt(recall)} < 0.99 (${total.labelled - total.recalled} of ${total.labelled} labelled values missed)`);
  assert.ok(precision >= 0.98, `precision ${fmt(precision)} < 0.98 (${total.findings - total.tp} of ${total.findings} findings false)`);
});

test('A5, C9, B4: every detector keeps recall ≥ 0.95 on its labelled values', () => {
  const { byKind } = results();
  const weak = KINDS.map((kind) => [kind, byKind.get(kind)!] as const)
    .filter(([, s]) => ratio(s.recalled, s.labelled) < 0.95)
    .map(([kind, s]) => `${kind} ${fmt(ratio(s.recalled, s.labelled))} (${s.recalled}/${s.labelled})`);
  assert.deepEqual(weak, []);
});

test('A5, C9, B4, C7: string() leaves no labelled value in any positive line, and redacting its output again changes nothing', () => {
  const leaks: string[] = [];
  const unstable: string[] = [];
  for (const line of lines) {
    const once = redactor.string(line.text);
    for (const s of line.secrets) {
      if (once.includes(s.value)) leaks.push(`${line.where} ${s.kind} ${JSON.stringify(clip(s.value, 60))}`);
    }
    const twice = redactor.string(once);
    if (twice !== once) unstable.push(`${line.where}\n      once:  ${clip(oneLine(once), 120)}\n      twice: ${clip(oneLine(twice), 120)}`);
  }
  if (leaks.length > 0) console.log(`string() left ${leaks.length} labelled values:\n  ${leaks.slice(0, 15).join('\n  ')}`);
  if (unstable.length > 0) console.log(`string() not idempotent on ${unstable.length} lines:\n  ${unstable.slice(0, 10).join('\n  ')}`);
  assert.equal(leaks.length, 0, `${leaks.length} labelled values survive string()`);
  assert.equal(unstable.length, 0, `string() changed its own output on ${unstable.length} lines`);
});
