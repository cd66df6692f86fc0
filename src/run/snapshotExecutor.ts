/**
 * Runs one snapshot as dbt-core 1.10's snapshot materialization does with dbt-duckdb: the first
 * run creates the table from the snapshot's select with dbt's columns (`dbt_scd_id`,
 * `dbt_updated_at`, `dbt_valid_from`, `dbt_valid_to`, and `dbt_is_deleted` for hard_deletes
 * `new_record`); later runs stage the rows that are new or changed (and, with hard deletes, those
 * gone from the source), add the source's new columns to the table, close the changed rows'
 * current versions and insert the new ones, in one transaction with the snapshot's in-transaction
 * hooks. The SQL follows dbt's macros (snapshot_staging_table, build_snapshot_table, the timestamp
 * and check strategies, duckdb__snapshot_merge_sql), so the rows are dbt's.
 */
import { ConfigError } from '../errors.js';
import { SNAPSHOT_META_COLUMNS } from '../project/nodeConfig.js';
import type { SnapshotNode } from '../project/types.js';
import { compileTimed, hookStatements, relationRef, runHooks, timed, type NodeOutcome, type RunContext } from './runContext.js';

/** The snapshot's meta columns by their dbt names, as its config names them. */
type MetaColumns = Record<(typeof SNAPSHOT_META_COLUMNS)[number], string>;

/** A snapshot strategy as dbt's strategy macros return it. */
export interface SnapshotStrategy {
  readonly uniqueKey: string | readonly string[];
  /** SQL of the row's change time: the updated_at column, or the snapshot time (check). */
  readonly updatedAt: string;
  /** SQL that is true when `snapshotted_data`'s current version differs from `source_data`. */
  readonly rowChanged: string;
  readonly scdId: string;
  readonly hardDeletes: 'ignore' | 'invalidate' | 'new_record';
}

/** dbt-duckdb's snapshot_get_time(). */
const SNAPSHOT_TIME = 'now()::timestamp';

/** dbt's snapshot_hash_arguments: md5 of the arguments' text joined by `|`. */
export function snapshotHash(args: readonly string[]): string {
  return `md5(${args.map((a) => `coalesce(cast(${a} as varchar ), '')`).join(" || '|' || ")})`;
}

const keys = (uniqueKey: string | readonly string[]): readonly string[] => (typeof uniqueKey === 'string' ? [uniqueKey] : uniqueKey);
const isList = (uniqueKey: string | readonly string[]): boolean => typeof uniqueKey !== 'string';

/** dbt's unique_key_fields: the key as `dbt_unique_key` (or `dbt_unique_key_<n>` for a list). */
function uniqueKeyFields(uniqueKey: string | readonly string[]): string {
  return isList(uniqueKey) ? keys(uniqueKey).map((k, i) => `${k} as dbt_unique_key_${i + 1}`).join(', ') : `${uniqueKey as string} as dbt_unique_key`;
}

function keyJoin(uniqueKey: string | readonly string[], left: string, right: string): string {
  return isList(uniqueKey) ? keys(uniqueKey).map((_k, i) => `${left}.dbt_unique_key_${i + 1} = ${right}.dbt_unique_key_${i + 1}`).join(' and ') : `${left}.dbt_unique_key = ${right}.dbt_unique_key`;
}

const keyIsNull = (uniqueKey: string | readonly string[], rel: string) => `${rel}.${isList(uniqueKey) ? 'dbt_unique_key_1' : 'dbt_unique_key'} is null`;
const keyIsNotNull = (uniqueKey: string | readonly string[], rel: string) => `${rel}.${isList(uniqueKey) ? 'dbt_unique_key_1' : 'dbt_unique_key'} is not null`;

/** The meta column names of a snapshot's config (snapshot_meta_column_names over dbt's defaults). */
export function metaColumns(config: Readonly<Record<string, unknown>>): MetaColumns {
  const names = (config.snapshot_meta_column_names ?? {}) as Record<string, string | null>;
  return Object.fromEntries(SNAPSHOT_META_COLUMNS.map((c) => [c, names[c] ?? c])) as MetaColumns;
}

/** dbt's adapter.get_hard_deletes_behavior. */
function hardDeletes(config: Readonly<Record<string, unknown>>): SnapshotStrategy['hardDeletes'] {
  if (config.invalidate_hard_deletes === true || config.hard_deletes === 'invalidate') return 'invalidate';
  return config.hard_deletes === 'new_record' ? 'new_record' : 'ignore';
}

/**
 * The snapshot's strategy (dbt's snapshot_timestamp_strategy / snapshot_check_strategy).
 * `checkCols` are the check strategy's columns, quoted, that the table has; `columnAdded` is true
 * when the source has a checked column the table lacks (every current row then changes).
 */
