/**
 * A small in-memory dbt project for runner tests, with a tiny compiler standing in for
 * src/project's: `{{ ref('x') }}` → the relation, `{{ this }}` → own relation, and
 * `{% if is_incremental() %}...{% endif %}` kept only when the relation exists and no full refresh.
 */
import { shouldFullRefresh } from '../../src/project/nodeConfig.js';
import type { CompileNodeFn, FreshnessPolicy, ModelNode, NodeConfig, Project, ProjectNode, SeedNode, SourceNode, TestNode } from '../../src/project/types.js';

/** A model of the mini project. */
export interface MiniModel {
  readonly sql: string;
  readonly config?: Partial<NodeConfig>;
}

/** A test of the mini project: its failing-rows SQL and what it is attached to. */
export interface MiniTest {
  readonly sql: string;
  readonly on: readonly string[];
  readonly config?: Partial<NodeConfig>;
}

const base = { packageName: 'mini', rawCode: '', description: '', columns: {}, refs: [], sources: [] };

function config(materialized: NodeConfig['materialized'], extra: Partial<NodeConfig> = {}): NodeConfig {
  return { enabled: true, tags: [], materialized, ...extra } as NodeConfig;
}

/** Builds a Project with models, seeds (CSV paths) and tests; `ref()`s become dependencies. */
export function miniProject(
  rootDir: string,
  spec: {
    models?: Record<string, MiniModel>;
    seeds?: Record<string, string>;
    tests?: Record<string, MiniTest>;
    sources?: Record<string, { location: string; loadedAtField?: string; freshness?: FreshnessPolicy }>;
    threads?: number;
  },
): Project {
  const nodes = new Map<string, ProjectNode>();
  for (const [name, src] of Object.entries(spec.sources ?? {})) {
    const source: SourceNode = {
      ...base,
      uniqueId: `source.mini.raw.${name}`,
      resourceType: 'source',
      name,
      originalFilePath: 'models/sources.yml',
      path: 'sources.yml',
      fqn: ['mini', 'raw', name],
      config: config('view'),
      dependsOn: { nodes: [], macros: [] },
      sourceName: 'raw',
      identifier: name,
      relation: { database: 'w', schema: 'raw', identifier: name },
      externalLocation: src.location,
      loadedAtField: src.loadedAtField,
      freshness: src.freshness,
      meta: {},
      sourceDescription: '',
    };
    nodes.set(source.uniqueId, source);
  }
  const refsOf = (sql: string) => [...sql.matchAll(/ref\('([^']+)'\)/g)].map((m) => m[1]);
  const idOf = (name: string) => (spec.seeds?.[name] !== undefined ? `seed.mini.${name}` : `model.mini.${name}`);
  for (const [name, csv] of Object.entries(spec.seeds ?? {})) {
    const seed: SeedNode = {
      ...base,
      uniqueId: `seed.mini.${name}`,
      resourceType: 'seed',
      name,
      originalFilePath: `seeds/${name}.csv`,
      path: `${name}.csv`,
      fqn: ['mini', name],
      config: config('seed'),
      dependsOn: { nodes: [], macros: [] },
      relation: { database: 'w', schema: 'main', identifier: name },
      absolutePath: csv,
    };
    nodes.set(seed.uniqueId, seed);
  }
  for (const [name, m] of Object.entries(spec.models ?? {})) {
    const cfg = config(m.config?.materialized ?? 'view', m.config);
    const model: ModelNode = {
      ...base,
      uniqueId: `model.mini.${name}`,
      resourceType: 'model',
      name,
      originalFilePath: `models/${name}.sql`,
      path: `${name}.sql`,
      fqn: ['mini', name],
      rawCode: m.sql,
      config: cfg,
      dependsOn: { nodes: refsOf(m.sql).map(idOf), macros: [] },
      relation: { database: 'w', schema: cfg.schema ?? 'main', identifier: name },
    };
    nodes.set(model.uniqueId, model);
  }
  for (const [name, t] of Object.entries(spec.tests ?? {})) {
    const test: TestNode = {
      ...base,
      uniqueId: `test.mini.${name}`,
      resourceType: 'test',
      name,
      originalFilePath: `tests/${name}.sql`,
      path: `${name}.sql`,
      fqn: ['mini', name],
      rawCode: t.sql,
      config: config('test', t.config),
      dependsOn: { nodes: t.on.map(idOf), macros: [] },
      attachedNode: idOf(t.on[0]),
      relation: { database: 'w', schema: 'main_dbt_test__audit', identifier: name },
    };
    nodes.set(test.uniqueId, test);
  }
  return {
    name: 'mini',
    profileName: 'mini',
    rootDir,
    paths: { model: ['models'], seed: ['seeds'], macro: ['macros'], test: ['tests'], target: 'target' },
    vars: {},
    target: { name: 'dev', type: 'duckdb', schema: 'main', database: 'w', threads: spec.threads ?? 2, extra: {} },
    nodes,
    macros: new Map(),
    onRunStart: [],
    onRunEnd: [],
    warnings: [],
  };
}

/** The stand-in compiler. */
export const miniCompile: CompileNodeFn = async (project, node, ctx) => {
  const rel = (n: ProjectNode) => ('relation' in n ? n.relation : undefined)!;
  const render = (r: { database: string; schema: string; identifier: string }) => `"${r.database}"."${r.schema}"."${r.identifier}"`;
  const own = rel(node);
  const fullRefresh = shouldFullRefresh(node.config, ctx.fullRefresh);
  const incremental = node.config.materialized === 'incremental' && !fullRefresh && (await ctx.relationExists?.(own)) === true;
  let sql = node.rawCode.replace(/\{\{\s*this\s*\}\}/g, render(own));
  sql = sql.replace(/\{%\s*if is_incremental\(\)\s*%\}([\s\S]*?)\{%\s*endif\s*%\}/g, (_m, body: string) => (incremental ? body : ''));
  sql = sql.replace(/\{\{\s*ref\('([^']+)'\)\s*\}\}/g, (_m, name: string) => {
    const target = project.nodes.get(`model.mini.${name}`) ?? project.nodes.get(`seed.mini.${name}`);
    if (!target) throw new Error(`ref to unknown ${name}`);
    return render(rel(target));
  });
  return { node, compiledCode: sql, relation: own, relationName: render(own), extraCtes: [], config: node.config, isIncremental: incremental, preHooks: [], postHooks: [] };
};
