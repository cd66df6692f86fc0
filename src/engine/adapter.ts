/**
 * The one door to a database. Every engine (DuckDB embedded, BigQuery) implements
 * WarehouseAdapter; nothing else in Stratum talks to a driver. Driver errors are re-raised as
 * QueryError (see ../errors.ts) carrying the node, file and SQL from the QueryContext passed in.
 */
import type { QueryContext } from '../errors.js';

/** SQL dialect names, as dbt's `target.type`. */
export type Dialect = 'duckdb' | 'bigquery';

/** A schema-qualified relation name (database is the engine's current one unless given). */
export interface RelationRef {
  readonly database?: string;
  readonly schema: string;
  readonly name: string;
}

/** What kind of object a relation is. */
export type RelationKind = 'table' | 'view' | 'external';

/** A relation that exists in the warehouse. */
export interface RelationInfo extends RelationRef {
  readonly kind: RelationKind;
}

/** One column of a relation or a result. `type` is the engine's type name (e.g. `BIGINT`). */
export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly nullable?: boolean;
}

/** A JS value converted from SQL: numbers and bigints for integers, strings for decimals and dates. */
export type CellValue = string | number | bigint | boolean | null | CellValue[] | { [k: string]: CellValue };

/** A typed, bounded query result. */
export interface QueryResult {
  readonly columns: readonly ColumnInfo[];
  readonly rows: readonly (readonly CellValue[])[];
}

/** Options of `query`: paging and the context used to label errors. */
export interface QueryOptions {
  /** At most this many rows are read (the rest are never converted). */
  readonly limit?: number;
  readonly offset?: number;
  /** Named parameters bound to `$name` placeholders; never interpolated into SQL. */
  readonly params?: Readonly<Record<string, string | number | bigint | boolean | null>>;
  readonly context?: QueryContext;
  /** Aborting interrupts the running statement and rejects with CancelledError. */
  readonly signal?: AbortSignal;
  /** SQL run first on the query's connection (a model's `sql_header`). */
  readonly sqlHeader?: string;
}

/** Options of `execute`. */
export interface ExecuteOptions {
  readonly params?: QueryOptions['params'];
  readonly context?: QueryContext;
  readonly signal?: AbortSignal;
}

/** How a raw source is exposed to SQL: a view over files (DuckDB) or a loaded table (BigQuery). */
export interface RawSourceSpec {
  readonly relation: RelationRef;
  /** A hive-partitioned glob such as `raw/shop/orders/dt=*\/*.parquet`, or a `read_...(...)` call. */
  readonly location: string;
  readonly format: 'parquet' | 'csv' | 'jsonl';
}

/** Partitioning of a physical table (dbt-bigquery's `partition_by` keys). */
export interface PartitionSpec {
  readonly field: string;
  readonly dataType: 'date' | 'timestamp' | 'datetime' | 'int64';
  readonly granularity?: 'day' | 'month' | 'year' | 'hour';
}

/** Physical layout options for a table materialization. */
export interface TableLayout {
  readonly partitionBy?: PartitionSpec;
  readonly clusterBy?: readonly string[];
}

/** Options of `writePartitions`: the table's layout and how touched partitions are written. */
export interface WritePartitionsOptions extends ExecuteOptions {
  readonly layout: TableLayout;
  /** `overwrite` replaces each touched partition whole (insert_overwrite); `append` adds rows to it. */
  readonly mode: 'overwrite' | 'append';
  /** SQL run right before the write, on its connection (dbt's `sql_header`). */
  readonly sqlHeader?: string;
  /** Comments set once the partitions are in place (dbt's `persist_docs`). */
  readonly docs?: RelationDocs;
}

/** A column of an enforced contract: the relation is created with these names and types, then filled. */
export interface ContractColumn {
  readonly name: string;
  /** The SQL type as written in yml (`data_type`). */
  readonly dataType: string;
  /** Column constraints, rendered (`not null`, `primary key`, `check (x > 0)`). */
  readonly constraints: readonly string[];
}

/** Column documentation to persist as comments (dbt's `persist_docs`): a comment per column name. */
export interface RelationDocs {
  /** The relation's comment (omitted: none is set). */
  readonly relation?: string;
  /** Column name -> comment; a name the new relation does not have is skipped, as dbt does. */
  readonly columns?: Readonly<Record<string, string>>;
}

/**
 * Options of `replaceRelation`. `before`, `after` and `docs` run in the build's transaction (dbt
 * runs a model's in-transaction hooks, its SQL and persist_docs between one BEGIN and COMMIT): when
 * any of them fails, everything is rolled back and the previous relation stays.
 */
