/**
 * One node of `target/manifest.json` as dbt-core 1.10 writes it: dbt's fields in dbt's order,
 * with the defaults dbt fills in (the full `config` of each resource type, `docs`, `contract`,
 * `access`, column fields), the checksum dbt computes (sha256 of the stripped file; generic tests
 * have none) and the parse-time `depends_on` shape of generic tests.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { renderSource } from './compile.js';
import { renderRelation } from './relationName.js';
import type { ColumnDoc, CompiledNode, Project, ProjectNode, TestNode } from './types.js';

const DOCS = { show: true, node_color: null };

/** dbt's NodeConfig fields shared by models and seeds, with their defaults, in dbt's order. */
const NODE_CONFIG = {
  enabled: true, alias: null, schema: null, database: null, tags: [], meta: {}, group: null, materialized: 'view',
  incremental_strategy: null, batch_size: null, lookback: 1, begin: null, persist_docs: {}, 'post-hook': [], 'pre-hook': [],
  quoting: {}, column_types: {}, full_refresh: null, unique_key: null, on_schema_change: 'ignore', on_configuration_change: 'apply',
  grants: {}, packages: [], docs: DOCS, contract: { enforced: false, alias_types: true }, event_time: null, concurrent_batches: null,
};

/** The config dbt writes for each resource type, before the node's own values. */
const CONFIG_DEFAULTS: Record<ProjectNode['resourceType'], Record<string, unknown>> = {
  model: { ...NODE_CONFIG, access: 'protected', freshness: null },
  seed: { ...NODE_CONFIG, materialized: 'seed', delimiter: ',', quote_columns: null },
  snapshot: {
    ...NODE_CONFIG, materialized: 'snapshot', strategy: null, target_schema: null, target_database: null, updated_at: null, check_cols: null,
    snapshot_meta_column_names: { dbt_valid_to: null, dbt_valid_from: null, dbt_scd_id: null, dbt_updated_at: null, dbt_is_deleted: null },
    dbt_valid_to_current: null, hard_deletes: null,
  },
  test: {
    enabled: true, alias: null, schema: 'dbt_test__audit', database: null, tags: [], meta: {}, group: null, materialized: 'test',
    severity: 'ERROR', store_failures: null, store_failures_as: null, where: null, limit: null, fail_calc: 'count(*)', warn_if: '!= 0', error_if: '!= 0',
  },
  source: { enabled: true, event_time: null, freshness: null, loaded_at_field: null, loaded_at_query: null, meta: {}, tags: [] },
};

/** dbt's seed size limit for hashing contents: larger seeds are checksummed by path. */
const MAXIMUM_SEED_SIZE = 1024 * 1024;

/** Python's `str.strip()`: dbt strips a file's contents before hashing and parsing it. */
export function pyStrip(s: string): string {
  return s.replace(PY_SPACE_AROUND, '');
}

/** Python's whitespace (`str.isspace()`) at either end; unlike JavaScript's `\s` it has \x1c-\x1f and \x85, and not the BOM. */
const PY_SPACE_AROUND = /^[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Checksums by node: `graph` and the manifest both ask, and a seed's means reading its file. */
const checksums = new WeakMap<ProjectNode, { name: string; checksum: string }>();

/** dbt's `checksum` of a node: sha256 of the stripped file; `none` for generic tests; a big seed's path. */
function checksum(project: Project, n: ProjectNode): { name: string; checksum: string } {
  let c = checksums.get(n);
  if (!c) checksums.set(n, (c = computeChecksum(project, n)));
  return c;
}

function computeChecksum(project: Project, n: ProjectNode): { name: string; checksum: string } {
  if (n.resourceType === 'test' && n.testMetadata) return { name: 'none', checksum: '' };
  if (n.resourceType === 'seed') {
    const file = join(project.rootDir, n.originalFilePath);
    if (statSync(file).size > MAXIMUM_SEED_SIZE) return { name: 'path', checksum: n.originalFilePath };
    return { name: 'sha256', checksum: sha256(pyStrip(readFileSync(file, 'utf8'))) };
  }
  return { name: 'sha256', checksum: sha256(pyStrip(n.rawCode)) };
}

/** A node's config as dbt writes it: dbt's defaults for its type, overlaid with the node's values. */
function dbtConfig(n: ProjectNode, config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...CONFIG_DEFAULTS[n.resourceType] };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[k] = v;
  // Stratum lowercases severity; dbt's default is spelled ERROR
  if (n.resourceType === 'test' && out.severity === 'error') out.severity = 'ERROR';
  // a long-named generic test is aliased to its hashed short name (dbt's TestBuilder)
  if (n.resourceType === 'test' && n.testMetadata && n.path !== `${n.name}.sql` && out.alias === null) out.alias = n.relation.identifier;
  if (n.resourceType === 'source') {
    out.freshness = n.freshness ? freshness(n.freshness) : null;
    out.loaded_at_field = n.loadedAtField ?? null;
    out.meta = n.meta;
  }
  return out;
}

