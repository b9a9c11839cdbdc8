// Measures the redaction engine on the held-out corpus in ./held-out (see its README): a second
// labelled corpus, written independently of the engine and never used to tune it. Scoring is the
// same as corpus.test.ts: recall per labelled kind, precision per finding kind. Every value is
// fake, so misses and false positives are printed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createRedactor } from '@custodian/core/redact';

interface Label {
  kind: string;
  value: string;
  alsoAccept?: string[];
}

interface Line {
  where: string;
  text: string;
  secrets: Label[];
}

interface Span {
  start: number;
  end: number;
}

interface Finding extends Span {
  kind: string;
}

const KINDS = [
  'anthropic-key', 'openai-key', 'github-token', 'aws-access-key-id', 'aws-secret-key', 'stripe-key', 'slack-token',
  'slack-webhook', 'google-api-key', 'authorization-header', 'jwt', 'private-key', 'url-credentials',
  'password-assignment', 'generic-secret', 'email', 'card-number', 'us-ssn', 'phone-number',
];

const FILE = 'held-out.jsonl';
const lines: Line[] = readFileSync(new URL(`./held-out/${FILE}`, import.meta.url), 'utf8')
  .split('\n')
  .flatMap((raw, i) => (raw.trim() === '' ? [] : [{ where: `${FILE}:${i + 1}`, ...(JSON.parse(raw) as Omit<Line, 'where'>) }]));

const redactor = createRedactor({ tagKey: new Uint8Array(32) });

function occurrences(text: string, value: string): Span[] {
  const out: Span[] = [];
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) out.push({ start: at, end: at + value.length });
  return out;
}

/** Whether the union of spans covers all of target. */
function covers(spans: Span[], target: Span): boolean {
  let reached = target.start;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start > reached) break;
    reached = Math.max(reached, s.end);
    if (reached >= target.end) return true;
  }
  return reached >= target.end;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const oneLine = (s: string) => s.replace(/\r?\n/g, '⏎');

/** The text around a span, 120 characters at most, on one line. */
function context(text: string, span: Span): string {
  const from = Math.max(0, Math.min(span.start - 30, text.length - 120));
  return oneLine(`${from > 0 ? '…' : ''}${text.slice(from, from + 120)}${from + 120 < text.length ? '…' : ''}`);
}

interface KindScore {
  labelled: number;
  recalled: number;
  findings: number;
  truePositives: number;
  misses: string[];
  falsePositives: string[];
}

function score() {
  const byKind = new Map<string, KindScore>();
  const kindScore = (kind: string): KindScore => {
    let s = byKind.get(kind);
    if (!s) byKind.set(kind, (s = { labelled: 0, recalled: 0, findings: 0, truePositives: 0, misses: [], falsePositives: [] }));
    return s;
  };
  for (const kind of KINDS) kindScore(kind);
  const malformed: string[] = [];

  for (const line of lines) {
    const findings: Finding[] = redactor.findings(line.text);
    findings.forEach((f, i) => {
      const prev = findings[i - 1];
      if (f.start < 0 || f.end > line.text.length || f.start >= f.end || (prev && prev.end > f.start)) {
        malformed.push(`${line.where} ${f.kind} [${f.start}, ${f.end})`);
      }
    });
    const labelled = line.secrets.map((s) => ({
      label: s,
      accepted: new Set([s.kind, ...(s.alsoAccept ?? [])]),
      spans: occurrences(line.text, s.value),
    }));

    for (const l of labelled) {
      const s = kindScore(l.label.kind);
      s.labelled++;
      const usable = findings.filter((f) => l.accepted.has(f.kind));
      const missed = l.spans.find((span) => !covers(usable, span));
      if (!missed) {
        s.recalled++;
        continue;
      }
      const near = findings.filter((f) => overlaps(f, missed)).map((f) => `${f.kind}[${f.start},${f.end})`);
      s.misses.push(
        `${line.where} value ${JSON.stringify(clip(l.label.value, 60))} at [${missed.start},${missed.end})` +
          `${near.length > 0 ? ` overlapped only by ${near.join(' ')}` : ''}\n      ${context(line.text, missed)}`,
      );
    }

    for (const f of findings) {
      const s = kindScore(f.kind);
      s.findings++;
      if (labelled.some((l) => l.accepted.has(f.kind) && l.spans.some((span) => overlaps(f, span)))) {
        s.truePositives++;
        continue;
      }
      const hit = labelled.find((l) => l.spans.some((span) => overlaps(f, span)));
      s.falsePositives.push(
        `${line.where} ${JSON.stringify(clip(line.text.slice(f.start, f.end), 60))} at [${f.start},${f.end})` +
          `${hit ? ` (on a ${hit.label.kind} value; accepted: ${[...hit.accepted].join(', ')})` : ''}\n      ${context(line.text, f)}`,
      );
    }
  }
  return { byKind, malformed };
}

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);
const fmt = (x: number) => x.toFixed(4);

