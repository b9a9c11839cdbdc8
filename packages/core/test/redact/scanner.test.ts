// The one-pass scanner that picks the detectors a string needs (src/redact/scanner.ts) against
// its specification — a detector is needed when one of its keywords occurs (case-sensitive), one
// of its words occurs (any case) or its trigger expression matches — and against the three
// regular-expression scans it replaced, on the corpora, the bench's kind of log line and
// random strings built from the literals themselves.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { DETECTORS, type Detector } from '@custodian/core/redact';
import { DIGIT_SHAPES, digitShapeAt } from '../../src/redact/detectors/personal.js';
import { compile, findAll } from '../../src/redact/find.js';
import { previousSelect } from './previous-select.js';

const custom: Detector[] = [
  { kind: 'denied-key', words: ['internal_ref', 'X-Tenant-Secret'], lead: 0, pattern: /(?<![A-Za-z0-9])(?:internal_ref|x-tenant-secret)\s{0,5}[:=]\s{0,5}(?<bare>\w{1,40})/gi, priority: 45 },
  { kind: 'ticket', pattern: /TCK-\d{6}/g, priority: 95 },
];
const detectors = [...DETECTORS, ...custom];
const set = compile(detectors);

/** The specification, written the slow and obvious way. */
function expected(text: string): { selected: Set<number>; firstAt: Map<number, number> } {
  const selected = new Set<number>();
  const firstAt = new Map<number, number>();
  detectors.forEach((d, i) => {
    const at = [
      ...(d.keywords ?? []).map((k) => text.indexOf(k)),
      // In any case as a regular expression's i flag reads it (toLowerCase can change a string's length).
      ...(d.words ?? []).map((w) => new RegExp(w.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'i').exec(text)?.index ?? -1),
    ].filter((x) => x !== -1);
    if (at.length > 0) firstAt.set(i, Math.min(...at));
    if (at.length > 0 || d.trigger?.test(text)) selected.add(i);
    if (d.trigger) d.trigger.lastIndex = 0;
  });
  return { selected, firstAt };
}

function check(text: string): void {
  const got = set.scan(text);
  const want = expected(text);
  const selected = new Set([...got.selected.keys()].filter((i) => got.selected[i] === 1));
  assert.deepEqual(selected, want.selected, JSON.stringify(text));
  assert.equal(got.count, selected.size);
  for (const [i, at] of want.firstAt) if (!detectors[i]!.trigger) assert.equal(got.firstAt[i], at, `${detectors[i]!.kind} in ${JSON.stringify(text)}`);
  assert.equal(got.escapedWhitespace, /\\[nrt]/.test(text), JSON.stringify(text));
  // Never fewer than the scans it replaced (more only where a literal overlaps the end of another: "xoxapp-").
  for (const i of previousSelect(detectors, text)) if (i < DETECTORS.length) assert.ok(selected.has(i), `${detectors[i]!.kind} in ${JSON.stringify(text)}`);
}

const corpusTexts = [new URL('./corpus/', import.meta.url), new URL('./held-out/', import.meta.url)].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text)),
);

const fragments = [
  ...new Set(detectors.flatMap((d) => [...(d.keywords ?? []), ...(d.words ?? []), ...(d.words ?? []).map((w) => w.toUpperCase())])),
  'sk-ant-api03-', 'Bearer ', 'Authorization: ', '4111 1111 1111 1111', '123-45-6789', '+1 415 555 2671', '(415) 555-2671', '020 7946 0958',
  '415.555.2671', '4111111111111', '=', ':', '"', "'", '\\n', '\\t', '\\r', '\\\\', '\\"', ' ', '\n', '-', '.', '/', '+', '(', '_', '0', '1', '4', 'a', 'Z', 'é', 'İ', '\u212a', '€', 'x9Kq2LmP0vR7tY3w',
];
const fragmentString = fc.array(fc.constantFrom(...fragments), { maxLength: 16 }).map((parts) => parts.join(''));

test('A5: the scanner selects exactly the detectors whose keyword, word or trigger occurs — the corpora, upper- and lower-cased, and as JSON', () => {
  for (const text of corpusTexts) for (const t of [text, text.toUpperCase(), text.toLowerCase(), JSON.stringify({ msg: text })]) check(t);
});

test('A5: the scanner selects exactly the detectors whose keyword, word or trigger occurs — random strings of literals, digits and separators', () => {
  fc.assert(fc.property(fragmentString, (text) => check(text)), { numRuns: 20_000 });
  fc.assert(fc.property(fc.string({ maxLength: 60 }), (text) => check(text)), { numRuns: 5_000 });
});

