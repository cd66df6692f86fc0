/**
 * The DuckDB implementation of WarehouseAdapter on `@duckdb/node-api`: one database file (by
 * default `warehouse/stratum.duckdb`), a pool of connections sized to the profile's `threads`,
 * bound parameters, bounded reads, atomic replace (build aside, swap in a transaction), and
 * partitioned tables as hive-partitioned Parquet under `<dir of the database>/parquet/`.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CancelledError } from '../../errors.js';
import type {
  AdapterCapabilities,
  ColumnInfo,
  ExecuteOptions,
  QueryOptions,
  QueryResult,
  RawSourceSpec,
  ContractColumn,
  RelationDocs,
  RelationInfo,
  RelationRef,
  ReplaceOptions,
  WarehouseAdapter,
  WritePartitionsOptions,
} from '../adapter.js';
import { commentStatements } from './comments.js';
import { ConnectionPool } from './connectionPool.js';
import { contractMismatch, contractTableSql, contractTypesSql } from './contract.js';
import { toStratumError } from './driverError.js';
import { removePartitioned, replacePartitioned, tableRoot, versionDirOfView, writePartitions, type SqlSession } from './partitionedParquet.js';
import { quoteIdent, quoteString, relationSql } from './quote.js';
import { readerToResult } from './resultValues.js';

/** Where the DuckDB warehouse lives and how many statements may run at once. */
export interface DuckDBAdapterOptions {
  /** The database file, or `:memory:`. Default `warehouse/stratum.duckdb`. Parent dirs are created. */
  readonly path?: string;
  /** Connections in the pool (dbt's `threads`). Default 4. */
  readonly threads?: number;
  /** Root of partitioned tables' Parquet. Default `<dir of path>/parquet`. */
  readonly parquetDir?: string;
  /** DuckDB settings passed at open, e.g. `{ memory_limit: '2GB' }`. */
  readonly settings?: Readonly<Record<string, string>>;
}

/** The default database file, relative to the working directory. */
export const DEFAULT_DUCKDB_PATH = 'warehouse/stratum.duckdb';

