/**
 * Writes `target/manifest.json` with dbt's field names (manifest v12 shape): `nodes` (models,
 * seeds, tests), `sources`, `macros`, `parent_map`, `child_map`, each node with `unique_id`,
 * `resource_type`, `fqn`, `original_file_path`, `raw_code`, `compiled_code` (when compiled),
 * `config`, `depends_on`, `relation_name`, and tests' `test_metadata` / `attached_node`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { dbtTimestamp } from './artifactTime.js';
import { Dag } from './dag.js';
import { ARTIFACT_DBT_VERSION, EMPTY_GRAPH } from './jinja/dbtContext.js';
import { nodeEntry, pyStrip } from './manifestNodes.js';
import type { CompiledNode, Project } from './types.js';

/** Options of buildManifest / writeManifest. */
export interface ManifestOptions {
  /** Compiled nodes, by unique id; their `compiled_code` and final config go in the manifest. */
  readonly compiled?: ReadonlyMap<string, CompiledNode> | readonly CompiledNode[];
  readonly invocationId?: string;
  /** When the invocation started (dbt's `invocation_started_at`); left out when not given. */
  readonly startedAt?: Date;
  /** Where to write (default `<root>/<target-path>/manifest.json`). */
  readonly path?: string;
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
      unique_id: m.uniqueId, macro_sql: pyStrip(m.rawCode), depends_on: { macros: [] }, description: '', meta: {}, docs: { show: true, node_color: null },
      // dbt lists only arguments documented in a macros: yml entry
      patch_path: null, arguments: [], created_at: Date.now() / 1000, supported_languages: null,
    };
  }
  const now = new Date();
  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json',
      dbt_version: ARTIFACT_DBT_VERSION,
      generated_at: dbtTimestamp(now),
      invocation_id: opts.invocationId ?? randomUUID(),
      ...(opts.startedAt ? { invocation_started_at: dbtTimestamp(opts.startedAt).replace(/Z$/, '+00:00') } : {}),
      env: {},
      project_name: project.name,
      project_id: createHash('md5').update(project.name).digest('hex'),
      user_id: null,
      send_anonymous_usage_stats: false,
      adapter_type: project.target.type,
      quoting: { database: true, schema: true, identifier: true, column: null },
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
