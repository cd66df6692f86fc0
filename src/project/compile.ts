/**
 * dbt's compile phase for one node: render its template with `execute` true against a
 * CompileContext (is_incremental from the live warehouse, run_query answered by the runner),
 * resolve `ref()` to real relations (ephemeral models become `__dbt__cte__<name>` CTEs, compiled
 * first and injected), `source()` to the table or, on DuckDB, its `external_location`.
 */
import { randomUUID } from 'node:crypto';
import type { Dialect } from '../engine/adapter.js';
import { HOOK_CONFIG_KEYS, mergeConfig } from './configMerge.js';
import { didYouMean } from '../didYouMean.js';
import { ConfigError, UsageError } from '../errors.js';
import { CompileError } from './errors.js';
import { injectCtes } from './injectCtes.js';
import { graphOf } from './manifest.js';
import { shouldFullRefresh } from './nodeConfig.js';
import { buildDbtContext } from './jinja/dbtContext.js';
import { JinjaRelation } from './jinja/relationObject.js';
import type { JinjaRenderer } from './jinja/renderer.js';
import { PendingQuery, RenderState } from './jinja/renderState.js';
import { projectInternals } from './load.js';
import { renderRelation } from './relationName.js';
import type { CompileContext, CompiledNode, HookStatement, InjectedCte, ModelNode, NodeConfig, Project, ProjectNode, SourceNode, TemplateLog } from './types.js';

/** At most this many `run_query` round trips per node (guards against a template that never settles). */
const MAX_QUERIES = 100;

/** How `source()` renders: DuckDB reads `external_location` in place (dbt-duckdb), else the table. */
export function renderSource(src: SourceNode, dialect: Dialect): string {
  if (dialect === 'duckdb' && src.externalLocation) {
    return src.externalLocation.includes('(') ? src.externalLocation : `'${src.externalLocation.replace(/'/g, "''")}'`;
  }
  return renderRelation(src.relation, dialect);
}

/** The `__dbt__cte__<identifier>` name of an ephemeral model: its alias (relation identifier), as dbt names it. */
export function ephemeralCteName(node: ProjectNode): string {
  return `__dbt__cte__${node.relation.identifier}`;
}

function isEphemeral(n: ProjectNode | undefined): n is ModelNode {
  return n?.resourceType === 'model' && n.config.materialized === 'ephemeral';
}

/**
 * A node's SQL as dbt renders it, from its file stripped of the whitespace around it (dbt's
 * raw_code): the text up to its last non-space character is rendered, and its leading whitespace,
 * rendered as it is so that Jinja errors keep the file's line numbers, is cut from the output.
 */
