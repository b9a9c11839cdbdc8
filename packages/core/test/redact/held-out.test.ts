// Measures the redaction engine on the held-out corpus in ./held-out (see its README): a second
// labelled corpus, written independently of the engine and never used to tune it. Scoring is the
// same as corpus.test.ts (scoring.ts). Every value is fake, so misses and false positives are printed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor } from '@custodian/core/redact';
import { assertWellFormed, fmt, ratio, readCorpus, scoreCorpus } from './scoring.js';

const lines = readCorpus(new URL('./held-out/held-out.jsonl', import.meta.url), 'held-out.jsonl');
const redactor = createRedactor({ tagKey: new Uint8Array(32) });

test('the held-out corpus is well formed: known kinds, values present in their text, at least 20 positives per kind and 250 negatives', () => {
  assertWellFormed(lines, 20, 250);
});

test('A5, C9, B4: held-out corpus — redaction recall and precision (measured, not tuned on)', () => {
  const { total, malformed } = scoreCorpus('held-out corpus', lines, redactor, Infinity);
  assert.deepEqual(malformed.slice(0, 10), [], 'findings must be sorted, non-overlapping spans inside the text');
  const recall = ratio(total.recalled, total.labelled);
  const precision = ratio(total.tp, total.findings);
  assert.ok(recall >= 0.95, `held-out recall ${fmt(recall)} < 0.95 (${total.labelled - total.recalled} of ${total.labelled} labelled values missed)`);
  assert.ok(precision >= 0.95, `held-out precision ${fmt(precision)} < 0.95 (${total.findings - total.tp} of ${total.findings} findings false)`);
});
