import { findTable } from '../../check/lookup.js';
import type { DatabaseSchema, TableInfo } from '../../check/schema-types.js';
import { CustodianError } from '../../errors.js';
import type { Policy } from '../../policy/index.js';
import { ownersOf } from '../../policy/semantics.js';

/** How one column appears in an export. */
export type ColumnTreatment = 'plain' | 'encrypted' | 'decrypted';

/** Why a column of a row about the person is left out. */
export type OmitReason = 'secret' | 'policy-omit' | 'another-person';

export interface ExportedColumn {
  name: string;
  treatment: ColumnTreatment;
  /** The catalog's type family, e.g. `bytea` (an envelope in a bytea column is base64-encoded). */
  kind: string;
}

export interface OmittedColumn {
  column: string;
  reason: OmitReason;
}

export interface ColumnPlan {
  table: string;
  columns: ExportedColumn[];
  omitted: OmittedColumn[];
  /** Columns of the primary key, in key order; empty when the table has none (pages then go by ctid). */
  primaryKey: string[];
  /** The table's tenant column, for field references of decrypted values. */
  tenantColumn: string | undefined;
}

/**
 * Which columns of a table an export carries, and how, as the policy says:
 * `secret` columns and `encryption.export: 'omit'` are left out; encrypted
 * columns are carried as their stored envelope (`encrypted`, the default) or
 * opened (`decrypted`); other columns as stored. A column that is a foreign
 * key to a subject table (another person: a reviewer, an inviter) is left out
 * too, unless it is one of the table's owner columns for this subject kind —
 * the person's access export holds their own data, not who else is named.
 */
export function planColumns(policy: Policy, schema: DatabaseSchema, table: string, subjectName: string, options: { declaredOnly?: boolean } = {}): ColumnPlan {
  const info = findTable(schema, table);
  if (!info) throw new CustodianError('ERR_CONFIG_INVALID', `the database has no table ${table} that the policy names`, { hint: 'run custodian check' });
  const spec = policy.tables[table];
  const owners = new Set(ownersOf(spec ?? {}).flatMap((o) => (o.subject === subjectName && 'column' in o ? [o.column] : [])));
  if (policy.subjects[subjectName]?.table === table) owners.add(policy.subjects[subjectName]!.key);
  const otherPeople = personReferences(policy, info);
  const columns: ExportedColumn[] = [];
  const omitted: OmittedColumn[] = [];
  for (const [name, column] of Object.entries(info.columns)) {
    const declared = spec?.columns[name];
    const isKey = info.primaryKey.includes(name);
    if (options.declaredOnly && !declared && !isKey) continue;
    if (declared?.secret) omitted.push({ column: name, reason: 'secret' });
    else if (declared?.encryption?.export === 'omit') omitted.push({ column: name, reason: 'policy-omit' });
    else if (otherPeople.has(name) && !owners.has(name) && !isKey) omitted.push({ column: name, reason: 'another-person' });
    else columns.push({ name, kind: column.kind, treatment: declared?.encryption ? (declared.encryption.export === 'decrypted' ? 'decrypted' : 'encrypted') : 'plain' });
  }
  return { table, columns, omitted, primaryKey: info.primaryKey, tenantColumn: spec?.tenant };
}

/** Columns that reference a subject table's key: each names a person. */
function personReferences(policy: Policy, info: TableInfo): Set<string> {
  const subjectKeys = new Map(Object.values(policy.subjects).map((s) => [s.table.replace(/^public\./, ''), s.key]));
  const out = new Set<string>();
  for (const fk of info.foreignKeys) {
    const key = subjectKeys.get(fk.references.table);
    if (key === undefined) continue;
    fk.references.columns.forEach((referenced, i) => {
      if (referenced === key) out.add(fk.columns[i]!);
    });
  }
  return out;
}
