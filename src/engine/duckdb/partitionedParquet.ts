/**
 * Partitioned tables on DuckDB: a model with `partition_by` is written as hive-partitioned
 * Parquet (`<root>/<schema>/<table>/v-<id>/<field>=<value>/data_0.parquet`), in `cluster_by`
 * order, with a view over the current version directory. Every write goes into a fresh version
 * directory and becomes visible by repointing the view in one statement, so a failure at any
 * step leaves the previous directory and view untouched. Overwriting only some partitions links
 * the untouched partitions' files into the new version (no data is rewritten) and moves the
 * freshly written partitions in.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, rename, rm, copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ColumnInfo, PartitionSpec, RelationRef, TableLayout } from '../adapter.js';
import { quoteIdent, quoteString, relationSql } from './quote.js';

/** The SQL operations the writer needs, bound to one connection by the adapter. */
export interface SqlSession {
  /** Runs a statement and resolves to rows changed (COPY: rows written). */
  run(sql: string): Promise<number | undefined>;
  /** Columns of a query's result, via DESCRIBE. */
  describe(sql: string): Promise<ColumnInfo[]>;
  /** Throws CancelledError when the caller's signal has fired. */
  checkAborted(): void;
}

/** The hidden path column used when the partition key is derived (month/year/hour granularity). */
export const DERIVED_PARTITION_COLUMN = '__stratum_partition';

/** How a partition spec maps to a hive path column: the field itself, or a derived expression. */
export interface PartitionKey {
  readonly column: string;
  /** SQL computing the key from a row, or undefined when the key is the field itself. */
  readonly expression?: string;
  /** Type given to `hive_types` when reading. */
  readonly type: string;
}

/** Resolves the hive path column of a partition spec, given the field's SQL type. */
export function partitionKey(spec: PartitionSpec, fieldType: string): PartitionKey {
  const g = spec.granularity ?? 'day';
  const f = quoteIdent(spec.field);
  if (spec.dataType === 'int64' || (spec.dataType === 'date' && g === 'day')) return { column: spec.field, type: fieldType };
  if (g === 'hour') return { column: DERIVED_PARTITION_COLUMN, expression: `strftime(${f}, '%Y%m%d%H')`, type: 'VARCHAR' };
  return { column: DERIVED_PARTITION_COLUMN, expression: `cast(date_trunc('${g}', ${f}) as date)`, type: 'DATE' };
}

/** The directory holding every version of a partitioned relation. */
export function tableRoot(root: string, relation: RelationRef): string {
  return join(root, relation.schema, relation.name);
}

function newId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Extracts the version directory a partitioned view reads from its SQL text, if it is one. */
export function versionDirOfView(viewSql: string): string | undefined {
  const m = /'([^']*\/v-[a-z0-9]+-[0-9a-f]+)(?:\/\*\*\/\*\.parquet)?'/.exec(viewSql);
  return m?.[1];
}

/** Builds the view over a version directory, restoring column order and the key's type. */
function viewSql(relation: RelationRef, dir: string, columns: readonly ColumnInfo[], key: PartitionKey, empty: boolean): string {
  const cols = columns.map((c) => quoteIdent(c.name));
  if (empty) {
    const typed = columns.map((c) => `cast(null as ${c.type}) as ${quoteIdent(c.name)}`);
    return `create or replace view ${relationSql(relation)} as select ${typed.join(', ')} from (select ${quoteString(dir)} as location) where false`;
  }
  const glob = quoteString(`${dir}/**/*.parquet`);
  const hiveTypes = `{${quoteString(key.column)}: ${key.type}}`;
  return `create or replace view ${relationSql(relation)} as select ${cols.join(', ')} from read_parquet(${glob}, hive_partitioning = true, hive_types = ${hiveTypes}, union_by_name = true)`;
}

async function writeCopy(session: SqlSession, selectSql: string, dir: string, key: PartitionKey, layout: TableLayout): Promise<number> {
  const extra = key.expression ? `, ${key.expression} as ${quoteIdent(key.column)}` : '';
  const order = layout.clusterBy?.length ? ` order by ${layout.clusterBy.map(quoteIdent).join(', ')}` : '';
  const copy = `copy (select *${extra} from (${selectSql}\n) as __stratum_src${order}) to ${quoteString(dir)} (format parquet, partition_by (${quoteIdent(key.column)}), filename_pattern 'data_{uuid}')`;
  return (await session.run(copy)) ?? 0;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Hard-links (or copies, across devices) every file of `from` into `to`. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) await linkTree(src, dst);
    else await link(src, dst).catch(() => copyFile(src, dst));
  }
}