function renderNodeSql(renderer: JinjaRenderer, source: string, file: string, names: Record<string, unknown>, state: RenderState): string {
  const text = source.trimEnd();
  const lead = /^\s*/.exec(text)![0];
  const out = renderer.renderOnce(text, file, names, state);
  return out.startsWith(lead) ? out.slice(lead.length) : out;
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
  // a seed has no SQL, but may have hooks
  const source = tmpl ?? { source: '', file: node.originalFilePath, extra: undefined };
  if (!tmpl && hookTemplates(node.config, 'pre-hook', source.file).length + hookTemplates(node.config, 'post-hook', source.file).length === 0) {
    return { node, compiledCode: '', relation, relationName, extraCtes: [], config: node.config, isIncremental: false, preHooks: [], postHooks: [] };
  }

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

  const fullRefresh = shouldFullRefresh(node.config, ctx.fullRefresh);
  const isIncremental = node.resourceType === 'model' && node.config.materialized === 'incremental' && !fullRefresh && ctx.relationExists !== undefined && (await ctx.relationExists(relation));
  const byName = new Map<string, ProjectNode>();
  for (const n of project.nodes.values()) if (n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot') byName.set(n.name, n);
  const state = new RenderState();
  let config: Record<string, unknown> = { ...node.config };
  const invocationId = ctx.invocationId ?? randomUUID();
  // --empty: a relation read as dbt's render_limited reads it, on no rows
  const limited = (rendered: string): string | undefined => (ctx.empty ? `(select * from ${rendered} where false limit 0)` : undefined);

  for (let attempt = 0; ; attempt++) {
    config = { ...node.config };
    const names = buildDbtContext(
      {
        mode: 'compile', projectName: project.name, profileName: project.profileName, target: project.target, vars: project.vars, env, file: source.file,
        node: { uniqueId: node.uniqueId, name: node.name, resourceType: node.resourceType, originalFilePath: node.originalFilePath },
        config, thisRelation: relation,
        ref: (args) => {
          const target = byName.get(args[args.length - 1] ?? '');
          if (!target) throw new CompileError(`ref('${args.join("', '")}') not found`, { file: source.file });
          if (isEphemeral(target)) return new JinjaRelation(target.relation, dialect, ephemeralCteName(target));
          return new JinjaRelation(target.relation, dialect, limited(renderRelation(target.relation, dialect)), target.config.materialized === 'view' ? 'view' : 'table');
        },
        source: (s, t) => {
          const src = project.nodes.get(`source.${project.name}.${s}.${t}`);
          if (!src || src.resourceType !== 'source') throw new CompileError(`source('${s}', '${t}') not found`, { file: source.file });
          const rendered = renderSource(src, dialect);
          return new JinjaRelation(src.relation, dialect, limited(rendered) ?? rendered);
        },
        applyConfig: (kw) => {
          // hooks of config() calls were collected when the project was parsed (node.config has
          // them, as dbt's parse-time config does): appended again here, each would run twice
          const rest = Object.fromEntries(Object.entries(kw).filter(([k]) => !HOOK_CONFIG_KEYS.has(k.replace(/^\+/, ''))));
          config = Object.assign(config, mergeConfig(config, rest));
        },
        isIncremental, fullRefresh, fullRefreshFlag: ctx.fullRefresh === true, storeFailuresFlag: ctx.storeFailures === true, graph: graphOf(project), canQuery: ctx.runQuery !== undefined, invocationId,
        ...(project.warnError ? { warnError: true } : {}),
        ...(ctx.runStartedAt ? { runStartedAt: ctx.runStartedAt } : {}),
        ...(source.extra ? { extra: source.extra } : {}),
      },
      state,
      dialect,
    );
    try {
      const sql = tmpl ? renderNodeSql(renderer, tmpl.source, tmpl.file, names, state) : '';
      // hooks after the SQL, whose config() calls may add some; rendered in the node's context
      const hooks = (key: 'pre-hook' | 'post-hook'): HookStatement[] =>
        hookTemplates(config, key, source.file).map((h) => ({ sql: renderer.renderOnce(h.sql, source.file, names, state).trim(), transaction: h.transaction })).filter((h) => h.sql !== '');
      const pre = hooks('pre-hook');
      const post = hooks('post-hook');
      const result: CompiledNode = {
        node, compiledCode: tmpl ? injectCtes(sql, extra) : '', relation, relationName, extraCtes: extra, config: config as NodeConfig, isIncremental,
        preHooks: pre.map((h) => h.sql), postHooks: post.map((h) => h.sql), hooks: { pre, post }, logs: [...state.logs],
      };
      uninjected.set(result, sql);
      return result;
    } catch (e) {
      if (!(e instanceof PendingQuery) || !ctx.runQuery) throw e;
      if (attempt >= MAX_QUERIES) throw new CompileError(`more than ${MAX_QUERIES} run_query calls while compiling`, { file: source.file });
      state.answered(await ctx.runQuery(e.sql));
    }
  }
}

/**
 * The `pre-hook` or `post-hook` templates of a config: each a statement or a mapping with `sql`
 * and an optional `transaction` (default true, as dbt's). Throws ConfigError for anything else.
 */
function hookTemplates(config: Readonly<Record<string, unknown>>, key: 'pre-hook' | 'post-hook', file: string): { sql: string; transaction: boolean }[] {
  const v = config[key];
  return (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]).map((h: unknown, i) => {
    if (typeof h === 'string') return { sql: h, transaction: true };
    if (typeof h === 'object' && h !== null && typeof (h as { sql?: unknown }).sql === 'string') {
      const t = (h as { transaction?: unknown }).transaction;
      if (t !== undefined && typeof t !== 'boolean') throw new ConfigError(`${key} ${i + 1}: transaction must be true or false, got ${JSON.stringify(t)}`, { file, key });
      return { sql: (h as { sql: string }).sql, transaction: t !== false };
    }
    throw new ConfigError(`${key} ${i + 1} must be a SQL statement or a mapping with sql:, got ${JSON.stringify(h)}`, { file, key });
  });
}

/**
 * Renders dbt_project.yml's `on-run-start` or `on-run-end` statements in the project's context
 * (target, vars, macros, run_query; `extra` adds on-run-end's `results` and `schemas`). Empty
 * statements are dropped; `logs` is what they printed (log with info=True, print, warn). Throws CompileError naming dbt_project.yml.
 */
