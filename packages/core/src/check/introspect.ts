import { CustodianError } from '../errors.js';
import type { Queryable } from '../db/types.js';
import { classifyType } from './column-kind.js';
import type { ColumnInfo, DatabaseSchema, ForeignKey, ReferentialAction, TableInfo, UniqueKey } from './schema-types.js';

export interface IntrospectOptions {
  /** Read only these schemas. By default every schema except Custodian's own and the system's. */
  schemas?: string[];
}

/** Schemas that are never an application's: Custodian's own, and the system's. */
const EXCLUDED = ['custodian', 'pg_catalog', 'information_schema', 'pg_toast'];

/*
 * Every query reads pg_catalog only, with features present since PostgreSQL
 * 15 (`confdelsetcols`, `indnullsnotdistinct`), so the same text runs on PGlite (Postgres 17/18 in wasm) and on a
 * PostgreSQL 15+ server. Names come back as JSON arrays rather than int2[] or
 * oid[], because the two drivers parse those array types differently.
 * `$1` is a JSON array of schema names to include, or null for the default.
 */
const SCHEMA_FILTER = `(
  CASE WHEN $1::jsonb IS NULL
    THEN n.nspname <> ALL (ARRAY['${EXCLUDED.join("','")}']) AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    ELSE n.nspname IN (SELECT jsonb_array_elements_text($1::jsonb))
  END)`;

const TABLES_SQL = `
SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name,
       c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${SCHEMA_FILTER}
ORDER BY n.nspname, c.relname`;