const STATEMENT_START = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(select|with|from|values|table|\()/i;

/** A statement that reads only (a query, DESCRIBE, EXPLAIN): it leaves the catalog as it was. */
function readsOnly(sql: string): boolean {
  const first = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(\w+|\()/.exec(sql)?.[1]?.toLowerCase();
  if (first === 'describe' || first === 'explain' || first === 'summarize' || first === 'show') return true;
  // a query (a WITH may lead into an INSERT or a CREATE), one statement
  return STATEMENT_START.test(sql) && !/\b(insert|update|delete|merge|create|drop|alter|copy|attach|detach|set|pragma)\b/i.test(sql.replace(/'(?:[^']|'')*'/g, "''"));
}

/** A relation in the adapter's relation cache. `versionDir`: a partitioned relation's Parquet directory ('' none), once read. */
interface CatalogEntry {
  readonly database: string;
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view';
  versionDir?: string;
}

/** The relation cache's key of a relation: its schema and name. */
function catalogKey(r: { readonly schema: string; readonly name: string }): string {
  return `${r.schema}\u0000${r.name}`;
}

/** The entry of `relation` among those of its schema and name: in its database when it names one, else the first. */
function pick(entries: readonly CatalogEntry[] | undefined, relation: RelationRef): CatalogEntry | undefined {
  return entries?.find((e) => relation.database === undefined || e.database === relation.database);
}

/** DuckDB adapter. See WarehouseAdapter for each method's contract. */
export class DuckDBAdapter implements WarehouseAdapter {
  readonly dialect = 'duckdb' as const;
  readonly capabilities: AdapterCapabilities = { concurrentStatements: true, explain: true, partitionedTables: true, dryRun: false };
  /** Absolute database path (or `:memory:`). */
  readonly path: string;
  /** Absolute root of partitioned tables' Parquet directories. */
  readonly parquetDir: string;
  private readonly threads: number;
  private instance?: DuckDBInstance;
  private pool?: ConnectionPool;
  private readonly knownSchemas = new Set<string>();
  private schemaLock: Promise<void> = Promise.resolve();
  /**
   * The relations of the database, as dbt keeps its relation cache: read whole at the first lookup,
   * then kept by this adapter's own builds and drops; forgotten whenever other SQL runs (a hook, a
   * run_query, an incremental step), which may change the catalog. Keyed by schema and name; a
   * partitioned relation's Parquet version directory is read when first asked.
   */
  private catalog?: Map<string, CatalogEntry[]>;
  /** Counts the times the relation cache was forgotten, so a reading overtaken by a write is not kept. */
  private catalogGeneration = 0;

  /** Forgets the relation cache: other SQL ran, which may have changed the catalog. */
  private forgetCatalog(): void {
    this.catalog = undefined;
    this.catalogGeneration++;
  }

  constructor(private readonly options: DuckDBAdapterOptions = {}) {
    const p = options.path ?? DEFAULT_DUCKDB_PATH;
    this.path = p === ':memory:' ? p : resolve(p);
    this.parquetDir = resolve(options.parquetDir ?? join(p === ':memory:' ? 'warehouse' : dirname(this.path), 'parquet'));
    this.threads = Math.max(1, options.threads ?? 4);
  }

  async connect(): Promise<void> {
    if (this.instance) return;
    if (this.path !== ':memory:') await mkdir(dirname(this.path), { recursive: true });
    try {
      this.instance = await DuckDBInstance.create(this.path, { ...this.options.settings });
    } catch (e) {
      throw toStratumError(e, '', { file: this.path });
    }
    this.pool = new ConnectionPool(this.instance, this.threads);
  }

  async close(): Promise<void> {
    this.pool?.close();
    this.instance?.closeSync();
    this.pool = undefined;
    this.instance = undefined;
  }

  private requirePool(): ConnectionPool {
    if (!this.pool) throw new Error('DuckDBAdapter used before connect()');
    return this.pool;
  }

  /** Runs `fn` on one pooled connection with the signal wired to `interrupt()`. */
  private async onConnection<T>(signal: AbortSignal | undefined, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new CancelledError();
    return this.requirePool().with(async (conn) => {
      const onAbort = () => conn.interrupt();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await fn(conn);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  /** Runs one (possibly multi-statement) SQL text; rolls back an open transaction on failure. */
  private async runOn(conn: DuckDBConnection, sql: string, opts: ExecuteOptions | undefined): Promise<number | undefined> {
    try {
      if (opts?.signal?.aborted) throw new CancelledError();
      const result = opts?.params ? await conn.run(sql, { ...opts.params }) : await conn.run(sql);
      return result.rowsChanged;
    } catch (e) {
      await conn.run('rollback').catch(() => undefined);
      throw toStratumError(e, sql, opts?.context, opts?.signal);
    }
  }

  async execute(sql: string, opts?: ExecuteOptions): Promise<number | undefined> {
    this.forgetCatalog();
    return this.onConnection(opts?.signal, (conn) => this.runOn(conn, sql, opts));
  }

  async executeMany(statements: readonly string[], opts?: ExecuteOptions & { transaction?: boolean }): Promise<(number | undefined)[]> {
    this.forgetCatalog();
    return this.onConnection(opts?.signal, async (conn) => {
      const out: (number | undefined)[] = [];
      if (opts?.transaction) await this.runOn(conn, 'begin transaction', opts);
      for (const s of statements) out.push(await this.runOn(conn, s, opts));
      if (opts?.transaction) await this.runOn(conn, 'commit', opts);
      return out;
    });
  }

  async query(sql: string, opts?: QueryOptions): Promise<QueryResult> {
    const limit = opts?.limit;
    const offset = opts?.offset ?? 0;
    // a query that may change the catalog (run_query('create table ...'), a header) forgets it
    if (opts?.sqlHeader || !readsOnly(sql)) this.forgetCatalog();
    return this.onConnection(opts?.signal, async (conn) => {
      const body = sql.trim().replace(/;+\s*$/, '');
      try {
        if (opts?.signal?.aborted) throw new CancelledError();
        if (opts?.sqlHeader) await conn.run(opts.sqlHeader);
        const params = opts?.params ? { ...opts.params } : undefined;
        if (limit !== undefined && STATEMENT_START.test(body)) {
          const wrapped = `select * from (${body}\n) as __stratum_page limit ${Math.max(0, Math.floor(limit))} offset ${Math.max(0, Math.floor(offset))}`;
          return readerToResult(await conn.runAndReadAll(wrapped, params));
        }
        if (limit !== undefined) {
          const reader = await conn.streamAndReadUntil(body, offset + limit, params);
          return readerToResult(reader, offset, limit);
        }
        return readerToResult(await conn.runAndReadAll(body, params), offset);
      } catch (e) {
        throw toStratumError(e, sql, opts?.context, opts?.signal);
      }
    });
  }

  async explain(sql: string, opts?: ExecuteOptions & { analyze?: boolean }): Promise<string> {
    const res = await this.query(`explain ${opts?.analyze ? 'analyze ' : ''}${sql}`, opts);
    return res.rows.map((r) => String(r[r.length - 1] ?? '')).join('\n');
  }

  async relations(schema?: string): Promise<RelationInfo[]> {
    const res = await this.query(
      `select database_name, schema_name, table_name, 'table' as kind, null as sql from duckdb_tables() where not internal and not temporary
       union all
       select database_name, schema_name, view_name, 'view', sql from duckdb_views() where not internal and not temporary
       order by 2, 3`,
    );
    return res.rows
      .filter((r) => schema === undefined || r[1] === schema)
      .map((r) => ({
        database: String(r[0]),
        schema: String(r[1]),
        name: String(r[2]),
        kind: r[3] === 'view' && typeof r[4] === 'string' && versionDirOfView(r[4]) ? 'external' : (r[3] as 'table' | 'view'),
      }));
  }

  /** The relation's info, or undefined when it does not exist (from the relation cache; see `catalog`). */
  async relationInfo(relation: RelationRef): Promise<RelationInfo | undefined> {
    const entry = await this.catalogEntry(relation);
    if (!entry) return undefined;
    const info = { database: entry.database, schema: entry.schema, name: entry.name };
    if (entry.kind === 'table') return { ...info, kind: 'table' };
    return { ...info, kind: (await this.partitionDirectory(relation)) ? 'external' : 'view' };
  }

  /** The relation's catalog entry (the first of its name in any database unless one is named), reading the catalog when it is not known. */
  private async catalogEntry(relation: RelationRef): Promise<CatalogEntry | undefined> {
    if (!this.catalog) {
      const generation = this.catalogGeneration;
      const catalog = new Map<string, CatalogEntry[]>();
      const res = await this.query(
        `select database_name, schema_name, table_name, 'table' from duckdb_tables() where not internal
         union all
         select database_name, schema_name, view_name, 'view' from duckdb_views() where not internal`,
      );
      for (const r of res.rows) {
        const e: CatalogEntry = { database: String(r[0]), schema: String(r[1]), name: String(r[2]), kind: r[3] === 'table' ? 'table' : 'view' };
        const key = catalogKey(e);
        catalog.set(key, [...(catalog.get(key) ?? []), e]);
      }
      // a query run meanwhile forgot it: this reading may be stale, so it is used once and not kept
      if (this.catalogGeneration === generation) this.catalog = catalog;
      return pick(catalog.get(catalogKey(relation)), relation);
    }
    return pick(this.catalog.get(catalogKey(relation)), relation);
  }

  /** Records in the relation cache what this adapter's own build made of a relation (a partitioned one's version directory is read again when asked). */
  private cached(relation: RelationRef, kind: 'table' | 'view'): void {
    // no cache held: a reading in flight (another thread's) may have missed this build, so it is not kept
    if (!this.catalog) return this.forgetCatalog();
    const key = catalogKey(relation);
    const others = (this.catalog.get(key) ?? []).filter((e) => relation.database !== undefined && e.database !== relation.database);
    const database = relation.database ?? this.catalog.get(key)?.[0]?.database ?? this.defaultDatabase();
    this.catalog.set(key, [...others, { database, schema: relation.schema, name: relation.name, kind }]);
  }

  /** The name of the database unqualified names are created in: the file's name without its extension, or `memory`. */
  private defaultDatabase(): string {
    return this.path === ':memory:' ? 'memory' : basename(this.path).replace(/\.[^.]*$/, '');
  }

  /** The Parquet version directory a partitioned relation reads now, or undefined. */
  async partitionDirectory(relation: RelationRef): Promise<string | undefined> {
    // a relation with no folder under parquetDir (where every partitioned relation is written)
    // reads no Parquet of Stratum's: its view's SQL need not be read (duckdb_views() renders the
    // SQL of every view for it, some milliseconds a call)
    if (!existsSync(tableRoot(this.parquetDir, relation))) return undefined;
    const entry = await this.catalogEntry(relation);
    if (!entry || entry.kind !== 'view') return undefined;
    if (entry.versionDir !== undefined) return entry.versionDir || undefined;
    const res = await this.query(`select sql from duckdb_views() where schema_name = $s and view_name = $n and ($d is null or database_name = $d)`, {
      params: { s: relation.schema, n: relation.name, d: relation.database ?? null },
    });
    const sql = res.rows[0]?.[0];
    const dir = typeof sql === 'string' ? versionDirOfView(sql) : undefined;
    entry.versionDir = dir ?? '';
    return dir;
  }

  async columns(relation: RelationRef, opts?: ExecuteOptions): Promise<ColumnInfo[]> {
    // DESCRIBE binds the one relation (~1 ms); information_schema.columns binds every view of the
    // database (5-9 ms), and is asked only when DESCRIBE fails (no such relation, a broken view)
    try {
      const described = await this.query(`describe ${this.relationName(relation)}`);
      return described.rows.map((r) => ({ name: String(r[0]), type: String(r[1]), nullable: r[2] === 'YES' }));
    } catch {
      // below
    }
    const res = await this.query(
      `select column_name, data_type, is_nullable from information_schema.columns
       where table_schema = $s and table_name = $n and ($d is null or table_catalog = $d) order by ordinal_position`,
      { params: { s: relation.schema, n: relation.name, d: relation.database ?? null }, context: opts?.context },
    );
    if (res.rows.length === 0) {
      throw toStratumError(new Error(`relation ${this.relationName(relation)} does not exist`), '', opts?.context);
    }
    return res.rows.map((r) => ({ name: String(r[0]), type: String(r[1]), nullable: r[2] === 'YES' }));
  }

  /** Creates the relation's schema once per adapter (serialised: concurrent CREATE SCHEMA conflicts). */
  async ensureSchema(relation: RelationRef, opts?: ExecuteOptions): Promise<void> {
    const key = `${relation.database ?? ''}.${relation.schema}`;
    if (this.knownSchemas.has(key)) return;
    const run = this.schemaLock.then(async () => {
      if (this.knownSchemas.has(key)) return;
      const name = relation.database ? `${quoteIdent(relation.database)}.${quoteIdent(relation.schema)}` : quoteIdent(relation.schema);
      await this.execute(`create schema if not exists ${name}`, opts);
      this.knownSchemas.add(key);
    });
    this.schemaLock = run.catch(() => undefined);
    await run;
  }

  private dropSql(relation: RelationRef, info: RelationInfo | undefined): string {
    if (!info) return '';
    return `drop ${info.kind === 'table' ? 'table' : 'view'} if exists ${relationSql(relation)};`;
  }

  async replaceRelation(relation: RelationRef, kind: 'table' | 'view', selectSql: string, opts?: ReplaceOptions): Promise<number | undefined> {
    try {
      return await this.replace(relation, kind, selectSql, opts);
    } catch (e) {
      // a build that failed half-way (a partitioned one is not one transaction) may have changed the catalog
      this.forgetCatalog();
      throw e;
    }
  }

  private async replace(relation: RelationRef, kind: 'table' | 'view', selectSql: string, opts?: ReplaceOptions): Promise<number | undefined> {
    await this.ensureSchema(relation, opts);
    const before = await this.relationInfo(relation);
    const partitionBy = opts?.layout?.partitionBy;
    if (kind === 'table' && partitionBy) {
      // the Parquet is written outside any transaction: hooks run around it, comments after it
      for (const sql of opts.before ?? []) await this.execute(sql, { ...opts, context: { ...opts.context, sql } });
      const rows = await this.onConnection(opts?.signal, async (conn) => {
        if (opts.sqlHeader) await this.runOn(conn, opts.sqlHeader, opts);
        if (opts.contract) await this.checkContract(conn, selectSql, opts.contract, opts);
        const beforeView = before?.kind === 'table' ? this.dropSql(relation, before) : '';
        return replacePartitioned(this.session(conn, opts), { root: this.parquetDir, relation, selectSql, layout: { ...opts.layout, partitionBy }, beforeView });
      });
      await this.onConnection(opts.signal, async (conn) => {
        for (const sql of opts.after ?? []) await this.runOn(conn, sql, { ...opts, context: { ...opts.context, sql } });
        if (opts.docs) await this.runOn(conn, (await this.commentSql(conn, relation, 'view', opts.docs, opts)).join(';\n') || 'select 1', opts);
      });
      this.builtOwn(relation, 'view', opts);
      return rows;
    }
    const target = relationSql(relation);
    const hook = (sql: string): ExecuteOptions => ({ ...opts, context: { ...opts?.context, sql } });
    const rows = await this.onConnection(opts?.signal, async (conn) => {
      const run = (sql: string, o: ExecuteOptions | undefined = opts) => this.runOn(conn, sql, o);
      await run('begin transaction');
      try {
        for (const sql of opts?.before ?? []) await run(sql, hook(sql));
        if (opts?.sqlHeader) await run(opts.sqlHeader);
        if (opts?.contract) await this.checkContract(conn, selectSql, opts.contract, opts);
        const docs = async (objectKind: 'table' | 'view') => {
          if (opts?.docs) for (const sql of await this.commentSql(conn, relation, objectKind, opts.docs, opts)) await run(sql);
        };
        if (kind === 'view') {
          if (before?.kind === 'table') await run(this.dropSql(relation, before));
          await run(`create or replace view ${target} as ${selectSql}\n`);
          await docs('view');
          for (const sql of opts?.after ?? []) await run(sql, hook(sql));
          await run('commit');
          return undefined;
        }
        const tmp = relationSql({ ...relation, name: `${relation.name}__stratum_tmp` });
        const order = opts?.layout?.clusterBy?.length ? ` order by ${opts.layout.clusterBy.map(quoteIdent).join(', ')}` : '';
        const body = order ? `select * from (${selectSql}\n) as __stratum_src${order}` : `${selectSql}\n`;
        await run(`drop table if exists ${tmp}`);
        if (opts?.contract) for (const sql of contractTableSql(tmp, opts.contract, body)) await run(sql);
        else await run(`create table ${tmp} as ${body}`);
        if (before) await run(this.dropSql(relation, before));
        await run(`alter table ${tmp} rename to ${quoteIdent(relation.name)}`);
        for (const sql of opts?.after ?? []) await run(sql, hook(sql));
        await docs('table');
        await run('commit');
        // DuckDB reports no row count for CREATE TABLE AS (planning the query twice, as an empty
        // CTAS plus an INSERT, cost ~5 ms a model); count(*) of a fresh table is read from metadata
        return Number((await conn.runAndReadAll(`select count(*) from ${target}`)).getRows()[0]?.[0] ?? 0);
      } catch (e) {
        // a failure outside runOn (a contract mismatch, a describe) must not leave the transaction open
        await conn.run('rollback').catch(() => undefined);
        throw e;
      }
    });
    if (before?.kind === 'external') await removePartitioned(this.parquetDir, relation);
    this.builtOwn(relation, kind, opts);
    return rows;
  }

  /** After a build of this adapter's: the relation cache records it, or forgets all when hooks or a header (any SQL) ran with it. */
  private builtOwn(relation: RelationRef, kind: 'table' | 'view', opts: ReplaceOptions | undefined): void {
    const hooks = (opts?.before?.length ?? 0) + (opts?.after?.length ?? 0);
    if (hooks > 0 || opts?.sqlHeader) this.forgetCatalog();
    else this.cached(relation, kind);
  }

  /** Fails (QueryError) when the query's columns differ from the contract's. */
  private async checkContract(conn: DuckDBConnection, selectSql: string, contract: readonly ContractColumn[], opts: ExecuteOptions | undefined): Promise<void> {
    const session = this.session(conn, opts);
    const mismatch = contractMismatch(await session.describe(`select * from (${selectSql}\n) as __dbt_sbq`), await session.describe(contractTypesSql(contract)));
    if (mismatch) throw toStratumError(new Error(mismatch), selectSql, opts?.context);
  }

  /** The `comment on` statements persisting `docs` on a relation: its own, and those of the columns it has. */
  private async commentSql(conn: DuckDBConnection, relation: RelationRef, kind: 'table' | 'view', docs: RelationDocs, opts: ExecuteOptions | undefined): Promise<string[]> {
    const target = relationSql(relation);
    const columns = Object.keys(docs.columns ?? {}).length === 0 ? new Set<string>() : new Set((await this.session(conn, opts).describe(`select * from ${target}`)).map((c) => c.name));
    return commentStatements(target, kind, docs, columns);
  }

  async writePartitions(relation: RelationRef, selectSql: string, opts: WritePartitionsOptions): Promise<{ rows: number; partitions: string[] }> {
    const partitionBy = opts.layout.partitionBy;
    if (!partitionBy) throw new Error('writePartitions needs layout.partitionBy');
    const current = await this.partitionDirectory(relation);
    const columns = await this.columns(relation, opts);
    // the view will read a new version directory (and a write that fails half-way may change the catalog)
    this.forgetCatalog();
    const written = await this.onConnection(opts.signal, async (conn) => {
      if (opts.sqlHeader) await this.runOn(conn, opts.sqlHeader, opts);
      return writePartitions(this.session(conn, opts), { root: this.parquetDir, relation, selectSql, layout: { ...opts.layout, partitionBy }, current, mode: opts.mode, columns });
    });
    if (opts.docs) {
      const docs = opts.docs;
      await this.onConnection(opts.signal, async (conn) => this.runOn(conn, (await this.commentSql(conn, relation, 'view', docs, opts)).join(';\n') || 'select 1', opts));
    }
    return written;
  }

  /** A SqlSession on one connection, labelling errors with the caller's context. */
  private session(conn: DuckDBConnection, opts: ExecuteOptions | undefined): SqlSession {
    return {
      run: (sql) => this.runOn(conn, sql, opts),
      describe: async (sql) => {
        try {
          const reader = await conn.runAndReadAll(`describe ${sql}`);
          return reader.getRowsJS().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
        } catch (e) {
          throw toStratumError(e, sql, opts?.context, opts?.signal);
        }
      },
      checkAborted: () => {
        if (opts?.signal?.aborted) throw new CancelledError();
      },
    };
  }

  async dropRelation(relation: RelationRef, opts?: ExecuteOptions): Promise<void> {
    const info = await this.relationInfo(relation);
    if (!info) return;
    await this.execute(this.dropSql(relation, info), opts);
    if (info.kind === 'external') await removePartitioned(this.parquetDir, relation);
  }

  async attachRaw(spec: RawSourceSpec, opts?: ExecuteOptions): Promise<void> {
    await this.ensureSchema(spec.relation, opts);
    const loc = spec.location.trim();
    const reader = /^[a-z_]+\s*\(/i.test(loc)
      ? loc
      : spec.format === 'parquet'
        ? `read_parquet(${quoteString(loc)}, hive_partitioning = true, union_by_name = true)`
        : spec.format === 'csv'
          ? `read_csv(${quoteString(loc)}, hive_partitioning = true, union_by_name = true)`
          : `read_json_auto(${quoteString(loc)}, hive_partitioning = true, union_by_name = true)`;
    await this.execute(`create or replace view ${relationSql(spec.relation)} as select * from ${reader}`, opts);
  }

  quoteIdent(name: string): string {
    return quoteIdent(name);
  }

  relationName(relation: RelationRef): string {
    return relationSql(relation);
  }

  async cancel(): Promise<void> {
    this.pool?.interruptAll();
  }
}
