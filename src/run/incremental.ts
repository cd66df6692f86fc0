/**
 * The incremental materialization on an existing table: strategies `append`, `delete+insert`
 * (dbt's default with a unique_key; a string unique_key is an SQL expression, as in dbt-duckdb's
 * `where (key) in (select (key) ...)`), `merge` (dbt-duckdb's MERGE: matched rows updated by name,
 * so a target column the model no longer selects keeps its value, or only `merge_update_columns`
 * / all but `merge_exclude_columns`; without a unique_key every row is inserted), both narrowed by
 * `incremental_predicates` (which may name dbt's aliases `DBT_INCREMENTAL_TARGET`,
 * `DBT_INTERNAL_DEST` and `DBT_INTERNAL_SOURCE`), and `insert_overwrite` (replace the partitions
 * the new rows fall in), plus dbt's `on_schema_change` (ignore, fail, append_new_columns,
 * sync_all_columns on native tables; a column's changed type counts as a change for `fail` and is
 * applied by `sync_all_columns`; with `ignore`, a column the model dropped fails an append or
 * delete+insert, as dbt's insert does). Every change to a native table runs in one transaction, so
 * a failure or cancel leaves it as it was; partitioned tables are swapped atomically by the
 * adapter (there `merge` is a delete+insert and incremental_predicates are not applied).
 */
import type { ColumnInfo, ContractColumn, RelationDocs, RelationInfo, RelationRef, TableLayout, WarehouseAdapter } from '../engine/adapter.js';
import { commentStatements } from '../engine/duckdb/comments.js';
import { contractMismatch, contractTypesSql } from '../engine/duckdb/contract.js';
import { ConfigError, QueryError, type QueryContext } from '../errors.js';
import type { CompiledNode, IncrementalStrategy } from '../project/types.js';

/** Everything an incremental step needs. */
export interface IncrementalStep {
  readonly adapter: WarehouseAdapter;
  readonly compiled: CompiledNode;
  readonly relation: RelationRef;
  readonly existing: RelationInfo;
  readonly layout?: TableLayout;
  readonly context: QueryContext;
  readonly signal?: AbortSignal;
  /**
   * The model's pre- and post-hooks that run in its transaction: in the step's one transaction, so
   * that a failing post-hook rolls the step back, as dbt-duckdb does; around the write of a
   * partitioned table, which no transaction covers.
   */
  readonly hooks?: { readonly before: readonly string[]; readonly after: readonly string[] };
  /** An enforced contract's columns: the new rows' columns must match them, as on a table's build. */
  readonly contract?: readonly ContractColumn[];
  /** dbt's `sql_header`: run before the new rows are built, as dbt-duckdb runs it before its temp table. */
  readonly sqlHeader?: string;
  /** dbt's `persist_docs` comments, set again after the write (before the in-transaction post-hooks), as dbt does on every run. */
  readonly docs?: RelationDocs;
}

/** The strategy a model uses: its config, else delete+insert with a unique_key, else append. */
export function incrementalStrategy(compiled: CompiledNode): IncrementalStrategy {
  const s = compiled.config.incremental_strategy;
  if (s) return s;
  return uniqueKeys(compiled).length > 0 ? 'delete+insert' : 'append';
}

function uniqueKeys(compiled: CompiledNode): string[] {
  const k = compiled.config.unique_key;
  if (k === undefined || k === null) return [];
  return (typeof k === 'string' ? [k] : [...k]).map((x) => x.trim()).filter(Boolean);
}

/** dbt's `incremental_predicates` (or dbt-duckdb's `predicates`): a condition or a list of them. */
function incrementalPredicates(compiled: CompiledNode): string[] {
  const p = compiled.config.incremental_predicates ?? compiled.config.predicates;
  if (p === undefined || p === null) return [];
  return (Array.isArray(p) ? p : [p]).map((x) => String(x)).filter((x) => x.trim() !== '');
}