export function snapshotStrategy(config: Readonly<Record<string, unknown>>, columns: MetaColumns, check?: { checkCols: readonly string[]; columnAdded: boolean }): SnapshotStrategy {
  const uniqueKey = config.unique_key as string | readonly string[];
  const scd = (updatedAt: string) => snapshotHash([...keys(uniqueKey), updatedAt]);
  if (config.strategy === 'timestamp') {
    const updatedAt = config.updated_at as string;
    return { uniqueKey, updatedAt, rowChanged: `(snapshotted_data.${columns.dbt_valid_from} < source_data.${updatedAt})`, scdId: scd(updatedAt), hardDeletes: hardDeletes(config) };
  }
  const updatedAt = typeof config.updated_at === 'string' ? config.updated_at : SNAPSHOT_TIME;
  const changed = check?.columnAdded ? 'TRUE' : (check?.checkCols ?? []).map((col) => `snapshotted_data.${col} != source_data.${col}
        or
        (
            ((snapshotted_data.${col} is null) and not (source_data.${col} is null))
            or
            ((not snapshotted_data.${col} is null) and (source_data.${col} is null))
        )`).join(' or ');
  return { uniqueKey, updatedAt, rowChanged: `(${changed})`, scdId: scd(updatedAt), hardDeletes: hardDeletes(config) };
}

/** dbt's get_dbt_valid_to_current. */
function validToCurrent(s: SnapshotStrategy, columns: MetaColumns, config: Readonly<Record<string, unknown>>): string {
  const current = typeof config.dbt_valid_to_current === 'string' ? config.dbt_valid_to_current : 'null';
  return `coalesce(nullif(${s.updatedAt}, ${s.updatedAt}), ${current}) as ${columns.dbt_valid_to}`;
}

/** dbt's build_snapshot_table: the first run's select. */
export function buildSnapshotTable(s: SnapshotStrategy, sql: string, columns: MetaColumns, config: Readonly<Record<string, unknown>>): string {
  return `select *,
        ${s.scdId} as ${columns.dbt_scd_id},
        ${s.updatedAt} as ${columns.dbt_updated_at},
        ${s.updatedAt} as ${columns.dbt_valid_from},
        ${validToCurrent(s, columns, config)}${s.hardDeletes === 'new_record' ? `, 'False' as ${columns.dbt_is_deleted}` : ''}
    from (
        ${sql}
    ) sbq`;
}

/**
 * dbt's snapshot_staging_table: the rows to insert (new keys, changed rows, deleted keys' records
 * with hard_deletes new_record) and to close (changed rows' and deleted keys' current versions),
 * each with its `dbt_change_type`. `sourceColumns` are the select's, `tableColumns` the snapshot
 * table's (both only read for hard_deletes new_record).
 */
