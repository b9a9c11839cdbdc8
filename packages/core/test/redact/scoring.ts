// Scoring shared by the labelled corpus (corpus.test.ts) and the held-out one (held-out.test.ts):
// recall per labelled kind (the value fully covered by findings of an accepted kind), precision per
// finding kind (the finding overlaps a labelled value of an accepted kind).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Redactor } from '@custodian/core/redact';

export interface Label {
  kind: string;
  value: string;
  alsoAccept?: string[];
}

export interface Line {
  where: string;
  text: string;
  secrets: Label[];
}

export interface Span {
  start: number;
  end: number;
}

export interface Finding extends Span {
  kind: string;
}

export const KINDS = [
  'anthropic-key', 'openai-key', 'github-token', 'aws-access-key-id', 'aws-secret-key', 'stripe-key', 'slack-token',
  'slack-webhook', 'google-api-key', 'authorization-header', 'jwt', 'private-key', 'url-credentials',
  'password-assignment', 'generic-secret', 'email', 'card-number', 'us-ssn', 'phone-number',
];

export function occurrences(text: string, value: string): Span[] {
  const out: Span[] = [];
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) out.push({ start: at, end: at + value.length });
  return out;
}

/** Whether the union of spans covers all of target. */
export function covers(spans: Span[], target: Span): boolean {
  let reached = target.start;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start > reached) break;
    reached = Math.max(reached, s.end);
    if (reached >= target.end) return true;
  }
  return reached >= target.end;
}

export const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
export const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
export const oneLine = (s: string) => s.replace(/\r?\n/g, '⏎');

/** The text around a span, 120 characters at most, on one line. */
export function context(text: string, span: Span): string {
  const from = Math.max(0, Math.min(span.start - 30, text.length - 120));
  return oneLine(`${from > 0 ? '…' : ''}${text.slice(from, from + 120)}${from + 120 < text.length ? '…' : ''}`);
}

export interface KindScore {
  labelled: number;
  recalled: number;
  findings: number;
  truePositives: number;
  misses: string[];
  falsePositives: string[];
}

function score(lines: readonly Line[], redactor: Redactor) {
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

export const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);
export const fmt = (x: number) => x.toFixed(4);

export interface Results extends ReturnType<typeof score> {
  total: { labelled: number; recalled: number; findings: number; tp: number };
}

/** Scores a corpus and prints the table, and the first `show` misses and false positives per kind. */
export function scoreCorpus(title: string, lines: readonly Line[], redactor: Redactor, show = 5): Results {
  const scored = score(lines, redactor);
  const { byKind } = scored;
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
  const out = [`${title}: ${lines.length} lines, ${lines.filter((l) => l.secrets.length === 0).length} negatives`];
  out.push('TP/FN count labelled values (recall); FP counts findings that overlap no labelled value of an accepted kind (precision).');
  for (const r of table) out.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  for (const [kind, s] of rows) {
    if (s.misses.length > 0) out.push(`\nmissed ${kind} (${s.misses.length}), first ${Math.min(show, s.misses.length)}:`, ...s.misses.slice(0, show).map((m) => `  ${m}`));
    if (s.falsePositives.length > 0) out.push(`\nfalse ${kind} (${s.falsePositives.length}), first ${Math.min(show, s.falsePositives.length)}:`, ...s.falsePositives.slice(0, show).map((m) => `  ${m}`));
  }
  console.log(out.join('\n'));
  return { ...scored, total };
}

/** Every non-empty line of a JSONL file, with where it came from. */
export function readCorpus(url: URL, name: string): Line[] {
  return readFileSync(url, 'utf8')
    .split('\n')
    .flatMap((raw, i) => (raw.trim() === '' ? [] : [{ where: `${name}:${i + 1}`, ...(JSON.parse(raw) as Omit<Line, 'where'>) }]));
}

/** Known kinds, values present in their text, enough positives per kind and negatives. */
export function assertWellFormed(lines: readonly Line[], minPerKind: number, minNegatives: number): void {
  const perKind = new Map<string, number>();
  for (const line of lines) {
    for (const s of line.secrets) {
      assert.ok(KINDS.includes(s.kind), `${line.where}: unknown kind ${s.kind}`);
      for (const k of s.alsoAccept ?? []) assert.ok(KINDS.includes(k), `${line.where}: unknown alsoAccept kind ${k}`);
      assert.ok(s.value.length > 0 && line.text.includes(s.value), `${line.where}: ${s.kind} value not in its text`);
      perKind.set(s.kind, (perKind.get(s.kind) ?? 0) + 1);
    }
  }
  for (const kind of KINDS) assert.ok((perKind.get(kind) ?? 0) >= minPerKind, `${kind} has ${perKind.get(kind) ?? 0} positives`);
  assert.ok(lines.filter((l) => l.secrets.length === 0).length >= minNegatives);
}