/** A config list of column names (`merge_update_columns`, `merge_exclude_columns`). */
function columnList(v: unknown): string[] {
  return v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

async function describe(adapter: WarehouseAdapter, sql: string, step: IncrementalStep): Promise<ColumnInfo[]> {
  const res = await adapter.query(`describe ${sql}`, { context: step.context, signal: step.signal });
  return res.rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
}

/** Runs one incremental step and resolves to the rows written. */
export async function runIncremental(step: IncrementalStep): Promise<number | undefined> {
  const { adapter, compiled } = step;
  const sql = compiled.compiledCode.trim().replace(/;+\s*$/, '');
  const strategy = incrementalStrategy(compiled);
  const keys = uniqueKeys(compiled);
  const where = { file: compiled.node.originalFilePath, key: `${compiled.node.name}.config` };
  if (strategy === 'delete+insert' && keys.length === 0) throw new ConfigError("incremental_strategy 'delete+insert' needs a unique_key", { ...where, key: `${where.key}.unique_key` });
  if (strategy === 'insert_overwrite' && !step.layout?.partitionBy) throw new ConfigError("incremental_strategy 'insert_overwrite' needs partition_by", { ...where, key: `${where.key}.partition_by` });

  const target = await adapter.columns(step.relation, { context: step.context });
  const incoming = await describe(adapter, sql, step);
  if (step.contract) {
    const mismatch = contractMismatch(incoming, await describe(adapter, contractTypesSql(step.contract), step));
    if (mismatch) throw new QueryError(mismatch, step.context);
  }
  const onChange = compiled.config.on_schema_change ?? 'ignore';
  const lower = (cs: readonly ColumnInfo[]) => new Set(cs.map((c) => c.name.toLowerCase()));
  const targetNames = lower(target);
  const incomingNames = lower(incoming);
  const added = incoming.filter((c) => !targetNames.has(c.name.toLowerCase()));
  const removed = target.filter((c) => !incomingNames.has(c.name.toLowerCase()));
  const changed = added.length > 0 || removed.length > 0;
  // dbt's new_target_types: a column in both whose type differs
  const retyped = incoming.flatMap((c) => {
    const old = target.find((t) => t.name.toLowerCase() === c.name.toLowerCase());
    return old && old.type.toLowerCase() !== c.type.toLowerCase() ? [{ name: old.name, from: old.type, to: c.type }] : [];
  });
  if ((changed || retyped.length > 0) && onChange === 'fail') {
    const types = retyped.length > 0 ? `; type changed: ${retyped.map((c) => `${c.name} ${c.from} -> ${c.to}`).join(', ')}` : '';
    throw new QueryError(
      `The source and target schemas on this incremental model are out of sync (added: ${added.map((c) => c.name).join(', ') || 'none'}; removed: ${removed.map((c) => c.name).join(', ') || 'none'}${types}); on_schema_change is 'fail'. Run with --full-refresh`,
      step.context,
    );
  }
  const q = adapter.quoteIdent.bind(adapter);
  const target$ = adapter.relationName(step.relation);
  const before = step.hooks?.before ?? [];
  const after = step.hooks?.after ?? [];

  if (step.existing.kind === 'external') {
    if (changed && onChange !== 'ignore') {
      throw new QueryError(`on_schema_change '${onChange}' is not supported on partitioned tables (columns changed); run with --full-refresh`, step.context);
    }
    const projected = `select ${target.map((c) => (incomingNames.has(c.name.toLowerCase()) ? q(c.name) : `cast(null as ${c.type}) as ${q(c.name)}`)).join(', ')} from (${sql}\n) as __stratum_new`;
    // delete+insert keyed on the partition field is insert_overwrite: rewrite only those partitions
    const keyIsPartition = keys.length === 1 && keys[0].toLowerCase() === step.layout?.partitionBy?.field.toLowerCase() && (step.layout.partitionBy.granularity ?? 'day') === 'day';
    const keyless = strategy === 'append' || (strategy === 'merge' && keys.length === 0);
    if (!keyless && strategy !== 'insert_overwrite' && !keyIsPartition) {
      const match = keys.map((k) => `__stratum_old.${q(k)} = __stratum_new.${q(k)}`).join(' and ');
      const full = `with __stratum_new as (${projected}) select * from ${target$} as __stratum_old where not exists (select 1 from __stratum_new where ${match}) union all select * from __stratum_new`;
      return adapter.replaceRelation(step.relation, 'table', full, {
        layout: step.layout, context: step.context, signal: step.signal, before, after,
        ...(step.sqlHeader ? { sqlHeader: step.sqlHeader } : {}), ...(step.docs ? { docs: step.docs } : {}),
      });
    }
    for (const s of before) await adapter.execute(s, { context: { ...step.context, sql: s }, signal: step.signal });
    const res = await adapter.writePartitions(step.relation, projected, {
      layout: step.layout ?? {},
      mode: keyless ? 'append' : 'overwrite',
      context: step.context,
      signal: step.signal,
      ...(step.sqlHeader ? { sqlHeader: step.sqlHeader } : {}),
      ...(step.docs ? { docs: step.docs } : {}),
    });
    for (const s of after) await adapter.execute(s, { context: { ...step.context, sql: s }, signal: step.signal });
    return res.rows;
  }

  const merging = strategy === 'merge' && keys.length > 0;
  if (removed.length > 0 && onChange === 'ignore' && (strategy === 'append' || strategy === 'delete+insert')) {
    // dbt inserts the target's columns from the new rows, which fails on one the model dropped
    throw new QueryError(
      `column${removed.length > 1 ? 's' : ''} ${removed.map((c) => c.name).join(', ')} of ${target$} ${removed.length > 1 ? 'are' : 'is'} not in the model's columns any more, and on_schema_change is 'ignore'; set on_schema_change to 'append_new_columns' or 'sync_all_columns', or run with --full-refresh`,
      step.context,
    );
  }
  const statements: string[] = [];
  if (changed && (onChange === 'append_new_columns' || onChange === 'sync_all_columns')) {
    for (const c of added) statements.push(`alter table ${target$} add column ${q(c.name)} ${c.type}`);
    if (onChange === 'sync_all_columns') for (const c of removed) statements.push(`alter table ${target$} drop column ${q(c.name)}`);
  }
  if (onChange === 'sync_all_columns') for (const c of retyped) statements.push(`alter table ${target$} alter column ${q(c.name)} set data type ${c.to}`);
  const finalCols =
    onChange === 'append_new_columns' ? [...target, ...added] : onChange === 'sync_all_columns' ? [...target.filter((c) => incomingNames.has(c.name.toLowerCase())), ...added] : target;
  const insertNames = finalCols.filter((c) => incomingNames.has(c.name.toLowerCase())).map((c) => c.name);
  const insertCols = insertNames.map(q);
  const tmp = adapter.relationName({ ...step.relation, name: `${step.relation.name}__stratum_tmp` });
  statements.unshift(`drop table if exists ${tmp}`, ...(step.sqlHeader ? [step.sqlHeader] : []), `create table ${tmp} as ${sql}\n`);
  // dbt's aliases, which incremental_predicates may name
  const predicates = incrementalPredicates(compiled).map((p) => ` and (${p})`).join('');
  if (merging) {
    const match = keys.map((k) => `DBT_INTERNAL_DEST.${q(k)} = DBT_INTERNAL_SOURCE.${q(k)}`).join(' and ');
    const include = columnList(compiled.config.merge_update_columns);
    const exclude = new Set(columnList(compiled.config.merge_exclude_columns).map((c) => c.toLowerCase()));
    const updated = (include.length > 0 ? include : exclude.size > 0 ? insertNames.filter((c) => !exclude.has(c.toLowerCase())) : []).map(q);
    const update = updated.length > 0 ? `update set ${updated.map((c) => `${c} = DBT_INTERNAL_SOURCE.${c}`).join(', ')}` : 'update by name';
    statements.push(
      `merge into ${target$} as DBT_INTERNAL_DEST using (select ${insertCols.join(', ')} from ${tmp}) as DBT_INTERNAL_SOURCE on (${match}${predicates}) when matched then ${update} when not matched then insert by name`,
    );
  } else {
    if (strategy === 'delete+insert') {
      const key = compiled.config.unique_key;
      statements.push(
        typeof key === 'string'
          ? `delete from ${target$} as DBT_INCREMENTAL_TARGET where (${key}) in (select (${key}) from ${tmp})${predicates}`
          : `delete from ${target$} as DBT_INCREMENTAL_TARGET where exists (select 1 from ${tmp} as DBT_INTERNAL_SOURCE where ${keys.map((k) => `DBT_INCREMENTAL_TARGET.${q(k)} = DBT_INTERNAL_SOURCE.${q(k)}`).join(' and ')})${predicates}`,
      );
    } else if (strategy === 'insert_overwrite') {
      const field = q(step.layout!.partitionBy!.field);
      statements.push(`delete from ${target$} where ${field} in (select distinct ${field} from ${tmp})`);
    }
    statements.push(`insert into ${target$} (${insertCols.join(', ')}) select ${insertCols.join(', ')} from ${tmp}`);
  }
  const writeIndex = before.length + statements.length - 1;
  statements.push(`drop table ${tmp}`);
  if (step.docs) statements.push(...commentStatements(target$, 'table', step.docs, new Set(finalCols.map((c) => c.name))));
  const rows = await adapter.executeMany([...before, ...statements, ...after], { transaction: true, context: step.context, signal: step.signal });
  return rows[writeIndex];
}
