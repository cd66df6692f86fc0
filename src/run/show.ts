/**
 * Previewing a node's rows, as `dbt show` does: a model's or test's compiled SQL (ephemeral parents
 * as CTEs, its `sql_header` first) run with a row limit; a seed's table read back (dbt loads the seed
 * again and shows its file). `stratum show`
 * prints the result and the notebook can show the same preview.
 */
import type { QueryResult, WarehouseAdapter } from '../engine/adapter.js';
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
    const sql = `select * from ${adapter.relationName(relationRef(node.relation))}`;
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