export async function compileRunHooks(project: Project, key: 'on-run-start' | 'on-run-end', ctx: CompileContext = {}, extra: Readonly<Record<string, unknown>> = {}): Promise<{ statements: string[]; logs: readonly TemplateLog[] }> {
  const templates = key === 'on-run-start' ? project.onRunStart : project.onRunEnd;
  if (templates.length === 0) return { statements: [], logs: [] };
  const { rendered, logs } = await renderInProject(project, templates, 'dbt_project.yml', key, ctx, extra);
  return { statements: rendered.filter((t) => t !== ''), logs };
}

/**
 * Runs a macro as `dbt run-operation` does: called with `args` as keyword arguments in the
 * project's context (execute true; run_query answered by ctx.runQuery, so its statements run),
 * its output discarded. Returns what it printed. Throws ConfigError naming an unknown macro (with
 * the closest name), CompileError for what the macro raises.
 */
export async function runOperation(project: Project, macro: string, args: Readonly<Record<string, unknown>>, ctx: CompileContext = {}): Promise<readonly TemplateLog[]> {
  const { renderer } = projectInternals(project);
  const name = macro.startsWith(`${project.name}.`) ? macro.slice(project.name.length + 1) : macro;
  if (!/^[A-Za-z_]\w*$/.test(name) || !renderer.macros.has(name)) {
    const known = [...renderer.macros.keys()].filter((m) => renderer.macros.get(m)!.packageName === project.name);
    throw new ConfigError(`no macro named '${macro}' in project '${project.name}'${didYouMean(name, known)}`, { file: 'dbt_project.yml' });
  }
  for (const k of Object.keys(args)) if (!/^[A-Za-z_]\w*$/.test(k)) throw new UsageError(`stratum run-operation: --args: '${k}' is not a valid argument name`);
  const call = `{{ ${name}(${Object.keys(args).map((k) => `${k}=${OPERATION_ARGS}['${k}']`).join(', ')}) }}`;
  const label = `run-operation ${name}`;
  try {
    return (await renderInProject(project, [call], label, `macro ${name}`, ctx, { [OPERATION_ARGS]: args })).logs;
  } catch (e) {
    // located in the one-line call Stratum wrote: named by the macro's file instead
    if (e instanceof CompileError && e.location?.file === label) throw new CompileError(`in macro ${name}: ${e.detail}`, { file: renderer.macros.get(name)!.originalFilePath });
    throw e;
  }
}

/** The context name holding run-operation's --args. */
const OPERATION_ARGS = '__stratum_operation_args';

/**
 * Renders templates in the project's context (not a node's: target, vars, macros, run_query),
 * rendering again with each query's answer until they complete. Returns them rendered, and what
 * they printed.
 */
async function renderInProject(project: Project, templates: readonly string[], file: string, what: string, ctx: CompileContext, extra: Readonly<Record<string, unknown>>): Promise<{ rendered: string[]; logs: readonly TemplateLog[] }> {
  const { renderer, env } = projectInternals(project);
  const state = new RenderState();
  for (let attempt = 0; ; attempt++) {
    const names = buildDbtContext({
      mode: 'compile', projectName: project.name, profileName: project.profileName, target: project.target, vars: project.vars, env, file, config: {},
      isIncremental: false, fullRefresh: ctx.fullRefresh === true, graph: graphOf(project), canQuery: ctx.runQuery !== undefined, invocationId: ctx.invocationId ?? randomUUID(), extra,
      ...(project.warnError ? { warnError: true } : {}),
      ...(ctx.runStartedAt ? { runStartedAt: ctx.runStartedAt } : {}),
    }, state, project.target.type);
    try {
      const rendered = templates.map((t) => renderer.renderOnce(t, file, names, state).trim());
      return { rendered, logs: [...state.logs] };
    } catch (e) {
      if (!(e instanceof PendingQuery) || !ctx.runQuery) throw e;
      if (attempt >= MAX_QUERIES) throw new CompileError(`more than ${MAX_QUERIES} run_query calls while rendering ${what}`, { file });
      state.answered(await ctx.runQuery(e.sql));
    }
  }
}

/** Rendered SQL before CTE injection, kept so ephemeral parents' CTEs can be hoisted. */
const uninjected = new WeakMap<CompiledNode, string>();

/** The ephemeral model's own SQL, without the CTEs of its ephemeral parents (they are hoisted). */
function stripCtesOf(compiled: CompiledNode): string {
  return uninjected.get(compiled) ?? compiled.compiledCode;
}