/** Removes every version/staging directory of a table except `keep`. */
async function removeOthers(tableDir: string, keep: string | undefined): Promise<void> {
  for (const d of await listDirs(tableDir)) {
    const p = join(tableDir, d);
    if (p !== keep) await rm(p, { recursive: true, force: true });
  }
}

/** Options of a partitioned write. */
export interface PartitionedWrite {
  readonly root: string;
  readonly relation: RelationRef;
  readonly selectSql: string;
  readonly layout: TableLayout & { readonly partitionBy: PartitionSpec };
  /** SQL run after the view is repointed, inside the same statement batch (e.g. dropping an old table). */
  readonly beforeView?: string;
}

/**
 * Writes `selectSql` as a new version of the partitioned relation and points the view at it.
 * Resolves to rows written. On failure the new directory is removed and the old one kept.
 */
export async function replacePartitioned(session: SqlSession, w: PartitionedWrite): Promise<number> {
  const columns = await session.describe(w.selectSql);
  const key = keyFor(columns, w.layout.partitionBy, w.relation);
  const tableDir = tableRoot(w.root, w.relation);
  const dir = join(tableDir, `v-${newId()}`);
  await mkdir(tableDir, { recursive: true });
  try {
    const rows = await writeCopy(session, w.selectSql, dir, key, w.layout);
    session.checkAborted();
    if (rows === 0) await mkdir(dir, { recursive: true });
    await session.run(`begin transaction; ${w.beforeView ?? ''} ${viewSql(w.relation, dir, columns, key, rows === 0)}; commit`);
    await removeOthers(tableDir, dir);
    return rows;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

function keyFor(columns: readonly ColumnInfo[], spec: PartitionSpec, relation: RelationRef): PartitionKey {
  const field = columns.find((c) => c.name.toLowerCase() === spec.field.toLowerCase());
  if (!field) throw new Error(`partition_by field '${spec.field}' is not a column of ${relation.schema}.${relation.name}`);
  return partitionKey({ ...spec, field: field.name }, field.type);
}

/**
 * Writes `selectSql` into the partitions it touches. `overwrite` replaces each touched partition
 * whole (insert_overwrite); `append` adds files beside the existing ones. Untouched partitions are
 * linked, not rewritten. `current` is the version directory the view reads now (undefined when the
 * table is empty or new). Resolves to rows written and the partitions touched.
 */
export async function writePartitions(
  session: SqlSession,
  w: PartitionedWrite & { readonly current: string | undefined; readonly mode: 'overwrite' | 'append'; readonly columns: readonly ColumnInfo[] },
): Promise<{ rows: number; partitions: string[] }> {
  const newColumns = await session.describe(w.selectSql);
  const sig = (cs: readonly ColumnInfo[]) => cs.map((c) => `${c.name.toLowerCase()}:${c.type}`).join(',');
  if (sig(newColumns) !== sig(w.columns)) {
    throw new Error(`columns of the new rows (${newColumns.map((c) => c.name).join(', ')}) differ from ${w.relation.schema}.${w.relation.name} (${w.columns.map((c) => c.name).join(', ')})`);
  }
  const key = keyFor(w.columns, w.layout.partitionBy, w.relation);
  const tableDir = tableRoot(w.root, w.relation);
  const id = newId();
  const stage = join(tableDir, `s-${id}`);
  const dir = join(tableDir, `v-${id}`);
  try {
    const rows = await writeCopy(session, w.selectSql, stage, key, w.layout);
    session.checkAborted();
    const touched = await listDirs(stage);
    await mkdir(dir, { recursive: true });
    if (w.current && (await exists(w.current))) {
      for (const p of await listDirs(w.current)) {
        if (w.mode === 'append' || !touched.includes(p)) await linkTree(join(w.current, p), join(dir, p));
      }
    }
    for (const p of touched) {
      if (await exists(join(dir, p))) await linkTree(join(stage, p), join(dir, p));
      else await rename(join(stage, p), join(dir, p));
    }
    const empty = (await listDirs(dir)).length === 0;
    session.checkAborted();
    await session.run(viewSql(w.relation, dir, w.columns, key, empty));
    await removeOthers(tableDir, dir);
    return { rows, partitions: touched };
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Deletes the whole directory of a partitioned relation. */
export async function removePartitioned(root: string, relation: RelationRef): Promise<void> {
  await rm(tableRoot(root, relation), { recursive: true, force: true });
}
