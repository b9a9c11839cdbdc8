import { quoteIdent, quoteQualified } from '../db/identifier.js';
import type { DatabaseSchema } from '../check/schema-types.js';
import { findColumn, findTable } from '../check/lookup.js';
import { CustodianError } from '../errors.js';
import type { Policy } from '../policy/index.js';
import { ownersOf } from '../policy/semantics.js';
import type { Owner } from '../policy/schema/tables.js';

/** A person, as erasure and export address them: their subject kind, key in the subject table, and tenant when subjects belong to one. */
export interface SubjectRef {
  subject: string;
  key: string;
  tenant?: string | undefined;
}

/**
 * How to find one table's rows about a person: a WHERE clause over alias `t`
 * with the person's key as `$1` (and tenant as `$2` when the subject has
 * one), following the table's owner column or its path of foreign keys.
 */
export interface SubjectTable {
  table: string;
  /** `direct`: the subject table itself; `owner`: owned by a column; `path`: through foreign keys. */
  via: 'subject' | 'owner' | 'path';
  where: string;
  /** Hops from the table to the subject (0 for the subject table). */
  depth: number;
  /** The columns `where` reads, in this table and along its paths: a statement that changes one must wait for this table's. */
  reads: Array<{ table: string; column: string }>;
}

/**
 * Every table the policy says holds rows about a subject kind, with the SQL
 * that selects one person's rows in it, built from the policy's owners and
 * checked against the database's catalog (column types cast the key so
 * indexes are used). Several owners of the same kind are OR-ed.
 *
 * @example
 * const tables = subjectTables(policy, schema, 'candidate');
 * for (const t of tables) await db.query(`SELECT count(*) FROM ${t.table} t WHERE ${t.where}`, [key, tenant]);
 */
export function subjectTables(policy: Policy, schema: DatabaseSchema, subjectName: string): SubjectTable[] {
  const subject = policy.subjects[subjectName];
  if (!subject) throw new CustodianError('ERR_CONFIG_INVALID', 'the policy declares no such subject', { hint: `one of: ${Object.keys(policy.subjects).join(', ')}` });
  const hasTenant = subject.tenant !== undefined;
  const out: SubjectTable[] = [];
  const keyType = columnType(schema, subject.table, subject.key);
  // The tenant parameter cast to the column's own type, so an index on it is usable.
  const tenantClause = (table: string, alias: string) => {
    const column = policy.tables[table]?.tenant;
    return hasTenant && column ? ` AND ${alias}.${quoteIdent(column)} = $2::${columnType(schema, table, column)}` : '';
  };
  for (const [table, spec] of Object.entries(policy.tables)) {
    const clauses: string[] = [];
    const reads: SubjectTable['reads'] = [];
    let via: SubjectTable['via'] = 'owner';
    let depth = 0;
    if (table === subject.table) {
      clauses.push(`t.${quoteIdent(subject.key)} = $1::${keyType}${tenantClause(table, 't')}`);
      reads.push({ table, column: subject.key });
      via = 'subject';
    }
    for (const owner of ownersOf(spec).filter((o) => o.subject === subjectName)) {
      const built = ownerClause(schema, table, owner, keyType, tenantClause);
      clauses.push(built.where);
      reads.push(...ownerReads(table, owner));
      if (via !== 'subject') {
        via = built.depth > 0 ? 'path' : 'owner';
        depth = Math.max(depth, built.depth);
      }
    }
    const distinct = [...new Set(clauses)];
    if (distinct.length === 0) continue;
    out.push({ table, via, depth, reads, where: distinct.length === 1 ? distinct[0]! : distinct.map((c) => `(${c})`).join(' OR ') });
  }
  return out;
}

function ownerClause(
  schema: DatabaseSchema,
  table: string,
  owner: Owner,
  keyType: string,
  tenantClause: (table: string, alias: string) => string,
): { where: string; depth: number } {
  if ('column' in owner) return { where: `t.${quoteIdent(owner.column)} = $1::${keyType}${tenantClause(table, 't')}`, depth: 0 };
  // table.c1 → T1.k1, T1.c2 → T2.k2, …, T(n-1).cn → subject.key: nested IN, innermost compares with the key.
  const hops = owner.path;
  let inner = '';
  for (let i = hops.length - 1; i >= 1; i--) {
    const from = refTable(hops[i - 1]!.references);
    const alias = `h${i}`;
    const select = `SELECT ${alias}.${quoteIdent(refColumn(hops[i - 1]!.references))} FROM ${quoteQualified(from)} ${alias}`;
    const cond = i === hops.length - 1 ? `${alias}.${quoteIdent(hops[i]!.column)} = $1::${keyType}` : `${alias}.${quoteIdent(hops[i]!.column)} IN (${inner})`;
    inner = `${select} WHERE ${cond}${tenantClause(from, alias)}`;
    findColumn(findTable(schema, from), hops[i]!.column) ?? missing(from, hops[i]!.column);
  }
  const first = hops[0]!;
  findColumn(findTable(schema, table), first.column) ?? missing(table, first.column);
  const where = hops.length === 1 ? `t.${quoteIdent(first.column)} = $1::${keyType}` : `t.${quoteIdent(first.column)} IN (${inner})`;
  return { where: where + tenantClause(table, 't'), depth: hops.length };
}

function ownerReads(table: string, owner: Owner): SubjectTable['reads'] {
  if ('column' in owner) return [{ table, column: owner.column }];
  return owner.path.map((hop, i) => ({ table: i === 0 ? table : refTable(owner.path[i - 1]!.references), column: hop.column }));
}

const refTable = (ref: string) => ref.slice(0, ref.lastIndexOf('.'));
const refColumn = (ref: string) => ref.slice(ref.lastIndexOf('.') + 1);

function columnType(schema: DatabaseSchema, table: string, column: string): string {
  const info = findColumn(findTable(schema, table), column);
  if (!info) missing(table, column);
  // The catalog's printed type, e.g. uuid, bigint, text: safe to splice (it comes from pg, not from input).
  return info!.type;
}

function missing(table: string, column: string): never {
  throw new CustodianError('ERR_CONFIG_INVALID', `the database has no column ${table}.${column} that the policy names`, { hint: 'run custodian check' });
}