export function snapshotStagingTable(s: SnapshotStrategy, sql: string, target: string, columns: MetaColumns, config: Readonly<Record<string, unknown>>,
  sourceColumns: readonly string[], tableColumns: readonly string[], quote: (name: string) => string): string {
  const current = typeof config.dbt_valid_to_current === 'string' ? config.dbt_valid_to_current : undefined;
  const uk = s.uniqueKey;
  const deletes = s.hardDeletes === 'invalidate' || s.hardDeletes === 'new_record';
  const newRecord = s.hardDeletes === 'new_record';
  const isDeletedAndCurrent = `snapshotted_data.${columns.dbt_is_deleted} = 'True'
                and
                ${current ? `snapshotted_data.${columns.dbt_valid_to} = ${current}` : `snapshotted_data.${columns.dbt_valid_to} is null`}`;
  const parts = [`with snapshot_query as (

        ${sql}

    ),

    snapshotted_data as (

        select *, ${uniqueKeyFields(uk)}
        from ${target}
        where
            ${current ? `( ${columns.dbt_valid_to} = ${current} or ${columns.dbt_valid_to} is null )` : `${columns.dbt_valid_to} is null`}

    ),

    insertions_source_data as (

        select *, ${uniqueKeyFields(uk)},
            ${s.updatedAt} as ${columns.dbt_updated_at},
            ${s.updatedAt} as ${columns.dbt_valid_from},
            ${validToCurrent(s, columns, config)},
            ${s.scdId} as ${columns.dbt_scd_id}

        from snapshot_query
    ),

    updates_source_data as (

        select *, ${uniqueKeyFields(uk)},
            ${s.updatedAt} as ${columns.dbt_updated_at},
            ${s.updatedAt} as ${columns.dbt_valid_from},
            ${s.updatedAt} as ${columns.dbt_valid_to}

        from snapshot_query
    ),
${deletes ? `
    deletes_source_data as (

        select *, ${uniqueKeyFields(uk)}
        from snapshot_query
    ),
` : ''}
    insertions as (

        select
            'insert' as dbt_change_type,
            source_data.*${newRecord ? `,'False' as ${columns.dbt_is_deleted}` : ''}

        from insertions_source_data as source_data
        left outer join snapshotted_data
            on ${keyJoin(uk, 'snapshotted_data', 'source_data')}
            where ${keyIsNull(uk, 'snapshotted_data')}
            or (${keyIsNotNull(uk, 'snapshotted_data')} and (
               ${s.rowChanged}${newRecord ? ` or snapshotted_data.${columns.dbt_is_deleted} = 'True'` : ''}
            )

        )

    ),

    updates as (

        select
            'update' as dbt_change_type,
            source_data.*,
            snapshotted_data.${columns.dbt_scd_id}${newRecord ? `, snapshotted_data.${columns.dbt_is_deleted}` : ''}

        from updates_source_data as source_data
        join snapshotted_data
            on ${keyJoin(uk, 'snapshotted_data', 'source_data')}
        where (
            ${s.rowChanged}${newRecord ? ` or snapshotted_data.${columns.dbt_is_deleted} = 'True'` : ''}
        )
    )`];
  if (deletes) {
    parts.push(`,
    deletes as (

        select
            'delete' as dbt_change_type,
            source_data.*,
            ${SNAPSHOT_TIME} as ${columns.dbt_valid_from},
            ${SNAPSHOT_TIME} as ${columns.dbt_updated_at},
            ${SNAPSHOT_TIME} as ${columns.dbt_valid_to},
            snapshotted_data.${columns.dbt_scd_id}${newRecord ? `, snapshotted_data.${columns.dbt_is_deleted}` : ''}
        from snapshotted_data
        left join deletes_source_data as source_data
            on ${keyJoin(uk, 'snapshotted_data', 'source_data')}
            where ${keyIsNull(uk, 'source_data')}${newRecord ? `
            and not (
                --avoid updating the record's valid_to if the latest entry is marked as deleted
                ${isDeletedAndCurrent}
            )` : ''}
    )`);
  }
  if (newRecord) {
    const cols = sourceColumns.map((c) => `${tableColumns.includes(c) ? 'snapshotted_data' : 'source_data'}.${quote(c)},`).join('\n            ');
    const keyCols = isList(uk) ? keys(uk).map((k, i) => `snapshotted_data.${k} as dbt_unique_key_${i + 1},`).join('\n            ') : 'snapshotted_data.dbt_unique_key as dbt_unique_key,';
    parts.push(`,
    deletion_records as (

        select
            'insert' as dbt_change_type,
            ${cols}
            ${keyCols}
            ${SNAPSHOT_TIME} as ${columns.dbt_valid_from},
            ${SNAPSHOT_TIME} as ${columns.dbt_updated_at},
            snapshotted_data.${columns.dbt_valid_to} as ${columns.dbt_valid_to},
            ${snapshotHash([columns.dbt_scd_id, SNAPSHOT_TIME])} as ${columns.dbt_scd_id},
            'True' as ${columns.dbt_is_deleted}
        from snapshotted_data
        left join deletes_source_data as source_data
            on ${keyJoin(uk, 'snapshotted_data', 'source_data')}
        where ${keyIsNull(uk, 'source_data')}
        and not (
            --avoid inserting a new record if the latest one is marked as deleted
            ${isDeletedAndCurrent}
            )

    )`);
  }
  parts.push(`

    select * from insertions
    union all
    select * from updates${deletes ? `
    union all
    select * from deletes` : ''}${newRecord ? `
    union all
    select * from deletion_records` : ''}`);
  return parts.join('');
}