test('the held-out corpus is well formed: known kinds, values present in their text, at least 20 positives per kind and 250 negatives', () => {
  const perKind = new Map<string, number>();
  for (const line of lines) {
    for (const s of line.secrets) {
      assert.ok(KINDS.includes(s.kind), `${line.where}: unknown kind ${s.kind}`);
      for (const k of s.alsoAccept ?? []) assert.ok(KINDS.includes(k), `${line.where}: unknown alsoAccept kind ${k}`);
      assert.ok(s.value.length > 0 && line.text.includes(s.value), `${line.where}: ${s.kind} value not in its text`);
      perKind.set(s.kind, (perKind.get(s.kind) ?? 0) + 1);
    }
  }
  for (const kind of KINDS) assert.ok((perKind.get(kind) ?? 0) >= 20, `${kind} has ${perKind.get(kind) ?? 0} positives`);
  assert.ok(lines.filter((l) => l.secrets.length === 0).length >= 250);
});

test('A5, C9, B4: held-out corpus — redaction recall and precision (measured, not tuned on)', () => {
  const { byKind, malformed } = score();
  const rows = [...byKind.entries()];
  const total = rows.reduce(
    (t, [, s]) => ({ labelled: t.labelled + s.labelled, recalled: t.recalled + s.recalled, findings: t.findings + s.findings, tp: t.tp + s.truePositives }),
    { labelled: 0, recalled: 0, findings: 0, tp: 0 },
  );
  const header = ['kind', 'labelled', 'TP', 'FN', 'findings', 'FP', 'precision', 'recall'];
  const table = [
    header,
    ...rows.map(([kind, s]) => [kind, s.labelled, s.recalled, s.labelled - s.recalled, s.findings, s.findings - s.truePositives, fmt(ratio(s.truePositives, s.findings)), fmt(ratio(s.recalled, s.labelled))].map(String)),
    ['TOTAL', total.labelled, total.recalled, total.labelled - total.recalled, total.findings, total.findings - total.tp, fmt(ratio(total.tp, total.findings)), fmt(ratio(total.recalled, total.labelled))].map(String),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const out = [`held-out corpus: ${lines.length} lines, ${lines.filter((l) => l.secrets.length === 0).length} negatives`];
  out.push('TP/FN count labelled values (recall); FP counts findings that overlap no labelled value of an accepted kind (precision).');
  for (const r of table) out.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  for (const [kind, s] of rows) {
    if (s.misses.length > 0) out.push(`\nmissed ${kind} (${s.misses.length}):`, ...s.misses.map((m) => `  ${m}`));
    if (s.falsePositives.length > 0) out.push(`\nfalse ${kind} (${s.falsePositives.length}):`, ...s.falsePositives.map((m) => `  ${m}`));
  }
  console.log(out.join('\n'));

  assert.deepEqual(malformed.slice(0, 10), [], 'findings must be sorted, non-overlapping spans inside the text');
  const recall = ratio(total.recalled, total.labelled);
  const precision = ratio(total.tp, total.findings);
  assert.ok(recall >= 0.95, `held-out recall ${fmt(recall)} < 0.95 (${total.labelled - total.recalled} of ${total.labelled} labelled values missed)`);
  assert.ok(precision >= 0.95, `held-out precision ${fmt(precision)} < 0.95 (${total.findings - total.tp} of ${total.findings} findings false)`);
});
