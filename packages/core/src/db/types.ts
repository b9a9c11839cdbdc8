/** A row as the driver returns it: column name to parsed value. */
export type Row = Record<string, unknown>;

export interface QueryResult<R = Row> {
  rows: R[];
  /** Rows changed by INSERT/UPDATE/DELETE, or returned by SELECT. */
  rowCount: number;
}

/** Anything that runs a statement: the database itself or an open transaction. */
export interface Queryable {
  /** One statement with `$1`-style parameters. Values never enter the SQL text. */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Several statements without parameters, e.g. a migration file. */
  exec(sql: string): Promise<void>;
}

export type Transaction = Queryable;

export interface TransactionOptions {
  /**
   * Sets `custodian.tenant_id` for this transaction only (`set_config(…, true)`),
   * which row-level security policies read. Never per session: pooled
   * connections would carry one tenant's context into another's request.
   */
  tenantId?: string;
  /**
   * Sets `custodian.member_role` for this transaction only, read by
   * `custodian.current_member_role()`: row-level security can then require a
   * role as well as a tenant (C18). Set with `tenantId`.
   */
  memberRole?: string;
  /** Runs the transaction as this role (`SET LOCAL ROLE`), e.g. the application role. */
  role?: string;
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  readOnly?: boolean;
}

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Where the data lives, without credentials: a directory, `memory`, or host/database. */
  readonly location: string;
  /**
   * Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws.
   * Transactions do not nest; use savepoints inside `fn` if you need them.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}
