/**
 * One pass over a string that tells which detectors it needs: every keyword
 * (case-sensitive) and word (any case) found as a substring, plus the hand-
 * written triggers (digit shapes), in a single charCode loop. It replaces three
 * regular-expression scans per string; most log lines need no detector at all,
 * and for them this loop is all the work done.
 *
 * Keywords and words go into one Aho–Corasick automaton over ASCII folded to
 * lower case, with a dense transition table (one lookup per character); a
 * keyword hit is then checked case-sensitively. Literals with other than ASCII
 * characters, and triggers without a hand-written test, are left to regular
 * expressions (`fallback`), so every detector keeps working, only slower.
 */

/** What a scan found: `selected[i]` is set for each detector index needed; `firstAt[i]` is where its first literal starts. */
export interface ScanResult {
  count: number;
  selected: Uint8Array;
  firstAt: Int32Array;
  /** The string holds `\n`, `\r` or `\t` as two characters (JSON text): the caller scans an unescaped copy. */
  escapedWhitespace: boolean;
  /** Where a scan told to stop at the first such escape stopped (its backslash); -1 when it ran to the end. */
  stoppedAt: number;
}

export interface TriggerCheck {
  first: string;
  notAfter: string;
  at: (text: string, i: number) => boolean;
}

interface Literal {
  text: string;
  caseSensitive: boolean;
  detectors: number[];
}

export interface ScannerInput {
  keywords: ReadonlyArray<readonly string[] | undefined>;
  words: ReadonlyArray<readonly string[] | undefined>;
  /** Per detector: a hand-written trigger test, called at each position whose character is in `first` and whose previous one is not in `notAfter`. */
  checks: ReadonlyArray<TriggerCheck | undefined>;
  /** Per detector: its trigger expression, for those without a hand-written check. */
  triggers: ReadonlyArray<RegExp | undefined>;
}

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

export interface Scanner {
  /**
   * Scans `text` from `from` (0 by default): what comes before it is neither
   * read nor reported. With `stopAtEscape`, stops at the first `\n`, `\r` or
   * `\t` written as two characters, for the caller to go on with `resume`.
   */
  scan(text: string, from?: number, stopAtEscape?: boolean): ScanResult;
  /**
   * After a scan stopped at an escape: goes on over `copy`, the text with its
   * escapes unescaped (the same length, the same up to the stop), keeping
   * what was found so far — the result of scanning `copy` whole.
   */
  resume(copy: string): ScanResult;
}

