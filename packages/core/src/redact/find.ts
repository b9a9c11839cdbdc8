import type { Confidence, Detector, Finding } from './detectors/types.js';
import { literalAlternation } from './literal-trie.js';

/** Our own markers, so a second pass never redacts (or re-tags) what the first one wrote. */
export const MARKER = /\[REDACTED(?::[a-z0-9-]{1,60}(?::[A-Za-z0-9]{1,16})?)?\]/g;

interface Candidate extends Finding {
  priority: number;
}

/** A detector with its pattern compiled for match indices (named value groups need them). */
export interface CompiledDetector extends Detector {
  valueGroups: readonly string[];
  /** Its `trigger` alone, sticky: tells whether a trigger hit is this detector's. */
  triggerAt?: RegExp;
}

/** Detectors ready to run: a few combined scans select which patterns a string needs. */
export interface DetectorSet {
  detectors: readonly CompiledDetector[];
  /** Case-sensitive keywords, as one trie-shaped expression; a hit's text names its detectors. */
  keywords: RegExp;
  byKeyword: ReadonlyMap<string, readonly CompiledDetector[]>;
  /** Words in any case, the same way (keyed in lower case). */
  words: RegExp;
  byWord: ReadonlyMap<string, readonly CompiledDetector[]>;
  /** Other triggers (digit shapes), combined; a hit is matched to detectors with their sticky triggers. */
  triggers: RegExp | undefined;
  triggered: readonly CompiledDetector[];
  /** Detectors with nothing to scan for (custom patterns): they run on every string. */
  always: readonly CompiledDetector[];
}

const VALUE_GROUPS = ['secret', 'dq', 'sq', 'bare'] as const;

export function compile(detectors: readonly Detector[]): DetectorSet {
  const compiled = detectors.map((detector): CompiledDetector => {
    const groups = VALUE_GROUPS.filter((g) => detector.pattern.source.includes(`(?<${g}>`));
    let pattern = detector.pattern;
    if (!pattern.global) throw new Error(`the ${detector.kind} pattern must be global`);
    if (groups.length > 0 && !pattern.hasIndices) pattern = new RegExp(pattern.source, `${pattern.flags}d`);
    const t = detector.trigger;
    return { ...detector, pattern, valueGroups: groups, ...(t ? { triggerAt: new RegExp(t.source, `${t.flags.replace(/[gy]/g, '')}y`) } : {}) };
  });
  const index = (pick: (d: CompiledDetector) => readonly string[] | undefined, fold: (s: string) => string) => {
    const map = new Map<string, CompiledDetector[]>();
    for (const d of compiled) for (const k of pick(d) ?? []) map.set(fold(k), [...(map.get(fold(k)) ?? []), d]);
    // The scan reports one literal per hit, the longest at that place, and moves past it: a hit
    // on "password" must also select the detectors of "pass", and one on "secret_access_key"
    // those of "secret" and "key" — every literal found inside it.
    const closed = new Map<string, CompiledDetector[]>();
    for (const [k, list] of map) {
      const all = new Set(list);
      for (const [other, more] of map) if (other !== k && k.includes(other)) more.forEach((d) => all.add(d));
      closed.set(k, [...all]);
    }
    return closed;
  };
  const byKeyword = index((d) => d.keywords, (s) => s);
  const byWord = index((d) => d.words, (s) => s.toLowerCase());
  const triggered = compiled.filter((d) => d.triggerAt);
  const flags = new Set(triggered.map((d) => d.triggerAt!.flags.replace('y', '')));
  if (flags.size > 1) throw new Error('trigger expressions must share their flags; use words for case-insensitive keywords');
  return {
    detectors: compiled,
    keywords: new RegExp(literalAlternation([...byKeyword.keys()]), 'g'),
    byKeyword,
    words: new RegExp(literalAlternation([...byWord.keys()]), 'gi'),
    byWord,
    // Detectors sharing a trigger (the digit shapes) put it in once.
    triggers: triggered.length ? new RegExp([...new Set(triggered.map((d) => `(?:${d.trigger!.source})`))].join('|'), `${[...flags][0] ?? ''}g`) : undefined,
    triggered,
    always: compiled.filter((d) => !d.keywords?.length && !d.words?.length && !d.triggerAt),
  };
}

/** The detectors a string needs: those whose keyword, word or trigger occurs in it. */
function select(text: string, set: DetectorSet): Set<CompiledDetector> {
  const chosen = new Set<CompiledDetector>(set.always);
  scan(set.keywords, text, (m) => set.byKeyword.get(m[0])?.forEach((d) => chosen.add(d)));
  scan(set.words, text, (m) => set.byWord.get(m[0].toLowerCase())?.forEach((d) => chosen.add(d)));
  if (set.triggers) {
    scan(set.triggers, text, (m) => {
      for (const d of set.triggered) {
        if (chosen.has(d)) continue;
        d.triggerAt!.lastIndex = m.index;
        if (d.triggerAt!.test(text)) chosen.add(d);
      }
    });
  }
  return chosen;
}

