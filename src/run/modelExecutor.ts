/**
 * Builds one model: compiles it, then applies its materialization — `view` (create or replace),
 * `table` (built aside and swapped in atomically, partitioned Parquet when `partition_by` is
 * set), `incremental` (first run / --full-refresh / a view in the way: as a table; otherwise
 * ./incremental.ts), `ephemeral` (nothing to build: the compiler inlines it as a CTE).
 *
 * A view or table is built as dbt-duckdb builds it: its hooks with `transaction: false` run before
 * BEGIN and after COMMIT, and in one transaction its other pre-hooks, `sql_header`, its SQL (checked
 * against an enforced `contract`, created with the contract's columns and constraints), its other
 * post-hooks and `persist_docs` comments: a failing statement rolls all of them back and leaves
 * the previous relation in place. An incremental run's in-transaction hooks run in the one
 * transaction of its statements (around the write of a partitioned table, which none covers), with
 * its `sql_header` before the new rows are built and its `persist_docs` comments set again after
 * the write, as dbt-duckdb's incremental materialization does.
 */
import type { ContractColumn, RelationDocs, ReplaceOptions } from '../engine/adapter.js';
import { ConfigError } from '../errors.js';
import { shouldFullRefresh } from '../project/nodeConfig.js';
import type { ColumnConstraint, CompiledNode, ModelNode } from '../project/types.js';
import { runIncremental } from './incremental.js';
import { compileTimed, hookStatements, relationRef, runHooks, timed, type NodeOutcome, type RunContext } from './runContext.js';
import { tableLayout } from './tableLayout.js';

/** Builds a model and reports what happened. Throws on failure (QueryError, CancelledError, CompileError, ConfigError). */
export async function executeModel(ctx: RunContext, node: ModelNode): Promise<NodeOutcome> {
  const fullRefresh = shouldFullRefresh(node.config, ctx.fullRefresh);
  const { compiled, timing: compileTiming } = await compileTimed(ctx, node);
  const materialized = compiled.config.materialized;
  const relation = relationRef(compiled.relation);
  const context = { node: node.uniqueId, file: node.originalFilePath, sql: compiled.compiledCode };
  const opts = { context, signal: ctx.signal };
  const base = { compiledCode: compiled.compiledCode, relationName: compiled.relationName };
  if (materialized === 'ephemeral') {
    return { ...base, status: 'success', timing: [compileTiming], code: 'EPHEMERAL', materialization: 'ephemeral' };
  }
  const layout = tableLayout({ ...node, config: compiled.config });
  const { value, timing } = await timed('execute', materialize);
  return { ...base, status: 'success', timing: [compileTiming, timing], rowsAffected: value.rows, code: value.code, materialization: value.as };

  async function materialize(): Promise<{ rows: number | undefined; code: string; as: string }> {
    if (materialized === 'incremental') {
      const existing = await ctx.adapter.relationInfo(relation);
      if (existing && existing.kind !== 'view' && !fullRefresh) {
        await runHooks(ctx, node, hookStatements(compiled, 'pre', false));
        const hooks = { before: hookStatements(compiled, 'pre', true), after: hookStatements(compiled, 'post', true) };
        const contract = enforcedContract(node, compiled);
        const header = sqlHeader(compiled);
        const docs = persistedDocs(node, compiled);
        const rows = await runIncremental({
          adapter: ctx.adapter, compiled, relation, existing, layout, context, signal: ctx.signal, hooks,
          ...(contract ? { contract } : {}), ...(header ? { sqlHeader: header } : {}), ...(docs ? { docs } : {}),
        });
        await runHooks(ctx, node, hookStatements(compiled, 'post', false));
        return { rows, code: 'INSERT', as: 'incremental' };
      }
      return { rows: await build('table'), code: 'CREATE TABLE', as: 'incremental' };
    }
    if (materialized === 'view') return { rows: await build('view'), code: 'CREATE VIEW', as: 'view' };
    if (materialized !== 'table') throw new ConfigError(`unknown materialization '${String(materialized)}'`, { file: node.originalFilePath, key: `${node.name}.config.materialized` });
    return { rows: await build('table'), code: 'CREATE TABLE', as: 'table' };
  }

  /** The relation built in one transaction with its hooks, header, contract and docs (see the file's comment). */
  async function build(kind: 'table' | 'view'): Promise<number | undefined> {
    await runHooks(ctx, node, hookStatements(compiled, 'pre', false));
    const header = sqlHeader(compiled);
    const contract = enforcedContract(node, compiled);
    const docs = persistedDocs(node, compiled);
    const replace: ReplaceOptions = {
      ...opts, before: hookStatements(compiled, 'pre', true), after: hookStatements(compiled, 'post', true),
      ...(kind === 'table' ? { layout } : {}),
      ...(header ? { sqlHeader: header } : {}),
      ...(contract ? { contract } : {}),
      ...(docs ? { docs } : {}),
    };
    const rows = await ctx.adapter.replaceRelation(relation, kind, compiled.compiledCode, replace);
    await runHooks(ctx, node, hookStatements(compiled, 'post', false));
    return rows;
  }
}

