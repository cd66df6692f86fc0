/**
 * Builds one model: compiles it, then applies its materialization — `view` (create or replace),
 * `table` (built aside and swapped in atomically, partitioned Parquet when `partition_by` is
 * set), `incremental` (first run / --full-refresh / a view in the way: as a table; otherwise
 * ./incremental.ts), `ephemeral` (nothing to build: the compiler inlines it as a CTE). Its
 * `pre-hook` statements run before, its `post-hook` statements after (not for an ephemeral model).
 */
import { ConfigError } from '../errors.js';
import { shouldFullRefresh } from '../project/nodeConfig.js';
import type { ModelNode } from '../project/types.js';
import { runIncremental } from './incremental.js';
import { compileTimed, relationRef, runHooks, timed, type NodeOutcome, type RunContext } from './runContext.js';
import { tableLayout } from './tableLayout.js';

/** Builds a model and reports what happened. Throws on failure (QueryError, CancelledError, CompileError). */
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
  const { value, timing } = await timed('execute', async () => {
    await runHooks(ctx, node, compiled.preHooks);
    const built = await materialize();
    await runHooks(ctx, node, compiled.postHooks);
    return built;
  });
  return { ...base, status: 'success', timing: [compileTiming, timing], rowsAffected: value.rows, code: value.code, materialization: value.as };

  async function materialize(): Promise<{ rows: number | undefined; code: string; as: string }> {
    if (materialized === 'view') {
      await ctx.adapter.replaceRelation(relation, 'view', compiled.compiledCode, opts);
      return { rows: undefined, code: 'CREATE VIEW', as: 'view' };
    }
    if (materialized === 'incremental') {
      const existing = await ctx.adapter.relationInfo(relation);
      if (existing && existing.kind !== 'view' && !fullRefresh) {
        const rows = await runIncremental({ adapter: ctx.adapter, compiled, relation, existing, layout, context, signal: ctx.signal });
        return { rows, code: 'INSERT', as: 'incremental' };
      }
      const rows = await ctx.adapter.replaceRelation(relation, 'table', compiled.compiledCode, { ...opts, layout });
      return { rows, code: 'CREATE TABLE', as: 'incremental' };
    }
    if (materialized !== 'table') throw new ConfigError(`unknown materialization '${String(materialized)}'`, { file: node.originalFilePath, key: `${node.name}.config.materialized` });
    const rows = await ctx.adapter.replaceRelation(relation, 'table', compiled.compiledCode, { ...opts, layout });
    return { rows, code: 'CREATE TABLE', as: 'table' };
  }
}
