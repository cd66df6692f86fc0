/**
 * dbt's compile phase for one node: render its template with `execute` true against a
 * CompileContext (is_incremental from the live warehouse, run_query answered by the runner),
 * resolve `ref()` to real relations (ephemeral models become `__dbt__cte__<name>` CTEs, compiled
 * first and injected), `source()` to the table or, on DuckDB, its `external_location`.
 */
import { randomUUID } from 'node:crypto';
import type { Dialect } from '../engine/adapter.js';
import { mergeConfig } from './configMerge.js';
import { CompileError } from './errors.js';
import { injectCtes } from './injectCtes.js';
import { buildDbtContext } from './jinja/dbtContext.js';
import { JinjaRelation } from './jinja/relationObject.js';
import { PendingQuery, RenderState } from './jinja/renderState.js';
import { projectInternals } from './load.js';
import { renderRelation } from './relationName.js';
import type { CompileContext, CompiledNode, InjectedCte, ModelNode, NodeConfig, Project, ProjectNode, SourceNode } from './types.js';

/** At most this many `run_query` round trips per node (guards against a template that never settles). */
const MAX_QUERIES = 100;

/** How `source()` renders: DuckDB reads `external_location` in place (dbt-duckdb), else the table. */
export function renderSource(src: SourceNode, dialect: Dialect): string {
  if (dialect === 'duckdb' && src.externalLocation) {
    return src.externalLocation.includes('(') ? src.externalLocation : `'${src.externalLocation.replace(/'/g, "''")}'`;
  }
  return renderRelation(src.relation, dialect);
}

/** The `__dbt__cte__<name>` identifier of an ephemeral model. */
export function ephemeralCteName(node: ProjectNode): string {
  return `__dbt__cte__${node.name}`;
}

function isEphemeral(n: ProjectNode | undefined): n is ModelNode {
  return n?.resourceType === 'model' && n.config.materialized === 'ephemeral';
}

/**
 * Compiles one node. Seeds and sources have no SQL and compile to an empty string. Throws
 * CompileError (file:line) for template errors and ConfigError for unknown refs; a runQuery
 * rejection propagates as is.
 */
export async function compileNode(project: Project, node: ProjectNode, ctx: CompileContext = {}): Promise<CompiledNode> {
  return compileWithCache(project, node, ctx, new Map());
}

async function compileWithCache(project: Project, node: ProjectNode, ctx: CompileContext, ephemerals: Map<string, CompiledNode>): Promise<CompiledNode> {
  const dialect = project.target.type;
  const relation = node.relation;
  const relationName = isEphemeral(node) ? ephemeralCteName(node) : node.resourceType === 'source' ? renderSource(node, dialect) : renderRelation(relation, dialect);
  const { renderer, templates, env } = projectInternals(project);
  const tmpl = templates.get(node.uniqueId);
  if (!tmpl) return { node, compiledCode: '', relation, relationName, extraCtes: [], config: node.config, isIncremental: false };

  // Ephemeral parents first (recursively), so ref() can stay synchronous.
  const extra: InjectedCte[] = [];
  const addCte = (c: InjectedCte): void => {
    if (!extra.some((e) => e.id === c.id)) extra.push(c);
  };
  for (const dep of node.dependsOn.nodes) {
    const parent = project.nodes.get(dep);
    if (!isEphemeral(parent)) continue;
    let compiled = ephemerals.get(dep);
    if (!compiled) {
      compiled = await compileWithCache(project, parent, ctx, ephemerals);
      ephemerals.set(dep, compiled);
    }
    for (const c of compiled.extraCtes) addCte(c);
    addCte({ id: dep, name: ephemeralCteName(parent), sql: stripCtesOf(compiled) });
  }

  const fullRefresh = ctx.fullRefresh === true || node.config.full_refresh === true;
  const isIncremental = node.resourceType === 'model' && node.config.materialized === 'incremental' && !fullRefresh && ctx.relationExists !== undefined && (await ctx.relationExists(relation));
  const byName = new Map<string, ProjectNode>();
  for (const n of project.nodes.values()) if (n.resourceType === 'model' || n.resourceType === 'seed') byName.set(n.name, n);
  const state = new RenderState();
  let config: Record<string, unknown> = { ...node.config };
  const invocationId = ctx.invocationId ?? randomUUID();

  for (let attempt = 0; ; attempt++) {
    config = { ...node.config };
    const names = buildDbtContext(
      {
        mode: 'compile', projectName: project.name, target: project.target, vars: project.vars, env, file: tmpl.file,
        node: { uniqueId: node.uniqueId, name: node.name, resourceType: node.resourceType, originalFilePath: node.originalFilePath },
        config, thisRelation: relation,
        ref: (args) => {
          const target = byName.get(args[args.length - 1] ?? '');
          if (!target) throw new CompileError(`ref('${args.join("', '")}') not found`, { file: tmpl.file });
          if (isEphemeral(target)) return new JinjaRelation(target.relation, dialect, ephemeralCteName(target));
          return new JinjaRelation(target.relation, dialect, undefined, target.config.materialized === 'view' ? 'view' : 'table');
        },
        source: (s, t) => {
          const src = project.nodes.get(`source.${project.name}.${s}.${t}`);
          if (!src || src.resourceType !== 'source') throw new CompileError(`source('${s}', '${t}') not found`, { file: tmpl.file });
          return new JinjaRelation(src.relation, dialect, renderSource(src, dialect));
        },
        applyConfig: (kw) => {
          config = Object.assign(config, mergeConfig(config, kw));
        },
        isIncremental, fullRefresh, canQuery: ctx.runQuery !== undefined, invocationId,
        ...(tmpl.extra ? { extra: tmpl.extra } : {}),
      },
      state,
      dialect,
    );
    try {
      const sql = renderer.renderOnce(tmpl.source, tmpl.file, names, state);
      const result: CompiledNode = { node, compiledCode: injectCtes(sql, extra), relation, relationName, extraCtes: extra, config: config as NodeConfig, isIncremental };
      uninjected.set(result, sql);
      return result;
    } catch (e) {
      if (!(e instanceof PendingQuery) || !ctx.runQuery) throw e;
      if (attempt >= MAX_QUERIES) throw new CompileError(`more than ${MAX_QUERIES} run_query calls while compiling`, { file: tmpl.file });
      state.queryCache.set(e.sql, await ctx.runQuery(e.sql));
    }
  }
}

/** Rendered SQL before CTE injection, kept so ephemeral parents' CTEs can be hoisted. */
const uninjected = new WeakMap<CompiledNode, string>();

/** The ephemeral model's own SQL, without the CTEs of its ephemeral parents (they are hoisted). */
function stripCtesOf(compiled: CompiledNode): string {
  return uninjected.get(compiled) ?? compiled.compiledCode;
}
