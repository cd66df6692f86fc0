/**
 * Writes `target/manifest.json` with dbt's field names (manifest v12 shape): `nodes` (models,
 * seeds, tests), `sources`, `macros`, `parent_map`, `child_map`, each node with `unique_id`,
 * `resource_type`, `fqn`, `original_file_path`, `raw_code`, `compiled_code` (when compiled),
 * `config`, `depends_on`, `relation_name`, and tests' `test_metadata` / `attached_node`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { renderSource } from './compile.js';
import { Dag } from './dag.js';
import { ARTIFACT_DBT_VERSION, EMPTY_GRAPH } from './jinja/dbtContext.js';
import { renderRelation } from './relationName.js';
import type { CompiledNode, Project, ProjectNode } from './types.js';

/** Options of buildManifest / writeManifest. */
export interface ManifestOptions {
  /** Compiled nodes, by unique id; their `compiled_code` and final config go in the manifest. */
  readonly compiled?: ReadonlyMap<string, CompiledNode> | readonly CompiledNode[];
  readonly invocationId?: string;
  /** Where to write (default `<root>/<target-path>/manifest.json`). */
  readonly path?: string;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function nodeEntry(project: Project, n: ProjectNode, c: CompiledNode | undefined): Record<string, unknown> {
  const dialect = project.target.type;
  const config = c?.config ?? n.config;
  const common = {
    database: n.relation.database,
    schema: n.relation.schema,
    name: n.name,
    resource_type: n.resourceType,
    package_name: n.packageName,
    path: n.path,
    original_file_path: n.originalFilePath,
    unique_id: n.uniqueId,
    fqn: n.fqn,
    alias: n.relation.identifier,
    checksum: { name: 'sha256', checksum: sha(n.rawCode) },
    config,
    tags: config.tags,
    description: n.description,
    columns: n.columns,
    meta: config.meta ?? {},
    patch_path: n.patchPath ? `${project.name}://${n.patchPath}` : null,
  };
  if (n.resourceType === 'source') {
    return {
      ...common,
      source_name: n.sourceName, source_description: n.sourceDescription, loader: '', identifier: n.identifier,
      loaded_at_field: n.loadedAtField ?? null, freshness: n.freshness ?? { warn_after: null, error_after: null, filter: null },
      external: null, meta: n.meta, source_meta: {}, relation_name: renderSource(n, dialect),
    };
  }
  return {
    ...common,
    language: 'sql',
    raw_code: n.rawCode,
    refs: n.refs.map((r) => ({ name: r[r.length - 1], package: r.length > 1 ? r[0] : null, version: null })),
    sources: n.sources,
    depends_on: { macros: n.dependsOn.macros, nodes: n.dependsOn.nodes },
    compiled_path: c ? join(project.paths.target, 'compiled', project.name, n.originalFilePath, n.resourceType === 'test' && n.testMetadata ? n.path : '').replace(/\/$/, '') : null,
    compiled: c !== undefined,
    ...(c ? { compiled_code: c.compiledCode, extra_ctes_injected: true, extra_ctes: c.extraCtes.map((e) => ({ id: e.id, sql: e.sql })) } : {}),
    relation_name: n.resourceType === 'model' && n.config.materialized === 'ephemeral' ? null : n.resourceType === 'test' ? null : renderRelation(n.relation, dialect),
    ...(n.resourceType === 'seed' ? { root_path: project.rootDir } : {}),
    ...(n.resourceType === 'test'
      ? {
          column_name: n.columnName ?? null,
          attached_node: n.attachedNode ?? null,
          ...(n.testMetadata ? { test_metadata: { name: n.testMetadata.name, kwargs: n.testMetadata.kwargs, namespace: n.testMetadata.namespace } } : {}),
        }
      : {}),
  };
}

const graphs = new WeakMap<Project, Readonly<Record<string, unknown>>>();

/**
 * dbt's `graph` context variable: the manifest's `nodes` and `sources` (uncompiled), by unique id,
 * built once per project. Compile hands it to templates, which may read it once `execute` is true.
 */
export function graphOf(project: Project): Readonly<Record<string, unknown>> {
  let graph = graphs.get(project);
  if (!graph) {
    const nodes: Record<string, unknown> = {};
    const sources: Record<string, unknown> = {};
    for (const n of project.nodes.values()) (n.resourceType === 'source' ? sources : nodes)[n.uniqueId] = nodeEntry(project, n, undefined);
    graph = { ...EMPTY_GRAPH, nodes, sources };
    graphs.set(project, graph);
  }
  return graph;
}

/** Builds the manifest object (dbt's field names). */
export function buildManifest(project: Project, opts: ManifestOptions = {}): Record<string, unknown> {
  const compiled = new Map<string, CompiledNode>();
  if (opts.compiled) for (const c of opts.compiled instanceof Map ? opts.compiled.values() : (opts.compiled as readonly CompiledNode[])) compiled.set(c.node.uniqueId, c);
  const dag = new Dag(project);
  const nodes: Record<string, unknown> = {};
  const sources: Record<string, unknown> = {};
  for (const n of project.nodes.values()) {
    const entry = nodeEntry(project, n, compiled.get(n.uniqueId));
    if (n.resourceType === 'source') sources[n.uniqueId] = entry;
    else nodes[n.uniqueId] = entry;
  }
  const macros: Record<string, unknown> = {};
  for (const m of project.macros.values()) {
    macros[m.uniqueId] = {
      name: m.name, resource_type: 'macro', package_name: m.packageName, path: m.originalFilePath, original_file_path: m.originalFilePath,
      unique_id: m.uniqueId, macro_sql: m.rawCode, depends_on: { macros: [] }, description: '', meta: {}, arguments: m.arguments.map((a) => ({ name: a, type: null, description: '' })),
    };
  }
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json',
      dbt_version: ARTIFACT_DBT_VERSION,
      generated_at: new Date().toISOString(),
      invocation_id: opts.invocationId ?? randomUUID(),
      env: {},
      project_name: project.name,
      adapter_type: project.target.type,
    },
    nodes, sources, macros,
    docs: {}, exposures: {}, metrics: {}, groups: {}, selectors: {}, disabled: {},
    parent_map: dag.parentMapObject(),
    child_map: dag.childMapObject(),
    group_map: {}, saved_queries: {}, semantic_models: {}, unit_tests: {},
  };
}

/** Writes the manifest to `<root>/<target-path>/manifest.json` (or `opts.path`). Returns the path. */
export async function writeManifest(project: Project, opts: ManifestOptions = {}): Promise<string> {
  const path = opts.path ?? join(project.rootDir, project.paths.target, 'manifest.json');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(buildManifest(project, opts), null, 2)}\n`);
  return path;
}
