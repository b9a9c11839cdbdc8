// The engine's selection before the one-pass scanner, kept as a reference for
// scanner.test.ts: three regular-expression scans (keywords as a factored
// alternation, words the same way in any case, triggers combined), each
// reporting the longest literal at a place and moving past it.
import type { Detector } from '@custodian/core/redact';

function literalAlternation(literals: readonly string[]): string {
  interface Node {
    children: Map<string, Node>;
    end: boolean;
  }
  const root: Node = { children: new Map(), end: false };
  for (const literal of new Set(literals)) {
    let node = root;
    for (const ch of literal) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = { children: new Map(), end: false }));
      node = next;
    }
    node.end = true;
  }
  const escape = (ch: string) => (/[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch);
  const emit = (node: Node): string => {
    const branches = [...node.children].map(([ch, child]) => escape(ch) + emit(child));
    if (branches.length === 0) return '';
    if (node.end) branches.push('');
    return branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
  };
  return emit(root) || '(?!)';
}

/** The indices of the detectors the previous engine ran on `text`. */
export function previousSelect(detectors: readonly Detector[], text: string): Set<number> {
  const index = (pick: (d: Detector) => readonly string[] | undefined, fold: (s: string) => string) => {
    const map = new Map<string, Set<number>>();
    detectors.forEach((d, i) => (pick(d) ?? []).forEach((k) => map.set(fold(k), (map.get(fold(k)) ?? new Set()).add(i))));
    // A hit also selects the detectors of every literal inside it (password holds pass).
    for (const [k, list] of map) for (const [other, more] of map) if (other !== k && k.includes(other)) more.forEach((d) => list.add(d));
    return map;
  };
  const byKeyword = index((d) => d.keywords, (s) => s);
  const byWord = index((d) => d.words, (s) => s.toLowerCase());
  const chosen = new Set<number>();
  const scan = (re: RegExp, hit: (m: RegExpExecArray) => void) => {
    for (let m = re.exec(text); m !== null; m = re.exec(text)) hit(m);
  };
  scan(new RegExp(literalAlternation([...byKeyword.keys()]), 'g'), (m) => byKeyword.get(m[0])?.forEach((d) => chosen.add(d)));
  scan(new RegExp(literalAlternation([...byWord.keys()]), 'gi'), (m) => byWord.get(m[0].toLowerCase())?.forEach((d) => chosen.add(d)));
  detectors.forEach((d, i) => {
    if (d.trigger && new RegExp(d.trigger.source, d.trigger.flags.replace(/[gy]/g, '')).test(text)) chosen.add(i);
    if (!d.keywords?.length && !d.words?.length && !d.trigger) chosen.add(i);
  });
  return chosen;
}
