import { ASSIGNED_VALUE } from './detectors/generic.js';
import type { Confidence, Detector, Finding } from './detectors/types.js';
import { createScanner, type Scanner, type ScanResult } from './scanner.js';

/** Our own markers, so a second pass never redacts (or re-tags) what the first one wrote. */
export const MARKER = /\[REDACTED(?::[a-z0-9-]{1,60}(?::[A-Za-z0-9]{1,16})?)?\]/g;

interface Candidate extends Finding {
  priority: number;
}

/** A detector with its pattern compiled for match indices (named value groups need them). */
export interface CompiledDetector extends Detector {
  valueGroups: readonly string[];
  /** For a pattern that ends as an assignment does (`ASSIGNED_VALUE`): the pattern without the `d` flag; the value's offsets follow from the match. */
  assigned?: RegExp;
}

/** Detectors ready to run: one pass of `scan` selects which patterns a string needs. */
export interface DetectorSet {
  detectors: readonly CompiledDetector[];
  scan: Scanner['scan'];
  resume: Scanner['resume'];
  /** Detectors with nothing to scan for (custom patterns): they run on every string. */
  always: readonly number[];
  /** Per detector: where its pattern may start, given where its first keyword or word is (see `Detector.lead`). */
  lead: ReadonlyArray<number | undefined>;
}

const VALUE_GROUPS = ['secret', 'dq', 'sq', 'bare'] as const;
/** The answer for most lines, shared: nothing to allocate. */
const NONE: Finding[] = Object.freeze([]) as unknown as Finding[];

export function compile(detectors: readonly Detector[]): DetectorSet {
  const compiled = detectors.map((detector): CompiledDetector => {
    const groups = VALUE_GROUPS.filter((g) => detector.pattern.source.includes(`(?<${g}>`));
    let pattern = detector.pattern;
    if (!pattern.global) throw new Error(`the ${detector.kind} pattern must be global`);
    if (groups.length > 0 && !pattern.hasIndices) pattern = new RegExp(pattern.source, `${pattern.flags}d`);
    // Which group holds the value, and where, is known from how the pattern ends, unless a secret group comes first.
    const assigned = pattern.source.endsWith(ASSIGNED_VALUE) && !groups.includes('secret') ? new RegExp(pattern.source, pattern.flags.replace('d', '')) : undefined;
    return { ...detector, pattern, valueGroups: groups, ...(assigned ? { assigned } : {}) };
  });
  const { scan, resume } = createScanner({
    keywords: compiled.map((d) => d.keywords),
    words: compiled.map((d) => d.words),
    checks: compiled.map((d) => d.triggerCheck),
    triggers: compiled.map((d) => d.trigger),
  });
  return {
    detectors: compiled,
    scan,
    resume,
    always: compiled.flatMap((d, i) => (!d.keywords?.length && !d.words?.length && !d.trigger && !d.triggerCheck ? [i] : [])),
    // A lead holds only when keywords and words are all that select the detector.
    lead: compiled.map((d) => (d.trigger ? undefined : d.lead)),
  };
}

/**
 * Every span of `text` to redact, sorted and non-overlapping. Overlapping
 * findings are merged into one span (nothing either found is left showing),
 * named after the member with the highest priority. Patterns look for
 * matches from `from` on: the caller knows the text before it holds no
 * secret (a head it wrote itself) and that nothing there starts one.
 */
export function findAll(text: string, set: DetectorSet, from = 0): Finding[] {
  const scanned = set.scan(text, from, true);
  // Only escaped whitespace needs the copy; a line with \" alone (an ETag, quoted JSON) is scanned as it is.
  if (!scanned.escapedWhitespace) return scanned.count === 0 && set.always.length === 0 ? NONE : findIn(text, set, scanned, from);
  // In JSON text (a serialised log line) a newline is the two characters \ and n, and the n
  // would glue itself to the word after it ("\nAKIA…" reads as "nAKIA…"). Scan a copy in which
  // each escaped newline, return and tab is that character doubled — the same length, so spans
  // map back one to one — then widen any span that would cut an escape in two. The scan stopped
  // at the first escape; up to there the copy is the text, so it goes on over the copy from there.
  const { scanned: copy, pairs } = unescapeWhitespace(text);
  return findIn(copy, set, set.resume(copy), from).map((f) => {
    let { start, end } = f;
    if (pairs.has(start - 1)) start -= 1;
    if (pairs.has(end - 1)) end += 1;
    return start === f.start && end === f.end ? f : { ...f, start, end };
  });
}

/** `\n`, `\r`, `\t` (outside `\\`) become two real characters; `pairs` holds each pair's first offset. */
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

function findIn(text: string, set: DetectorSet, scanned: ScanResult, from: number): Finding[] {
  const candidates: Candidate[] = [];
  // Marked in the scan's own result, counted too: the next scan clears what it counts.
  for (const i of set.always) {
    if (scanned.selected[i] === 0) {
      scanned.selected[i] = 1;
      scanned.count++;
    }
  }
  const markers = text.includes('[REDACTED') ? spans(text, MARKER) : [];
  for (let i = 0; i < set.detectors.length; i++) {
    if (scanned.selected[i] === 0) continue;
    const d = set.detectors[i]!;
    const re = d.assigned ?? d.pattern;
    const lead = set.lead[i];
    // No match starts before its first keyword, less the lead: skip the text before it.
    re.lastIndex = lead === undefined ? from : Math.max(from, scanned.firstAt[i]! - lead);
    if (d.needs !== undefined && text.indexOf(d.needs, re.lastIndex) === -1) continue;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let start = m.index;
      let end = start + m[0].length;
      if (d.assigned) {
        // Exactly one of dq, sq, bare took part, and only its closing quote follows it (ASSIGNED_VALUE).
        const { dq, sq, bare } = m.groups!;
        if (dq !== undefined) {
          end -= text.charCodeAt(end - 2) === 92 ? 2 : 1; // "…" or \"…\"
          start = end - dq.length;
        } else if (sq !== undefined) {
          end -= 1;
          start = end - sq.length;
        } else if (bare !== undefined) start = end - bare.length;
      } else {
        for (const g of d.valueGroups) {
          const at = m.indices?.groups?.[g];
          if (at) {
            start = at[0];
            end = at[1];
            break;
          }
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