function freshness(f: NonNullable<Extract<ProjectNode, { resourceType: 'source' }>['freshness']>): Record<string, unknown> {
  return { warn_after: f.warn_after ?? null, error_after: f.error_after ?? null, filter: f.filter ?? null };
}

/** A column as dbt writes it. */
function column(c: ColumnDoc): Record<string, unknown> {
  return { name: c.name, description: c.description, meta: c.meta, data_type: c.data_type ?? null, constraints: [], quote: null, config: { meta: c.meta, tags: c.tags }, tags: c.tags, granularity: null, doc_blocks: [] };
}

/**
 * dbt's inferred `primary_key` of a model: the columns with both unique and not_null tests, else
 * those with a unique test (dbt-core's `infer_primary_key`, without constraints).
 */
function primaryKey(project: Project, modelId: string): string[] {
  const unique: string[] = [];
  const notNull = new Set<string>();
  for (const t of project.nodes.values()) {
    if (t.resourceType !== 'test' || t.attachedNode !== modelId || !t.testMetadata) continue;
    const col = t.testMetadata.kwargs.column_name;
    const cols = typeof col === 'string' ? [col] : Array.isArray(t.testMetadata.kwargs.combination_of_columns) ? (t.testMetadata.kwargs.combination_of_columns as unknown[]).filter((c): c is string => typeof c === 'string') : [];
    for (const c of cols) {
      if (t.testMetadata.name === 'unique' || t.testMetadata.name === 'unique_combination_of_columns') {
        if (!unique.includes(c)) unique.push(c);
      } else if (t.testMetadata.name === 'not_null') notNull.add(c);
    }
  }
  const both = unique.filter((c) => notNull.has(c));
  return both.length > 0 ? both : unique;
}

/**
 * A generic test's `depends_on` in dbt's parse-time shape: its test macro first, then the macros
 * its kwargs call; dbt does not render `unique` and `not_null` at parse time, so theirs is the test
 * macro alone. A source test lists its source before the refs of its arguments.
 */
function testDependsOn(n: TestNode): { macros: string[]; nodes: string[] } {
  const nodes = n.attachedNode?.startsWith('source.') ? [n.attachedNode, ...n.dependsOn.nodes.filter((id) => id !== n.attachedNode)] : [...n.dependsOn.nodes];
  const testMacro = n.dependsOn.macros.find((m) => m.endsWith(`.test_${n.testMetadata!.name}`));
  if (!testMacro) return { macros: [...n.dependsOn.macros], nodes };
  if (testMacro === 'macro.dbt.test_not_null' || testMacro === 'macro.dbt.test_unique') return { macros: [testMacro], nodes };
  return { macros: [testMacro, ...n.dependsOn.macros.filter((m) => m !== testMacro)], nodes };
}