const COLUMNS_SQL = `
SELECT a.attrelid::text AS rel, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       bt.typname AS udt, bt.typtype::text AS typtype, bt.typcategory::text AS category,
       et.typname AS element_udt, et.typtype::text AS element_typtype, et.typcategory::text AS element_category,
       CASE WHEN bt.typname IN ('varchar', 'bpchar') AND coalesce(nullif(t.typtypmod, -1), a.atttypmod) > 4
            THEN coalesce(nullif(t.typtypmod, -1), a.atttypmod) - 4 END AS max_length,
       (a.attnotnull OR coalesce(t.typnotnull, false)) AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       CASE WHEN bt.typtype = 'e' THEN (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = bt.oid) END AS enum_values
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND ${SCHEMA_FILTER}
ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS_SQL = `
SELECT con.conrelid::text AS rel, con.conname AS name, con.contype::text AS type,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
       fn.nspname AS ref_schema, fc.relname AS ref_name,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confdelsetcols) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS on_delete_columns,
       con.condeferrable AS deferrable, con.condeferred AS deferred,
       coalesce(i.indnullsnotdistinct, false) AS nulls_not_distinct
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = con.conindid AND con.contype IN ('p', 'u')
WHERE con.contype IN ('p', 'u', 'f') AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${SCHEMA_FILTER}
ORDER BY con.conrelid, con.conname`;

/** Unique indexes made with CREATE UNIQUE INDEX rather than a constraint. */
const UNIQUE_INDEXES_SQL = `
SELECT i.indrelid::text AS rel, ic.relname AS name,
       (SELECT json_agg(json_build_object('column', a.attname, 'expression', CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.ord::int, true) END) ORDER BY k.ord)
          FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
          LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
          WHERE k.ord <= i.indnkeyatts) AS parts,
       i.indpred IS NOT NULL AS partial, i.indnullsnotdistinct AS nulls_not_distinct
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indisunique AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${SCHEMA_FILTER}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u'))
ORDER BY i.indrelid, ic.relname`;

const ACTIONS: Record<string, ReferentialAction> = { a: 'no-action', r: 'restrict', c: 'cascade', n: 'set-null', d: 'set-default' };

/** `users` for a table in `public`, `app.users` elsewhere: the name a policy gives it. */
export function policyTableName(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

/** Accepts JSON already parsed by the driver, or its text. */
function json<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * Reads the structure of a live database: tables, columns and their types,
 * primary keys, unique constraints and indexes, foreign keys with their
 * ON DELETE action, and whether row-level security is on. Reads no rows.
 *
 * @example
 * const schema = await introspect(db);
 * schema.tables.users?.columns.email?.notNull; // true
 */
export async function introspect(db: Queryable, options: IntrospectOptions = {}): Promise<DatabaseSchema> {
  const filter = options.schemas ? JSON.stringify(options.schemas) : null;
  try {
    const tables = await db.query<{ oid: string; schema: string; name: string; rls: boolean; force_rls: boolean }>(TABLES_SQL, [filter]);
    const byOid = new Map<string, TableInfo>();
    const result: DatabaseSchema = { schemas: [], tables: Object.create(null) as Record<string, TableInfo> };
    const schemas = new Set<string>(options.schemas ?? []);
    for (const row of tables.rows) {
      const table: TableInfo = {
        schema: row.schema,
        name: row.name,
        key: policyTableName(row.schema, row.name),
        columns: Object.create(null) as Record<string, ColumnInfo>,
        primaryKey: [],
        uniques: [],
        foreignKeys: [],
        rowLevelSecurity: row.rls,
        forceRowLevelSecurity: row.force_rls,
      };
      byOid.set(row.oid, table);
      result.tables[table.key] = table;
      schemas.add(row.schema);
    }
    result.schemas = [...schemas].sort();
    if (byOid.size === 0) return result;

    const columns = await db.query<ColumnRow>(COLUMNS_SQL, [filter]);
    for (const row of columns.rows) {
      const table = byOid.get(row.rel);
      if (table) table.columns[row.name] = toColumn(row);
    }

    const constraints = await db.query<ConstraintRow>(CONSTRAINTS_SQL, [filter]);
    for (const row of constraints.rows) {
      const table = byOid.get(row.rel);
      if (!table) continue;
      const cols = json<string[]>(row.columns, []);
      if (row.type === 'f') {
        table.foreignKeys.push({
          name: row.name,
          columns: cols,
          references: {
            table: policyTableName(row.ref_schema!, row.ref_name!),
            schema: row.ref_schema!,
            name: row.ref_name!,
            columns: json<string[]>(row.ref_columns, []),
          },
          onDelete: ACTIONS[row.on_delete] ?? 'no-action',
          onDeleteColumns: row.on_delete_columns ? json<string[]>(row.on_delete_columns, []) : null,
          onUpdate: ACTIONS[row.on_update] ?? 'no-action',
          deferrable: row.deferrable,
          initiallyDeferred: row.deferred,
        } satisfies ForeignKey);
      } else {
        if (row.type === 'p') table.primaryKey = cols;
        table.uniques.push({
          name: row.name,
          kind: row.type === 'p' ? 'primary-key' : 'constraint',
          columns: cols,
          expressions: [],
          partial: false,
          nullsNotDistinct: row.nulls_not_distinct,
        } satisfies UniqueKey);
      }
    }

    const indexes = await db.query<IndexRow>(UNIQUE_INDEXES_SQL, [filter]);
    for (const row of indexes.rows) {
      const table = byOid.get(row.rel);
      if (!table) continue;
      const parts = json<{ column: string | null; expression: string | null }[]>(row.parts, []);
      table.uniques.push({
        name: row.name,
        kind: 'index',
        columns: parts.flatMap((p) => (p.column ? [p.column] : [])),
        expressions: parts.flatMap((p) => (p.expression ? [p.expression] : [])),
        partial: row.partial,
        nullsNotDistinct: row.nulls_not_distinct,
      });
    }
    return result;
  } catch (error) {
    throw new CustodianError('ERR_INTROSPECTION_FAILED', 'could not read the database schema', {
      cause: error,
      hint: 'check that the database is reachable and the role may read pg_catalog',
    });
  }
}

interface ColumnRow {
  rel: string;
  name: string;
  type: string;
  udt: string;
  typtype: string;
  category: string;
  element_udt: string | null;
  element_typtype: string | null;
  element_category: string | null;
  max_length: number | null;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
  enum_values: unknown;
}

interface ConstraintRow {
  rel: string;
  name: string;
  type: string;
  columns: unknown;
  ref_schema: string | null;
  ref_name: string | null;
  ref_columns: unknown;
  on_delete: string;
  on_delete_columns: unknown;
  on_update: string;
  deferrable: boolean;
  deferred: boolean;
  nulls_not_distinct: boolean;
}

interface IndexRow {
  rel: string;
  name: string;
  parts: unknown;
  partial: boolean;
  nulls_not_distinct: boolean;
}

function toColumn(row: ColumnRow): ColumnInfo {
  const column: ColumnInfo = {
    name: row.name,
    type: row.type,
    udt: row.udt,
    kind: classifyType(row.udt, row.typtype, row.category),
    maxLength: row.max_length === null ? null : Number(row.max_length),
    notNull: row.not_null,
    default: row.default_expr,
    identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by-default' : null,
    generated: row.generated !== '' && row.generated !== null,
  };
  if (column.kind === 'array' && row.element_udt) {
    column.elementKind = classifyType(row.element_udt, row.element_typtype ?? '', row.element_category ?? '');
  }
  if (column.kind === 'enum') column.enumValues = json<string[]>(row.enum_values, []);
  return column;
}