export function createScanner(input: ScannerInput): Scanner {
  const n = input.keywords.length;
  const literals: Literal[] = [];
  const byKey = new Map<string, Literal>();
  const fallbackKeywords: Array<[string, number]> = [];
  const fallbackWords: Array<[string, number]> = [];
  const add = (text: string, caseSensitive: boolean, d: number) => {
    if (text.length === 0) return;
    if (!isAscii(text)) {
      (caseSensitive ? fallbackKeywords : fallbackWords).push([text, d]);
      return;
    }
    const key = `${caseSensitive ? 'k' : 'w'}${caseSensitive ? text : text.toLowerCase()}`;
    let lit = byKey.get(key);
    if (!lit) byKey.set(key, (lit = { text: caseSensitive ? text : text.toLowerCase(), caseSensitive, detectors: [] }));
    if (!lit.detectors.includes(d)) lit.detectors.push(d);
  };
  for (let d = 0; d < n; d++) {
    for (const k of input.keywords[d] ?? []) add(k, true, d);
    for (const w of input.words[d] ?? []) add(w, false, d);
  }
  literals.push(...byKey.values());

  // Alphabet: each folded ASCII character that occurs in a literal gets a class; every other character is class 0.
  const cls = new Uint8Array(128);
  let classes = 1;
  for (const lit of literals) {
    for (const ch of lit.text.toLowerCase()) {
      const c = ch.charCodeAt(0);
      if (cls[c] === 0) cls[c] = classes++;
    }
  }
  for (let c = 65; c <= 90; c++) cls[c] = cls[c + 32]!; // upper case folds to lower

  // The trie, then failure links breadth first, then the full transition table.
  const children: Array<Map<number, number>> = [new Map()];
  const outputs: number[][] = [[]];
  literals.forEach((lit, id) => {
    let s = 0;
    for (const ch of lit.text.toLowerCase()) {
      const k = cls[ch.charCodeAt(0)]!;
      let next = children[s]!.get(k);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        outputs.push([]);
        children[s]!.set(k, next);
      }
      s = next;
    }
    outputs[s]!.push(id);
  });
  const states = children.length;
  const delta = new Int32Array(states * classes);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (let k = 0; k < classes; k++) {
    const next = children[0]!.get(k);
    if (next !== undefined && k !== 0) {
      delta[k] = next;
      queue.push(next);
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!;
    outputs[s]!.push(...outputs[fail[s]!]!);
    for (let k = 0; k < classes; k++) {
      const next = k === 0 ? undefined : children[s]!.get(k);
      if (next !== undefined) {
        fail[next] = delta[fail[s]! * classes + k]!;
        delta[s * classes + k] = next;
        queue.push(next);
      } else {
        delta[s * classes + k] = delta[fail[s]! * classes + k]!;
      }
    }
  }
  // Renumber so that states with output come last: the loop tests `s >= firstOutput`. Rows are 64 wide, and the
  // table holds each next state already times 64 (its row's offset): one OR, no shift, between two table reads.
  const order = [...Array(states).keys()].sort((a, b) => Number(outputs[a]!.length > 0) - Number(outputs[b]!.length > 0) || a - b);
  const renamed = new Int32Array(states);
  order.forEach((old, i) => (renamed[old] = i));
  const table = new Int32Array(states << 6);
  const outputsOf: number[][] = order.map((old) => outputs[old]!);
  for (let old = 0; old < states; old++) for (let k = 0; k < classes; k++) table[(renamed[old]! << 6) | k] = renamed[delta[old * classes + k]!]! << 6;
  const firstOutput = outputsOf.findIndex((o) => o.length > 0) === -1 ? states : outputsOf.findIndex((o) => o.length > 0);

  // Hand-written triggers. One check only: the loop below tests "may start here" with one flag.
  const checkList = [...new Set(input.checks.filter((c): c is TriggerCheck => c !== undefined))];
  if (checkList.length > 1) throw new Error('one hand-written trigger check at most; give the others a trigger expression');
  const check = checkList[0];
  const checked = input.checks.flatMap((c, d) => (c && c === check ? [d] : []));
  const fallbackTriggers: Array<[RegExp, number]> = [];
  input.triggers.forEach((t, d) => {
    if (t && !input.checks[d]) fallbackTriggers.push([new RegExp(t.source, t.flags.replace(/[gy]/g, '')), d]);
  });
  const fallbackWordRes = fallbackWords.map(([w, d]) => [new RegExp(w.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'i'), d] as const);

  // One table read per ASCII character: its class (low 6 bits), whether a trigger may start
  // at it (FIRST) or it is a backslash, and in the bits above, which of those two flags the next
  // character is to be tested for (FIRST only when this one is not in `notAfter`).
  const FIRST = 64;
  const BACKSLASH = 128;
  if (classes > 64) throw new Error('too many distinct characters in keywords and words');
  const info = new Uint16Array(128);
  const glue = new Set([...(check?.notAfter ?? '')].map((ch) => ch.charCodeAt(0)));
  const isFirst = new Set([...(check?.first ?? '')].map((ch) => ch.charCodeAt(0)));
  for (let c = 0; c < 128; c++) {
    const next = glue.has(c) ? BACKSLASH : FIRST | BACKSLASH;
    info[c] = cls[c]! | (isFirst.has(c) ? FIRST : 0) | (c === 92 ? BACKSLASH : 0) | (next << 8);
  }
  // Upper case reads as lower case, for the trigger's flags too: the text is scanned as it is, not folded.
  for (let c = 65; c <= 90; c++) info[c] = info[c + 32]!;
  const START_MASK = FIRST | BACKSLASH; // before the first character nothing is glued

  const result: ScanResult = { count: 0, selected: new Uint8Array(n), firstAt: new Int32Array(n), escapedWhitespace: false, stoppedAt: -1 };
  const select = (d: number, at: number) => {
    if (result.selected[d] === 0) {
      result.selected[d] = 1;
      result.count++;
      result.firstAt[d] = at;
    } else if (at < result.firstAt[d]!) result.firstAt[d] = at;
  };
  let checkPending = true;
  const firstOutputRow = firstOutput << 6;
  /** Out of the loop: what the rare interesting positions need. `s` is a state's row offset. */
  const visit = (text: string, i: number, s: number, x: number) => {
    if (s >= firstOutputRow) {
      for (const id of outputsOf[s >> 6]!) {
        const lit = literals[id]!;
        const start = i - lit.text.length + 1;
        if (lit.caseSensitive && !text.startsWith(lit.text, start)) continue;
        for (const d of lit.detectors) select(d, start);
      }
    }
    if ((x & FIRST) !== 0 && checkPending && check!.at(text, i)) {
      checkPending = false;
      for (const d of checked) select(d, i);
    }
    if ((x & BACKSLASH) !== 0) {
      const next = text.charCodeAt(i + 1);
      if (next === 110 || next === 114 || next === 116) result.escapedWhitespace = true;
    }
  };

  /** The automaton from `start`, at its root there, then the fallbacks; or up to the first escape when `stop`. */
  const walk = (text: string, start: number, stop: boolean): ScanResult => {
    // The characters as they are: `info` folds ASCII case, and every other character (the Kelvin sign,
    // a dotted İ) takes the one non-ASCII path whatever its case. The lower-cased copy read here before
    // cost more than it saved, on flat strings and on a logger's concatenated line alike (bench/README.md).
    const src = text;
    const len = text.length;
    let s = 0;
    // Mid-string, the character before `start` decides whether a trigger may start at it.
    const before = start > 0 ? text.charCodeAt(start - 1) : 128;
    let mask = before < 128 ? info[before]! >>> 8 : START_MASK;
    let i = start;
    while (i < len) {
      // Two characters a turn while both are ASCII and neither needs a visit: most of a line.
      for (; i + 1 < len; i += 2) {
        const c0 = src.charCodeAt(i);
        const c1 = src.charCodeAt(i + 1);
        if ((c0 | c1) >= 128) break;
        const x0 = info[c0]!;
        const s0 = table[s | (x0 & 63)]!;
        if (s0 >= firstOutputRow || (x0 & mask) !== 0) break;
        const x1 = info[c1]!;
        const s1 = table[s0 | (x1 & 63)]!;
        if (s1 >= firstOutputRow || (x1 & (x0 >>> 8)) !== 0) break;
        s = s1;
        mask = x1 >>> 8;
      }
      if (i >= len) break;
      // One character the careful way.
      const c = src.charCodeAt(i);
      if (c < 128) {
        const x = info[c]!;
        s = table[s | (x & 63)]!;
        // FIRST in `x & mask` only when the character before was not glue: the caller's test.
        if (s >= firstOutputRow || (x & mask) !== 0) {
          visit(text, i, s, x & mask);
          if (stop && result.escapedWhitespace) {
            result.stoppedAt = i;
            return result;
          }
        }
        mask = x >>> 8;
      } else {
        s = table[s]!;
        mask = START_MASK;
        if (s >= firstOutputRow) visit(text, i, s, 0);
      }
      i++;
    }
    if (hasFallbacks) fallback(text);
    return result;
  };
  const hasFallbacks = fallbackKeywords.length + fallbackWordRes.length + fallbackTriggers.length > 0;
  // The rare literals and triggers left to regular expressions look at the whole string: selecting
  // a detector for a hit before `from` costs a pattern run, never a finding (patterns start at `from`).
  const fallback = (text: string) => {
    for (const [k, d] of fallbackKeywords) {
      const at = text.indexOf(k);
      if (at !== -1) select(d, at);
    }
    for (const [re, d] of fallbackWordRes) {
      const m = re.exec(text);
      if (m) select(d, m.index);
    }
    for (const [re, d] of fallbackTriggers) if (re.test(text)) select(d, 0);
  };

  // Going on over the copy right after the stopped-at backslash is exact when neither a backslash
  // nor a newline, return or tab is in a literal or starts a trigger: after any of them the
  // automaton is at its root, and what follows depends only on that character.
  const resumable = [92, 10, 13, 9].every((c) => cls[c] === 0 && !isFirst.has(c));
  let lastStart = 0;
  return {
    scan(text, from = 0, stopAtEscape = false) {
      // Most strings select nothing: then there is nothing to clear.
      if (result.count !== 0) result.selected.fill(0);
      result.count = 0;
      result.escapedWhitespace = false;
      result.stoppedAt = -1;
      checkPending = check !== undefined;
      lastStart = from > 0 ? Math.min(from, text.length) >>> 0 : 0;
      return walk(text, lastStart, stopAtEscape);
    },
    resume(copy) {
      const at = result.stoppedAt;
      if (at === -1) throw new Error('resume follows a scan that stopped at an escape');
      result.stoppedAt = -1;
      if (resumable) return walk(copy, at + 1, false);
      if (result.count !== 0) result.selected.fill(0);
      result.count = 0;
      checkPending = check !== undefined;
      return walk(copy, lastStart, false);
    },
  };
}