/** A node's manifest entry (dbt's fields and order); `c` is its compilation, when it was compiled. */
export function nodeEntry(project: Project, n: ProjectNode, c: CompiledNode | undefined): Record<string, unknown> {
  const dialect = project.target.type;
  const config = dbtConfig(n, c?.config ?? n.config);
  const head = {
    database: n.relation.database,
    schema: n.relation.schema,
    name: n.name,
    resource_type: n.resourceType,
    package_name: n.packageName,
    path: n.resourceType === 'source' ? n.originalFilePath : n.path,
    original_file_path: n.originalFilePath,
    unique_id: n.uniqueId,
    fqn: n.fqn,
  };
  const columns = Object.fromEntries(Object.entries(n.columns).map(([k, col]) => [k, column(col)]));
  if (n.resourceType === 'source') {
    return {
      ...head,
      source_name: n.sourceName, source_description: n.sourceDescription, loader: '', identifier: n.identifier,
      quoting: { database: null, schema: null, identifier: null, column: null },
      loaded_at_field: n.loadedAtField ?? null, loaded_at_query: null,
      freshness: n.freshness ? freshness(n.freshness) : { warn_after: null, error_after: null, filter: null },
      external: null, description: n.description, columns, meta: n.meta, source_meta: {}, tags: config.tags, config,
      patch_path: null, unrendered_config: {}, relation_name: renderSource(n, dialect), created_at: Date.now() / 1000,
      unrendered_database: null, unrendered_schema: n.relation.schema, doc_blocks: [],
    };
  }
  const relationName = n.resourceType === 'test' || n.resourceType === 'seed' || (n.resourceType === 'model' && n.config.materialized === 'ephemeral') ? null : renderRelation(n.relation, dialect);
  const entry: Record<string, unknown> = {
    ...head,
    alias: n.relation.identifier,
    checksum: checksum(project, n),
    config,
    tags: config.tags,
    description: n.description,
    columns,
    meta: config.meta,
    group: null,
    docs: DOCS,
    patch_path: n.patchPath ? `${project.name}://${n.patchPath}` : null,
    build_path: null,
    unrendered_config: {},
    created_at: Date.now() / 1000,
    relation_name: n.resourceType === 'seed' ? renderRelation(n.relation, dialect) : relationName,
    raw_code: n.resourceType === 'seed' ? '' : pyStrip(n.rawCode),
    doc_blocks: [],
  };
  if (n.resourceType === 'seed') return { ...entry, root_path: project.rootDir, depends_on: { macros: n.dependsOn.macros } };
  const dependsOn = n.resourceType === 'test' && n.testMetadata ? testDependsOn(n) : { macros: [...n.dependsOn.macros], nodes: [...n.dependsOn.nodes] };
  Object.assign(entry, {
    language: 'sql',
    refs: n.refs.map((r) => ({ name: r[r.length - 1], package: r.length > 1 ? r[0] : null, version: null })),
    sources: n.sources,
    metrics: [],
    depends_on: dependsOn,
    compiled_path: c ? join(project.paths.target, 'compiled', project.name, n.originalFilePath, n.resourceType === 'test' && n.testMetadata ? n.path : '').replace(/\/$/, '') : null,
    ...(c ? { compiled: true, compiled_code: c.compiledCode, extra_ctes_injected: true, extra_ctes: c.extraCtes.map((e) => ({ id: e.id, sql: e.sql })) } : {}),
    contract: { enforced: false, alias_types: true, checksum: null },
  });
  if (n.resourceType === 'model') {
    return { ...entry, access: 'protected', constraints: [], version: null, latest_version: null, deprecation_date: null, primary_key: primaryKey(project, n.uniqueId), time_spine: null };
  }
  if (n.resourceType === 'test' && n.testMetadata) {
    return {
      ...entry,
      column_name: n.columnName ?? null,
      file_key_name: fileKeyName(n),
      attached_node: n.attachedNode?.startsWith('source.') ? null : n.attachedNode ?? null,
      test_metadata: { name: n.testMetadata.name, kwargs: n.testMetadata.kwargs, namespace: n.testMetadata.namespace },
    };
  }
  return entry;
}

/** dbt's `file_key_name` of a generic test: `models.<name>`, `seeds.<name>` or `sources.<source>`. */
function fileKeyName(n: TestNode): string | null {
  const attached = n.attachedNode;
  if (!attached) return null;
  const [kind, , ...rest] = attached.split('.');
  return kind === 'source' ? `sources.${rest[0]}` : `${kind}s.${rest.join('.')}`;
}