test('the hand-written digit trigger agrees with DIGIT_SHAPES at every position', () => {
  const digitish = fc.array(fc.constantFrom(...'0123456789 -.+():/a_\n'), { maxLength: 30 }).map((c) => c.join(''));
  const glue = /[\w.+\-/:]/;
  fc.assert(
    fc.property(digitish, (text) => {
      const anywhere = [...text].some((ch, i) => '0123456789+('.includes(ch) && (i === 0 || !glue.test(text[i - 1]!)) && digitShapeAt(text, i));
      assert.equal(anywhere, DIGIT_SHAPES.test(text), JSON.stringify(text));
    }),
    { numRuns: 50_000 },
  );
});

test('A5: a detector’s lead never moves its pattern past a match: the findings are the same as scanning from the start', () => {
  const fromStart = compile(detectors.map(({ lead: _lead, ...d }) => d));
  const same = (text: string) => assert.deepEqual(findAll(text, set), findAll(text, fromStart), JSON.stringify(text));
  for (const text of corpusTexts) same(text);
  fc.assert(fc.property(fragmentString, same), { numRuns: 5_000 });
});

/** What a scan selected, and where each detector without a trigger first occurs. */
function selection(got: ReturnType<typeof set.scan>): string {
  const chosen = [...got.selected.keys()].filter((i) => got.selected[i] === 1);
  return JSON.stringify([chosen, chosen.filter((i) => !detectors[i]?.trigger).map((i) => got.firstAt[i]), got.count]);
}

/** As the engine unescapes JSON text: \n, \r and \t (outside \\) become that character twice. */
const unescaped = (text: string) => text.replace(/\\([\s\S])/g, (pair, c: string) => (c === 'n' ? '\n\n' : c === 'r' ? '\r\r' : c === 't' ? '\t\t' : pair));

// A literal with a backslash in it: the scanner cannot go on mid-string after an escape and scans the copy again.
const withBackslash = compile([...detectors, { kind: 'odd', keywords: ['x\\y'], pattern: /x\\y/g, priority: 1 }]);

test('A5: a scan stopped at the first escaped newline and resumed over the unescaped copy selects what a scan of the whole copy selects', () => {
  const same = (text: string) => {
    for (const scanner of [set, withBackslash]) sameIn(scanner, text);
  };
  const sameIn = (scanner: typeof set, text: string) => {
    const stopped = scanner.scan(text, 0, true);
    if (!stopped.escapedWhitespace) {
      assert.equal(stopped.stoppedAt, -1);
      const once = selection(stopped);
      assert.equal(once, selection(scanner.scan(text)), JSON.stringify(text));
      return;
    }
    assert.ok(stopped.stoppedAt >= 0 && text[stopped.stoppedAt] === '\\', JSON.stringify(text));
    const copy = unescaped(text);
    const resumed = selection(scanner.resume(copy));
    assert.equal(resumed, selection(scanner.scan(copy)), JSON.stringify(text));
  };
  for (const text of corpusTexts) for (const t of [text, JSON.stringify({ msg: text, stack: `Error\n    at ${text}\n\tat x` })]) same(t);
  fc.assert(fc.property(fragmentString, same), { numRuns: 10_000 });
  fc.assert(fc.property(fc.array(fc.constantFrom('x', 'y', '\\', '\\n', '\\\\', 'n', '4111 1111 1111 1111', ' '), { maxLength: 12 }), (p) => same(p.join(''))), { numRuns: 5_000 });
});

test('A5: after a head ending in a quote (a pino line’s), findings from `from` on are those of the whole text', () => {
  const head = '{"level":"info","time":"2026-11-27T09:00:00.000Z"';
  const same = (rest: string) => {
    const text = head + rest;
    assert.deepEqual(findAll(text, set, head.length), findAll(text, set), JSON.stringify(text));
  };
  for (const text of corpusTexts) {
    same(`,"msg":${JSON.stringify(text)}}\n`);
    same(`,${text}`);
  }
  fc.assert(fc.property(fragmentString, (t) => (same(`,${t}`), same(`}${t}`))), { numRuns: 10_000 });
  // The character before `from` still decides whether a number starts there, as in a whole scan.
  const card = set.detectors.findIndex((d) => d.kind === 'card-number');
  assert.equal(set.scan('a4111111111111', 1).selected[card], 0);
  assert.equal(set.scan(' 4111111111111', 1).selected[card], 1);
});
