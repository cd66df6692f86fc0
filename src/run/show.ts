/**
 * Previewing a node's rows, as `dbt show` does: a model's or test's compiled SQL (ephemeral parents
 * as CTEs, its `sql_header` first) run with a row limit; a seed's table read back (dbt 1.10 loads the
 * seed, runs its tests and shows its file; a seed not loaded yet is an error here). `stratum show`
 * prints the result and the notebook can show the same preview.
 */
import type { QueryResult, WarehouseAdapter } from '../engine/adapter.js';
import { UsageError } from '../errors.js';
import type { CompileContext, CompileNodeFn, Project, ProjectNode, TemplateLog } from '../project/types.js';
import { relationRef, warehouseCompileContext } from './runContext.js';

/** What to preview and how many rows. */
export interface ShowRequest {
  readonly project: Project;
  readonly adapter: WarehouseAdapter;
  readonly compile: CompileNodeFn;
  readonly node: ProjectNode;
  /** At most this many rows; undefined: all of them (dbt's negative --limit). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
  /** Compile options of the preview (run_started_at, vars are the project's). */
  readonly compileContext?: CompileContext;
}

/** A node's preview: its rows as the warehouse returns them, and the SQL that produced them. */
export interface ShowResult {
  readonly node: ProjectNode;
  readonly sql: string;
  readonly result: QueryResult;
  /** What the node's template printed when it was compiled. */
  readonly logs: readonly TemplateLog[];
}

/** Runs a node's preview query. Throws CompileError/ConfigError/QueryError/CancelledError. */
export async function showNode(req: ShowRequest): Promise<ShowResult> {
  const { node, adapter } = req;
  const context = { node: node.uniqueId, file: node.originalFilePath };
  if (node.resourceType === 'seed') {
    const rel = adapter.relationName(relationRef(node.relation));
    if ((await adapter.relationInfo(relationRef(node.relation))) === undefined) {
      throw new UsageError(`seed '${node.name}' is not loaded (${rel} does not exist): load it with 'stratum seed -s ${node.name}', then show it`);
    }
    const sql = `select * from ${rel}`;
    return { node, sql, logs: [], result: await adapter.query(sql, { context: { ...context, sql }, signal: req.signal, ...(req.limit !== undefined ? { limit: req.limit } : {}) }) };
  }
  const compiled = await req.compile(req.project, node, { ...warehouseCompileContext(adapter, req.signal), ...req.compileContext });
  const sql = compiled.compiledCode;
  const header = compiled.config.sql_header;
  const result = await adapter.query(sql, {
    context: { ...context, sql }, signal: req.signal,
    ...(req.limit !== undefined ? { limit: req.limit } : {}),
    ...(typeof header === 'string' && header.trim() ? { sqlHeader: header } : {}),
  });
  return { node, sql, result, logs: compiled.logs ?? [] };
}
