/**
 * `stratum compile`: renders the selected models and tests like `dbt compile`, writes each to
 * `target/compiled/<project>/<file>` and `target/manifest.json`. On a BigQuery target it also
 * writes the `create or replace` DDL of each model to `target/run/<project>/<file>`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { CancelledError } from '../errors.js';
import { bigqueryDDL } from '../project/bigqueryDDL.js';
import type { CompileContext, CompiledNode, Project, ProjectNode } from '../project/types.js';
import { boolFlag, listFlag, type Command, type ParsedArgs } from './command.js';
import { EMPTY_FLAG, projectCommand, SELECTION_FLAGS, WARN_ERROR_FLAG } from './projectFlags.js';

/** Where dbt writes a node's compiled SQL, relative to the target path: `compiled/<project>/<file>[/<test>.sql]`. */
export function compiledPath(project: Project, node: ProjectNode, dir: 'compiled' | 'run' = 'compiled'): string {
  const file = node.resourceType === 'test' && node.testMetadata ? `${node.originalFilePath}/${node.path}` : node.originalFilePath;
  return join(project.rootDir, project.paths.target, dir, project.name, file);
}

/**
 * Writes a compiled node's SQL where dbt does (compiledPath), or `sql` under `target/run`, and
 * returns the file's path.
 */
export async function writeCompiled(project: Project, c: CompiledNode, run?: { sql: string }): Promise<string> {
  const out = compiledPath(project, c.node, run ? 'run' : 'compiled');
  await mkdir(dirname(out), { recursive: true });
  // untrimmed at the start, so that DuckDB's `LINE n` of the statement is line n of the file
  await writeFile(out, `${(run?.sql ?? c.compiledCode).trimEnd()}\n`);
  return out;
}

/** The BigQuery statement that builds a compiled model (undefined for ephemeral models and tests). */
export function bigqueryStatement(c: CompiledNode): string | undefined {
  if (c.node.resourceType !== 'model') return undefined;
  const m = c.config.materialized;
  if (m === 'ephemeral') return undefined;
  return bigqueryDDL({
    relation: c.relation,
    sql: c.compiledCode,
    kind: m === 'view' ? 'view' : 'table',
    ...(c.config.partition_by ? { partitionBy: c.config.partition_by } : {}),
    ...(c.config.cluster_by !== undefined ? { clusterBy: c.config.cluster_by } : {}),
  });
}

/** The `stratum compile` command. */
export const compileCommand: Command = projectCommand({
  name: 'compile',
  summary: 'Render the selected models and tests to SQL (target/compiled) and write target/manifest.json.',
  details: 'Examples:\n  stratum compile --project-dir test/fixtures/jaffle -s orders\n  stratum compile -t bq   # BigQuery SQL, plus create-or-replace DDL in target/run/\n\nExit codes: 0 compiled, 1 a query a template runs (run_query) failed, 2 bad usage, configuration or template, 130 cancelled.',
  flags: [...SELECTION_FLAGS, EMPTY_FLAG, WARN_ERROR_FLAG],
  async run(args, signal) {
    const { loadSelection } = await import('./projectOptions.js');
    const { project, selected } = loadSelection('compile', args, ['model', 'test']);
    // like dbt compile, against the warehouse when there is one (is_incremental(), run_query);
    // a DuckDB file that does not exist yet is not made for it, and BigQuery is compiled offline
    const t = project.target;
    const live = t.type === 'duckdb' && (t.path === undefined || t.path === ':memory:' || existsSync(t.path));
    const adapter = live ? await (await import('./projectRun.js')).openWarehouse(project, 1) : undefined;
    try {
      const empty = boolFlag(args, 'empty') ? { empty: true } : {};
      // one run_started_at for every node, as in a run
      const ctx = { ...(adapter ? (await import('../run/runContext.js')).warehouseCompileContext(adapter, signal) : {}), ...empty, runStartedAt: new Date() };
      return await compileSelected(project, selected, args, ctx, signal);
    } finally {
      await adapter?.close();
    }
  },
});

/**
 * Compiles and writes the selected nodes, the manifest, and the summary (or JSON). Throws
 * CancelledError when `signal` aborts, before the next node.
 */
async function compileSelected(project: Project, selected: readonly string[], args: ParsedArgs, ctx: CompileContext, signal: AbortSignal): Promise<number> {
  const [{ jsonFlag }, { compileNode }, { writeManifest }, { printTemplateLogs }] = await Promise.all([import('./projectOptions.js'), import('../project/compile.js'), import('../project/manifest.js'), import('./runOutput.js')]);
  const compiled: CompiledNode[] = [];
  // what templates print, as dbt prints it; --json prints one JSON object, so none of it
  const json = jsonFlag(args);
  if (!json) printTemplateLogs(project.parseLogs ?? [], false);
  const written: { unique_id: string; compiled_path: string; relation: string; ddl_path?: string }[] = [];
  for (const id of selected) {
    if (signal.aborted) throw new CancelledError();
    const node = project.nodes.get(id) as ProjectNode;
    const c = await compileNode(project, node, ctx);
    if (!json) printTemplateLogs(c.logs ?? [], false, id);
    compiled.push(c);
    const out = await writeCompiled(project, c);
    const entry: (typeof written)[number] = { unique_id: id, compiled_path: relative(process.cwd(), out), relation: c.relationName };
    if (project.target.type === 'bigquery') {
      const ddl = bigqueryStatement(c);
      if (ddl) entry.ddl_path = relative(process.cwd(), await writeCompiled(project, c, { sql: ddl }));
    }
    written.push(entry);
  }
  const manifest = await writeManifest(project, { compiled });
  if (json) {
    process.stdout.write(`${JSON.stringify({ target: project.target.name, dialect: project.target.type, manifest: relative(process.cwd(), manifest), nodes: written }, null, 2)}\n`);
    return 0;
  }
  // Like dbt, a selection that names a single model prints its SQL.
  const models = compiled.filter((c) => c.node.resourceType === 'model');
  const only = listFlag(args, 'select').length > 0 && models.length === 1 ? models[0] : undefined;
  if (only) process.stdout.write(`Compiled node '${only.node.name}' is:\n${only.compiledCode.trim()}\n`);
  process.stdout.write(`Compiled ${models.length} models and ${compiled.length - models.length} tests for target '${project.target.name}' (${project.target.type}) into ${relative(process.cwd(), join(project.rootDir, project.paths.target, 'compiled')) || '.'}\n`);
  return 0;
}