export interface ReplaceOptions extends ExecuteOptions {
  readonly layout?: TableLayout;
  /** Statements run first (pre-hooks). */
  readonly before?: readonly string[];
  /** Statements run once the new relation is in place (post-hooks). */
  readonly after?: readonly string[];
  /** Comments set once the new relation is in place (before `after` for a view, after it for a table, as dbt orders them). */
  readonly docs?: RelationDocs;
  /** SQL run right before the build statement, on its connection (dbt's `sql_header`). */
  readonly sqlHeader?: string;
  /**
   * An enforced contract (dbt's `contract: {enforced: true}`): the query's columns must match these
   * names and types exactly, else the build fails (QueryError listing the mismatches, as dbt's
   * contract error does); a table is created with them (and their constraints), then filled.
   */
  readonly contract?: readonly ContractColumn[];
}

/** What an engine can do; callers branch on these flags, never on the dialect name. */
export interface AdapterCapabilities {
  /** Statements may run concurrently on separate connections. */
  readonly concurrentStatements: boolean;
  /** `explain` returns a plan for pruning analysis. */
  readonly explain: boolean;
  /** Partitioned tables are real (hive Parquet on DuckDB, native on BigQuery). */
  readonly partitionedTables: boolean;
  /** Cost is known before running (BigQuery dry run). */
  readonly dryRun: boolean;
}

/** The engine boundary. Every method rejects with QueryError on a driver error. */
export interface WarehouseAdapter {
  readonly dialect: Dialect;
  readonly capabilities: AdapterCapabilities;
  /** Opens the connection(s). Idempotent. */
  connect(): Promise<void>;
  /** Closes everything. The adapter cannot be used afterwards. */
  close(): Promise<void>;
  /** Runs one or more statements, discarding results. Resolves to rows changed when known. */
  execute(sql: string, opts?: ExecuteOptions): Promise<number | undefined>;
  /**
   * Runs statements in order on one connection (so temp objects and a transaction span them),
   * resolving to each one's rows changed. With `transaction`, they run between BEGIN and COMMIT
   * and a failure rolls every one of them back.
   */
  executeMany(statements: readonly string[], opts?: ExecuteOptions & { transaction?: boolean }): Promise<(number | undefined)[]>;
  /** Runs a query and returns typed columns and at most `limit` rows from `offset`. */
  query(sql: string, opts?: QueryOptions): Promise<QueryResult>;
  /** Returns the engine's plan of a query as text; with `analyze`, runs it and returns the profiled plan. */
  explain(sql: string, opts?: ExecuteOptions & { analyze?: boolean }): Promise<string>;
  /** Lists relations, optionally of one schema. */
  relations(schema?: string): Promise<RelationInfo[]>;
  /** The relation's kind and full name, or undefined when it does not exist. */
  relationInfo(relation: RelationRef): Promise<RelationInfo | undefined>;
  /** Columns of a relation, in order. Rejects with QueryError when it does not exist. */
  columns(relation: RelationRef, opts?: ExecuteOptions): Promise<ColumnInfo[]>;
  /** Creates the relation's schema (dataset) if it does not exist. */
  ensureSchema(relation: RelationRef, opts?: ExecuteOptions): Promise<void>;
  /**
   * Builds `selectSql` aside and swaps it in as `relation` atomically: on failure the previous
   * relation is untouched. With a layout, the table is partitioned/clustered per the engine.
   * Resolves to the rows written when known (tables), undefined for views.
   */
  replaceRelation(relation: RelationRef, kind: 'table' | 'view', selectSql: string, opts?: ReplaceOptions): Promise<number | undefined>;
  /**
   * Writes `selectSql` into the partitions of a partitioned table that its rows fall in, leaving
   * every other partition untouched; atomic like replaceRelation. Resolves to rows written and the
   * partition values touched (as path/partition ids). Rejects with QueryError when the new rows'
   * columns differ from the table's.
   */
  writePartitions(relation: RelationRef, selectSql: string, opts: WritePartitionsOptions): Promise<{ rows: number; partitions: string[] }>;
  /** Drops a relation if it exists (table, view or partitioned external). */
  dropRelation(relation: RelationRef, opts?: ExecuteOptions): Promise<void>;
  /** Makes a raw source queryable as `spec.relation`. */
  attachRaw(spec: RawSourceSpec, opts?: ExecuteOptions): Promise<void>;
  /** Quotes an identifier for this dialect. The only place identifiers are quoted. */
  quoteIdent(name: string): string;
  /** Renders a relation as a fully quoted name for this dialect. */
  relationName(relation: RelationRef): string;
  /** Interrupts whatever is running. Running calls reject with CancelledError. */
  cancel(): Promise<void>;
}
