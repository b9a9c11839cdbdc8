import type { DatabaseSchema, ForeignKey } from './schema-types.js';

/** A foreign key between two tables whose rows erasure deletes: `from` must go before `to`. */
export interface ErasureEdge {
  from: string;
  to: string;
  foreignKey: ForeignKey;
  /** Whether deleting `to` first could still work: the key cascades, nulls, defers, or can be nulled first. */
  breakable: boolean;
}

export interface ErasureOrder {
  /** Children before parents. Tables caught in an unbreakable cycle are listed too, in policy order among themselves. */
  order: string[];
  /** Each group of tables that reference each other with no key to break the cycle. */
  cycles: Array<{ tables: string[]; edges: ErasureEdge[] }>;
}

function isBreakable(fk: ForeignKey, schema: DatabaseSchema, from: string): boolean {
  if (fk.onDelete === 'cascade' || fk.onDelete === 'set-null' || fk.onDelete === 'set-default') return true;
  if (fk.deferrable) return true;
  const table = schema.tables[from];
  // A nullable key can be nulled before the referenced row is deleted.
  return fk.columns.some((c) => table?.columns[c]?.notNull === false);
}

export function erasureEdges(tables: readonly string[], schema: DatabaseSchema): ErasureEdge[] {
  const inSet = new Set(tables);
  const edges: ErasureEdge[] = [];
  for (const from of tables) {
    for (const fk of schema.tables[from]?.foreignKeys ?? []) {
      const to = fk.references.table;
      // A table referencing itself is deleted in one statement, which checks the key at its end.
      if (to === from || !inSet.has(to)) continue;
      edges.push({ from, to, foreignKey: fk, breakable: isBreakable(fk, schema, from) });
    }
  }
  return edges;
}

/** Strongly connected components of size > 1 (Tarjan), each in input order. */
function components(nodes: readonly string[], edges: readonly ErasureEdge[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const next = (n: string) => edges.filter((e) => e.from === n).map((e) => e.to);
  const visit = (n: string): void => {
    index.set(n, counter);
    low.set(n, counter++);
    stack.push(n);
    onStack.add(n);
    for (const m of next(n)) {
      if (!index.has(m)) {
        visit(m);
        low.set(n, Math.min(low.get(n)!, low.get(m)!));
      } else if (onStack.has(m)) low.set(n, Math.min(low.get(n)!, index.get(m)!));
    }
    if (low.get(n) === index.get(n)) {
      const group: string[] = [];
      let m: string;
      do {
        m = stack.pop()!;
        onStack.delete(m);
        group.push(m);
      } while (m !== n);
      if (group.length > 1) out.push(nodes.filter((x) => group.includes(x)));
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return out;
}

/**
 * Orders the tables whose rows erasure deletes so that rows referencing
 * others go first. Kahn's algorithm, ties broken by the order the caller
 * gives (the policy's), so the result is stable. Where tables form a cycle,
 * breakable keys are set aside first; a cycle of unbreakable keys is
 * reported, and its tables are listed anyway, before the tables they reference.
 */
export function erasureOrder(tables: readonly string[], schema: DatabaseSchema): ErasureOrder {
  const edges = erasureEdges(tables, schema);
  const hard = edges.filter((e) => !e.breakable);
  const cycles = components(tables, hard).map((group) => ({
    tables: group,
    edges: hard.filter((e) => group.includes(e.from) && group.includes(e.to)),
  }));

  const order: string[] = [];
  const done = new Set<string>();
  let active = edges;
  while (done.size < tables.length) {
    const ready = tables.find((t) => !done.has(t) && !active.some((e) => e.to === t && !done.has(e.from)));
    if (ready !== undefined) {
      order.push(ready);
      done.add(ready);
      continue;
    }
    if (active.some((e) => e.breakable && !done.has(e.from) && !done.has(e.to))) {
      active = active.filter((e) => !e.breakable || done.has(e.from) || done.has(e.to));
      continue;
    }
    // Only unbreakable cycles are left. They are reported; set aside the keys
    // inside them so their tables are still listed, and whatever they
    // reference still comes after them.
    const inside = (e: ErasureEdge) => cycles.some((c) => c.edges.includes(e));
    if (active.some(inside)) {
      active = active.filter((e) => !inside(e));
      continue;
    }
    for (const t of tables) if (!done.has(t)) order.push(t), done.add(t);
  }
  return { order, cycles };
}
