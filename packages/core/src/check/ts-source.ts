/**
 * A tiny writer for the object literal `custodian init` emits: enough to
 * print nested objects, arrays and scalars with a `//` comment above any
 * entry, which JSON cannot carry and a person reviewing the draft needs.
 */
export type SourceNode =
  | { kind: 'object'; entries: SourceEntry[] }
  | { kind: 'array'; items: SourceNode[] }
  | { kind: 'scalar'; value: string | number | boolean };

export interface SourceEntry {
  key: string;
  value: SourceNode;
  /** Printed as `// …` lines above the entry. */
  comments?: string[];
}

export const obj = (entries: SourceEntry[]): SourceNode => ({ kind: 'object', entries });
export const arr = (items: SourceNode[]): SourceNode => ({ kind: 'array', items });
export const val = (value: string | number | boolean): SourceNode => ({ kind: 'scalar', value });
export const entry = (key: string, value: SourceNode, ...comments: string[]): SourceEntry => (comments.length ? { key, value, comments } : { key, value });

export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028|\u2029/g, ' ')}'`;
}

const key = (k: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : quote(k));
/** A comment is one line: no newline may end it early and let text run as code. */
const comment = (text: string) => `// ${text.replace(/[\r\n\u2028\u2029]+/g, ' ')}`;

export function render(node: SourceNode, indent = ''): string {
  const inner = `${indent}  `;
  switch (node.kind) {
    case 'scalar':
      return typeof node.value === 'string' ? quote(node.value) : String(node.value);
    case 'array':
      if (node.items.every((i) => i.kind === 'scalar')) return `[${node.items.map((i) => render(i)).join(', ')}]`;
      return `[\n${node.items.map((i) => `${inner}${render(i, inner)},`).join('\n')}\n${indent}]`;
    case 'object': {
      if (node.entries.length === 0) return '{}';
      // Short objects of plain values read better on one line: `{ subject: 'user', column: 'id' }`.
      if (node.entries.every((e) => e.value.kind === 'scalar' && !e.comments)) {
        const line = `{ ${node.entries.map((e) => `${key(e.key)}: ${render(e.value)}`).join(', ')} }`;
        if (line.length + indent.length <= 100) return line;
      }
      const lines = node.entries.map((e) => {
        const head = (e.comments ?? []).map((c) => `${inner}${comment(c)}\n`).join('');
        return `${head}${inner}${key(e.key)}: ${render(e.value, inner)},`;
      });
      return `{\n${lines.join('\n')}\n${indent}}`;
    }
  }
}
