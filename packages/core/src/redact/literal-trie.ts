/**
 * One regular expression that finds any of many literal strings, written as
 * a trie (`sk-(?:ant-|)|gh(?:p_|o_|…)`): V8 scans a factored alternation
 * several times faster than the flat `a|b|c` list. Longer literals are tried
 * before their prefixes, so `sk-ant-` wins over `sk-` where both fit.
 */
export function literalAlternation(literals: readonly string[]): string {
  interface Node {
    children: Map<string, Node>;
    end: boolean;
  }
  const root: Node = { children: new Map(), end: false };
  for (const literal of new Set(literals)) {
    if (literal.length === 0) continue;
    let node = root;
    for (const ch of literal) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = { children: new Map(), end: false }));
      node = next;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    const branches = [...node.children].map(([ch, child]) => escape(ch) + emit(child));
    if (branches.length === 0) return '';
    if (node.end) branches.push('');
    return branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
  };
  return emit(root) || '(?!)';
}

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}