/** duckdb__snapshot_merge_sql: close the changed and deleted rows' current versions, insert the new ones. */
export function snapshotMergeSql(target: string, staging: string, insertCols: readonly string[], columns: MetaColumns, config: Readonly<Record<string, unknown>>): string[] {
  const current = typeof config.dbt_valid_to_current === 'string' ? config.dbt_valid_to_current : undefined;
  return [
    `update ${target} as DBT_INTERNAL_TARGET
    set ${columns.dbt_valid_to} = DBT_INTERNAL_SOURCE.${columns.dbt_valid_to}
    from ${staging} as DBT_INTERNAL_SOURCE
    where DBT_INTERNAL_SOURCE.${columns.dbt_scd_id}::text = DBT_INTERNAL_TARGET.${columns.dbt_scd_id}::text
      and DBT_INTERNAL_SOURCE.dbt_change_type::text in ('update'::text, 'delete'::text)
      and ${current ? `(DBT_INTERNAL_TARGET.${columns.dbt_valid_to} = ${current} or DBT_INTERNAL_TARGET.${columns.dbt_valid_to} is null)` : `DBT_INTERNAL_TARGET.${columns.dbt_valid_to} is null`}`,
    `insert into ${target} (${insertCols.join(', ')})
    select ${insertCols.map((c) => `DBT_INTERNAL_SOURCE.${c}`).join(', ')}
    from ${staging} as DBT_INTERNAL_SOURCE
    where DBT_INTERNAL_SOURCE.dbt_change_type::text = 'insert'::text`,
  ];
}

/** Runs a snapshot and reports what happened. Throws on failure (QueryError, CancelledError, CompileError, ConfigError). */
export async function executeSnapshot(ctx: RunContext, node: SnapshotNode): Promise<NodeOutcome> {
  const { compiled, timing: compileTiming } = await compileTimed(ctx, node);
  const config = compiled.config as unknown as Readonly<Record<string, unknown>>;
  const relation = relationRef(compiled.relation);
  const { adapter } = ctx;
  const target = adapter.relationName(relation);
  const sql = compiled.compiledCode.trim().replace(/;+\s*$/, '');
  const opts = { context: { node: node.uniqueId, file: node.originalFilePath, sql }, signal: ctx.signal };
  const columns = metaColumns(config);
  const { timing } = await timed('execute', async () => {
    const existing = await adapter.relationInfo(relation);
    if (existing?.kind === 'view') {
      throw new ConfigError(`snapshot '${node.name}' would be the table ${target}, which is a view: drop it first`, { file: node.originalFilePath });
    }
    await runHooks(ctx, node, hookStatements(compiled, 'pre', false));
    const before = hookStatements(compiled, 'pre', true);
    const after = hookStatements(compiled, 'post', true);
    if (!existing) {
      await adapter.ensureSchema(relation, opts);
      const strategy = snapshotStrategy(config, columns);
      await adapter.executeMany([...before, `create table ${target} as (${buildSnapshotTable(strategy, sql, columns, config)})`, ...after], { ...opts, transaction: true });
    } else {
      // the select's columns (and types) and the table's: what check 'all' compares, the columns
      // the table gains, and those the staged rows insert
      const source = (await adapter.query(`select * from (\n${sql}\n) as dbt_snapshot_source limit 0`, opts)).columns;
      const table = (await adapter.columns(relation, opts)).map((c) => c.name);
      const lower = new Set(table.map((c) => c.toLowerCase()));
      let check: { checkCols: string[]; columnAdded: boolean } | undefined;
      if (config.strategy === 'check') {
        const wanted = config.check_cols === 'all' ? source.map((c) => c.name)
          : (await adapter.query(`select ${(config.check_cols as string[]).join(', ')} from (\n${sql}\n) subq limit 0`, opts)).columns.map((c) => c.name);
        check = { checkCols: wanted.filter((c) => table.includes(c)).map((c) => adapter.quoteIdent(c)), columnAdded: wanted.some((c) => !table.includes(c)) };
      }
      const strategy = snapshotStrategy(config, columns, check);
      const staging = adapter.relationName({ ...relation, name: `${relation.name}__dbt_tmp` });
      const missing = source.filter((c) => !lower.has(c.name.toLowerCase()));
      const metaCols = [columns.dbt_updated_at, columns.dbt_valid_from, columns.dbt_valid_to, columns.dbt_scd_id, ...(strategy.hardDeletes === 'new_record' ? [columns.dbt_is_deleted] : [])];
      const insertCols = [...source.map((c) => c.name), ...metaCols].map((c) => adapter.quoteIdent(c));
      await adapter.executeMany([
        ...before,
        `create or replace table ${staging} as (${snapshotStagingTable(strategy, sql, target, columns, config, source.map((c) => c.name), table, (n) => adapter.quoteIdent(n))})`,
        ...missing.map((c) => `alter table ${target} add column ${adapter.quoteIdent(c.name)} ${c.type}`),
        ...snapshotMergeSql(target, staging, insertCols, columns, config),
        ...after,
        `drop table ${staging}`,
      ], { ...opts, transaction: true });
    }
    await runHooks(ctx, node, hookStatements(compiled, 'post', false));
  });
  return { status: 'success', timing: [compileTiming, timing], code: 'OK', compiledCode: compiled.compiledCode, relationName: compiled.relationName, materialization: 'snapshot' };
}