function scan(re: RegExp, text: string, hit: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    hit(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}

/**
 * Every span of `text` to redact, sorted and non-overlapping. Overlapping
 * findings are merged into one span (nothing either found is left showing),
 * named after the member with the highest priority.
 */
export function findAll(text: string, set: DetectorSet): Finding[] {
  // Only escaped whitespace needs the copy; a line with \" alone (an ETag, quoted JSON) is scanned as it is.
  if (!ESCAPED_WHITESPACE.test(text)) return findIn(text, set);
  // In JSON text (a serialised log line) a newline is the two characters \ and n, and the n
  // would glue itself to the word after it ("\nAKIA…" reads as "nAKIA…"). Scan a copy in which
  // each escaped newline, return and tab is that character doubled — the same length, so spans
  // map back one to one — then widen any span that would cut an escape in two.
  const { scanned, pairs } = unescapeWhitespace(text);
  return findIn(scanned, set).map((f) => {
    let { start, end } = f;
    if (pairs.has(start - 1)) start -= 1;
    if (pairs.has(end - 1)) end += 1;
    return start === f.start && end === f.end ? f : { ...f, start, end };
  });
}

/** `\n`, `\r`, `\t` (outside `\\`) become two real characters; `pairs` holds each pair's first offset. */
const ESCAPED_WHITESPACE = /\\[nrt]/;

function unescapeWhitespace(text: string): { scanned: string; pairs: Set<number> } {
  const pairs = new Set<number>();
  let scanned = '';
  let from = 0;
  for (let i = text.indexOf('\\'); i !== -1 && i < text.length - 1; i = text.indexOf('\\', i)) {
    const next = text[i + 1];
    const real = next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : undefined;
    if (real) {
      scanned += text.slice(from, i) + real + real;
      pairs.add(i);
      from = i + 2;
    }
    i += 2; // an escaped backslash, quote or anything else: skip both characters
  }
  return { scanned: scanned + text.slice(from), pairs };
}

function findIn(text: string, set: DetectorSet): Finding[] {
  const selected = select(text, set);
  if (selected.size === 0) return [];
  const candidates: Candidate[] = [];
  const markers = text.includes('[REDACTED') ? spans(text, MARKER) : [];
  for (const d of selected) {
    const re = d.pattern;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let start = m.index;
      let end = start + m[0].length;
      for (const g of d.valueGroups) {
        const at = m.indices?.groups?.[g];
        if (at) {
          [start, end] = at;
          break;
        }
      }
      const secret = text.slice(start, end);
      const verdict = d.validate ? d.validate(secret, m, text) : { confidence: 'high' as Confidence };
      if (verdict === false) {
        // A refused value may itself begin a real match ("auth.Handler : TWILIO_AUTH_TOKEN = '…'"):
        // resume at the value, not after it. Each refusal still moves forward, so the scan stays linear.
        if (start > m.index) re.lastIndex = start;
        continue;
      }
      end -= verdict.trimEnd ?? 0;
      if (verdict.startAt !== undefined) start = verdict.startAt;
      if (end <= start) continue;
      if (markers.length > 0 && overlapsMarker(markers, start, end)) continue;
      const keep = d.keepPrefix?.(text.slice(start, end));
      candidates.push({ kind: verdict.kind ?? d.kind, start, end, confidence: verdict.confidence, priority: d.priority, ...(keep ? { keep } : {}) });
    }
  }
  return merge(candidates);
}

function merge(candidates: Candidate[]): Finding[] {
  if (candidates.length === 0) return [];
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  let group = candidates[0]!;
  let best = group;
  let end = group.end;
  const flush = () => {
    const keep = best.start === group.start && best.keep && best.keep < end - group.start ? best.keep : undefined;
    out.push({ kind: best.kind, start: group.start, end, confidence: best.confidence, ...(keep ? { keep } : {}) });
  };
  for (let i = 1; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c.start < end) {
      end = Math.max(end, c.end);
      if (c.priority > best.priority || (c.priority === best.priority && c.end - c.start > best.end - best.start)) best = c;
    } else {
      flush();
      group = c;
      best = c;
      end = c.end;
    }
  }
  flush();
  return out;
}

function spans(text: string, re: RegExp): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push([m.index, m.index + m[0].length]);
  return out;
}

/** Binary search over sorted, disjoint marker spans: a line full of markers stays linear. */
function overlapsMarker(markers: ReadonlyArray<[number, number]>, start: number, end: number): boolean {
  let lo = 0;
  let hi = markers.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (markers[mid]![1] <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < markers.length && markers[lo]![0] < end;
}