/** The model's `sql_header`, or undefined when it has none. */
function sqlHeader(compiled: CompiledNode): string | undefined {
  const h = compiled.config.sql_header;
  return typeof h === 'string' && h.trim() ? h : undefined;
}

/**
 * The columns of an enforced contract (`contract: {enforced: true}`), from the model's yml columns
 * in order, or undefined when it is not enforced. Throws ConfigError, as dbt fails, when the model
 * documents no columns or one has no `data_type`.
 */
function enforcedContract(node: ModelNode, compiled: CompiledNode): ContractColumn[] | undefined {
  const c = compiled.config.contract;
  if (!(typeof c === 'object' && c !== null && (c as { enforced?: unknown }).enforced === true)) return undefined;
  const where = { file: node.patchPath ?? node.originalFilePath, key: `${node.name}.columns` };
  const columns = Object.values(node.columns);
  if (columns.length === 0) throw new ConfigError(`model '${node.name}' has an enforced contract but its yml declares no columns`, where);
  const untyped = columns.filter((col) => !col.data_type?.trim()).map((col) => col.name);
  if (untyped.length > 0) throw new ConfigError(`model '${node.name}' has an enforced contract: columns ${untyped.join(', ')} need a data_type`, where);
  return columns.map((col) => ({ name: col.name, dataType: col.data_type!, constraints: (col.constraints ?? []).map(renderConstraint).filter((r): r is string => r !== undefined) }));
}

/** A column constraint as dbt renders it in DDL (dbt-adapters' render_column_constraint); undefined when it renders to nothing. */
function renderConstraint(c: ColumnConstraint): string | undefined {
  const expr = c.expression ?? '';
  const out = c.type === 'check' ? (expr ? `check (${expr})` : '')
    : c.type === 'not_null' ? `not null ${expr}`
      : c.type === 'unique' ? `unique ${expr}`
        : c.type === 'primary_key' ? `primary key ${expr}`
          : c.type === 'foreign_key' ? (expr ? `references ${expr}` : '')
            : expr;
  return out.trim() || undefined;
}

/**
 * The comments `persist_docs` asks for, as dbt-duckdb persists them: the model's description when
 * `relation: true` and it has one, each documented column's when `columns: true`. Undefined: none.
 */
function persistedDocs(node: ModelNode, compiled: CompiledNode): RelationDocs | undefined {
  const pd = compiled.config.persist_docs;
  if (typeof pd !== 'object' || pd === null) return undefined;
  const { relation, columns } = pd as { relation?: unknown; columns?: unknown };
  const docs: { relation?: string; columns?: Record<string, string> } = {};
  if (relation === true && node.description) docs.relation = node.description;
  const cols = Object.values(node.columns);
  if (columns === true && cols.length > 0) docs.columns = Object.fromEntries(cols.map((col) => [col.name, col.description]));
  return docs.relation !== undefined || docs.columns ? docs : undefined;
}
