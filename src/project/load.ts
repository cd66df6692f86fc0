/**
 * `loadProject`: reads a dbt project (dbt_project.yml, profiles.yml, models, seeds, macros,
 * tests, properties yml), parses every node (dbt's parse phase) and returns the Project with
 * final configs, dependencies and relations. Every user mistake is a ConfigError or
 * CompileError naming the file, line and key.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { didYouMean } from '../didYouMean.js';
import { ConfigError } from '../errors.js';
import { mergeConfig, treeConfigLayers, unusedConfigPaths } from './configMerge.js';
import { findFiles, fqnOf, lineOf, type FoundFile } from './discover.js';
import { genericTestKwargs, genericTestNames, genericTestRawCode, genericTestTemplate, testIdHash, TEST_ARGS_NAME, type TestTarget } from './genericTests.js';
import { parseMacroFile, type MacroFile } from './jinja/macroFile.js';
import { targetObject } from './jinja/dbtContext.js';
import { JinjaRenderer } from './jinja/renderer.js';
import { finalizeConfig } from './nodeConfig.js';
import { parseRender, type ParseResult } from './parseRender.js';
import { findProfilesFile, loadProfileTarget } from './profiles.js';
import { readProjectFile, renderProjectConfigs, type ProjectSettings } from './projectFile.js';
import { parsePropertiesFile, type NodePatch, type TestDecl } from './propertiesFile.js';
import { relationNamer, type RelationNamer } from './nameMacros.js';
import { nodeRelation, quoteIdentifier } from './relationName.js';
import type { LoadOptions, ModelNode, NodeConfig, Project, ProjectNode, Relation, SeedNode, SnapshotNode, SourceNode, TestNode } from './types.js';
import { YamlFile } from './yamlFile.js';

/** What compile needs beyond the Project: the renderer and each node's template and extra names. */
export interface ProjectInternals {
  readonly renderer: JinjaRenderer;
  readonly templates: ReadonlyMap<string, { readonly source: string; readonly file: string; readonly extra?: Record<string, unknown> }>;
  /** The environment `env_var()` reads (LoadOptions.env or process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

const internals = new WeakMap<Project, ProjectInternals>();

/** The renderer and templates of a project returned by loadProject. Throws for other objects. */
export function projectInternals(project: Project): ProjectInternals {
  const i = internals.get(project);
  if (!i) throw new Error('projectInternals: not a project returned by loadProject');
  return i;
}

const read = (f: FoundFile): string => readFileSync(f.absPath, 'utf8');
const stem = (p: string): string => basename(p).replace(/\.[^.]+$/, '');

interface Draft {
  node: Omit<ProjectNode, 'dependsOn' | 'refs' | 'sources'>;
  parsed: ParseResult;
  /** Where to point an unknown ref. */
  refLoc: (ref: string) => { file: string; line?: number; key?: string };
}

/**
 * Loads and parses the project. Throws ConfigError for bad yml/settings and unknown refs,
 * CompileError for template errors.
 */
export function loadProject(opts: LoadOptions = {}): Project {
  const root = resolve(opts.projectDir ?? '.');
  const env = opts.env ?? process.env;
  const projectFile = readProjectFile(root);
  const vars = { ...projectFile.vars, ...opts.vars };
  const yscope = { env, vars };
  const profiles = findProfilesFile({ projectDir: root, env, ...(opts.profilesDir ? { profilesDir: opts.profilesDir } : {}) });
  const target = loadProfileTarget(profiles, projectFile.profile, opts.target, yscope);
  const settings = renderProjectConfigs(projectFile, { ...yscope, target: targetObject(target, projectFile.profile) });
  const name = settings.name;

  const macroFiles: MacroFile[] = findFiles(root, settings.paths.macro, ['.sql']).map((f) => parseMacroFile(read(f), f.relPath, name));
  const singularFiles: FoundFile[] = [];
  for (const f of findFiles(root, settings.paths.test, ['.sql'])) {
    const text = read(f);
    if (/\{%-?\s*(test|macro)\s/.test(text)) macroFiles.push(parseMacroFile(text, f.relPath, name));
    else singularFiles.push(f);
  }
  const renderer = new JinjaRenderer(macroFiles, target.type, name);
  const templates = new Map<string, { source: string; file: string; extra?: Record<string, unknown> }>();
  const base = { renderer, projectName: name, profileName: settings.profile, target, vars, env, ...(opts.warnError ? { warnError: true } : {}) };
  const nameOf = relationNamer(base);

  const modelPatches = new Map<string, NodePatch>();
  const seedPatches = new Map<string, NodePatch>();
  const snapshotPatches = new Map<string, NodePatch>();
  const sourceDecls = [];
  const ymlFolderPath = new Map<YamlFile, FoundFile>();
  for (const f of findFiles(root, [...settings.paths.model, ...settings.paths.seed, ...settings.snapshotPaths], ['.yml', '.yaml'])) {
    const yf = YamlFile.read(f.absPath, f.relPath, undefined, 'pyyaml');
    ymlFolderPath.set(yf, f);
    const props = parsePropertiesFile(yf, yscope);
    for (const [list, map] of [[props.models, modelPatches], [props.seeds, seedPatches], [props.snapshots, snapshotPatches]] as const) {
      for (const p of list) {
        const prev = map.get(p.name);
        if (prev) throw p.file.error(`'${p.name}' is documented twice (also in ${prev.file.displayPath})`, [...p.keyPath, 'name']);
        map.set(p.name, p);
      }
    }
    sourceDecls.push(...props.sources);
  }

  const drafts: Draft[] = [];
  const sourceNodes: SourceNode[] = [];

  // every model's and seed's fqn, enabled or not: what config paths and yml entries may name
  const fqns = new Map<'model' | 'seed', string[][]>([['model', []], ['seed', []]]);
  /** Adds the draft of a model: from its file, or the inline SQL of `stratum show --inline` (dbt's inline_query). */
  const addModel = (f: { relPath: string; pathInFolder: string }, nm: string, rawCode: string, uniqueId: string): void => {
    const fqn = fqnOf(name, f.pathInFolder, nm);
    const patch = modelPatches.get(nm);
    const baseConfig = mergeConfig(...treeConfigLayers(settings.models, fqn), patch?.config);
    const parsed = parseRender({ ...base, node: { uniqueId, name: nm, resourceType: 'model', originalFilePath: f.relPath }, baseConfig, thisRelation: nodeRelation(nm, baseConfig, target), source: rawCode, file: f.relPath });
    const config = finalizeConfig(mergeConfig(baseConfig, parsed.inFileConfig), 'model', { file: f.relPath });
    if (!config.enabled) return;
    templates.set(uniqueId, { source: rawCode, file: f.relPath });
    const node: Omit<ModelNode, 'dependsOn' | 'refs' | 'sources'> = {
      uniqueId, resourceType: 'model', name: nm, packageName: name, originalFilePath: f.relPath, path: f.pathInFolder, fqn, rawCode, config,
      description: patch?.description ?? '', columns: patch?.columns ?? {},
      relation: nameOf({ uniqueId, name: nm, resourceType: 'model', packageName: name, originalFilePath: f.relPath, path: f.pathInFolder, fqn }, config),
      ...(patch ? { patchPath: patch.file.displayPath } : {}),
    };
    drafts.push({ node, parsed, refLoc: (r) => ({ file: f.relPath, line: lineOf(rawCode, r) }) });
  };
  for (const f of findFiles(root, settings.paths.model, ['.sql'])) {
    const nm = stem(f.relPath);
    fqns.get('model')!.push(fqnOf(name, f.pathInFolder, nm));
    addModel(f, nm, read(f), `model.${name}.${nm}`);
  }
  if (opts.inline !== undefined) addModel({ relPath: INLINE_FILE, pathInFolder: 'inline_query.sql' }, 'inline_query', opts.inline, inlineQueryId(name));

  for (const f of findFiles(root, settings.paths.seed, ['.csv'])) {
    const nm = stem(f.relPath);
    const fqn = fqnOf(name, f.pathInFolder, nm);
    fqns.get('seed')!.push(fqn);
    const patch = seedPatches.get(nm);
    const config = finalizeConfig(mergeConfig(...treeConfigLayers(settings.seeds, fqn), patch?.config), 'seed', { file: patch?.file.displayPath ?? 'dbt_project.yml' });
    if (!config.enabled) continue;
    const uniqueId = `seed.${name}.${nm}`;
    const node: Omit<SeedNode, 'dependsOn' | 'refs' | 'sources'> = {
      uniqueId, resourceType: 'seed', name: nm, packageName: name, originalFilePath: f.relPath, path: f.pathInFolder, fqn, rawCode: '', config,
      description: patch?.description ?? '', columns: patch?.columns ?? {}, absolutePath: f.absPath,
      relation: nameOf({ uniqueId, name: nm, resourceType: 'seed', packageName: name, originalFilePath: f.relPath, path: f.pathInFolder, fqn }, config),
      ...(patch ? { patchPath: patch.file.displayPath } : {}),
    };
    drafts.push({ node, parsed: { inFileConfig: {}, refs: [], sources: [], macros: [], logs: [] }, refLoc: () => ({ file: f.relPath }) });
  }

  for (const d of sourceDecls) {
    const fqnFolders = fqnOf(name, ymlFolderPath.get(d.file)?.pathInFolder ?? '', d.sourceName);
    const fqn = [...fqnFolders, d.tableName];
    const config = finalizeConfig(mergeConfig(...treeConfigLayers(settings.sources, [name, d.sourceName, d.tableName]), d.config), 'source', d.file.loc(d.keyPath));
    if (!config.enabled) continue;
    const relation = { database: d.database ?? target.database, schema: d.schema, identifier: d.identifier };
    const ext = d.meta.external_location ?? d.config.external_location;
    sourceNodes.push({
      uniqueId: `source.${name}.${d.sourceName}.${d.tableName}`, resourceType: 'source', name: d.tableName, packageName: name,
      originalFilePath: d.file.displayPath, path: ymlFolderPath.get(d.file)?.pathInFolder ?? d.file.displayPath, fqn, rawCode: '', config,
      dependsOn: { nodes: [], macros: [] }, refs: [], sources: [], description: d.description, columns: d.columns, patchPath: d.file.displayPath,
      sourceName: d.sourceName, identifier: d.identifier, relation, meta: d.meta, sourceDescription: d.sourceDescription,
      ...(typeof ext === 'string' ? { externalLocation: ext.replace(/\{(name|identifier|schema|source_name)\}/g, (_m, k: string) => (k === 'name' ? d.tableName : k === 'identifier' ? d.identifier : k === 'schema' ? d.schema : d.sourceName)) } : {}),
      ...(d.loadedAtField ? { loadedAtField: d.loadedAtField } : {}),
      ...(d.freshness ? { freshness: d.freshness } : {}),
    });
  }

  /** Adds a snapshot: a `{% snapshot %}` block, or a `snapshots:` entry with a `relation:` (its body `select * from {{ relation }}`). */
  const snapshotNames: string[] = [];
  const addSnapshot = (nm: string, body: string, file: string, path: string, fqn: string[], loc: { file: string; line?: number; key?: string }, bodyLine: number): void => {
    snapshotNames.push(nm);
    const uniqueId = `snapshot.${name}.${nm}`;
    const patch = snapshotPatches.get(nm);
    const baseConfig = mergeConfig(...treeConfigLayers(settings.snapshots, fqn), patch?.config);
    const parsed = parseRender({ ...base, node: { uniqueId, name: nm, resourceType: 'snapshot', originalFilePath: file }, baseConfig, source: body, file });
    const config = finalizeConfig(mergeConfig(baseConfig, parsed.inFileConfig), 'snapshot', loc);
    if (!config.enabled) return;
    templates.set(uniqueId, { source: body, file });
    const info = { uniqueId, name: nm, resourceType: 'snapshot' as const, packageName: name, originalFilePath: file, path, fqn };
    const node: Omit<SnapshotNode, 'dependsOn' | 'refs' | 'sources'> = {
      ...info, rawCode: body, config, description: patch?.description ?? '', columns: patch?.columns ?? {}, relation: snapshotRelation(nameOf, info, config),
      ...(patch ? { patchPath: patch.file.displayPath } : {}),
    };
    drafts.push({ node, parsed, refLoc: (r) => (patch?.relation ? patch.file.loc([...patch.keyPath, 'relation']) : { file, line: bodyLine - 1 + lineOf(body, r) }) });
  };
  for (const f of findFiles(root, settings.snapshotPaths, ['.sql'])) {
    const text = read(f);
    for (const block of snapshotBlocks(text, f.relPath)) {
      // dbt's fqn of a snapshot: its file's folders and name, then the snapshot's
      const loc = { file: f.relPath, line: block.line };
      addSnapshot(block.name, block.body, f.relPath, f.pathInFolder, [...fqnOf(name, f.pathInFolder, stem(f.relPath)), block.name], loc, block.line);
    }
  }
  for (const p of snapshotPatches.values()) {
    if (!p.relation) continue;
    const folder = ymlFolderPath.get(p.file)!;
    if (snapshotNames.includes(p.name)) throw p.file.error(`snapshot '${p.name}' is defined twice: here and by a {% snapshot %} block`, [...p.keyPath, 'name']);
    // as dbt 1.9 names a YAML snapshot: path `<file>/<name>.sql`, fqn of the file's folders and the name
    addSnapshot(p.name, `select * from {{ ${p.relation} }}`, p.file.displayPath, `${folder.pathInFolder}/${p.name}.sql`, fqnOf(name, folder.pathInFolder, p.name), p.file.loc(p.keyPath), 1);
  }

  for (const f of singularFiles) {
    const nm = stem(f.relPath);
    const fqn = fqnOf(name, f.pathInFolder, nm);
    const baseConfig = mergeConfig(...treeConfigLayers(settings.tests, fqn));
    const rawCode = read(f);
    const uniqueId = `test.${name}.${nm}`;
    const parsed = parseRender({ ...base, node: { uniqueId, name: nm, resourceType: 'test', originalFilePath: f.relPath }, baseConfig, source: rawCode, file: f.relPath });
    const config = finalizeConfig(mergeConfig(baseConfig, parsed.inFileConfig), 'test', { file: f.relPath });
    if (!config.enabled) continue;
    templates.set(uniqueId, { source: rawCode, file: f.relPath });
    const node: Omit<TestNode, 'dependsOn' | 'refs' | 'sources'> = {
      uniqueId, resourceType: 'test', name: nm, packageName: name, originalFilePath: f.relPath, path: f.pathInFolder, fqn, rawCode, config,
      description: '', columns: {}, relation: testRelation(nameOf, { uniqueId, name: nm, resourceType: 'test', packageName: name, originalFilePath: f.relPath, path: f.pathInFolder, fqn }, config),
    };
    drafts.push({ node, parsed, refLoc: (r) => ({ file: f.relPath, line: lineOf(rawCode, r) }) });
  }

  // Generic tests attach to enabled models, seeds and sources.
  const enabled = new Set([...drafts.map((d) => d.node.uniqueId), ...sourceNodes.map((s) => s.uniqueId)]);
  const attachments: { decl: TestDecl; target: TestTarget; attachedId: string }[] = [];
  for (const [kind, patches] of [['model', modelPatches], ['seed', seedPatches], ['snapshot', snapshotPatches]] as const) {
    for (const p of patches.values()) for (const decl of p.tests) attachments.push({ decl, target: { kind, name: p.name }, attachedId: `${kind}.${name}.${p.name}` });
  }
  for (const d of sourceDecls) for (const decl of d.tests) attachments.push({ decl, target: { kind: 'source', sourceName: d.sourceName, tableName: d.tableName }, attachedId: `source.${name}.${d.sourceName}.${d.tableName}` });
  for (const { decl, target: tt, attachedId } of attachments) {
    if (!enabled.has(attachedId)) continue;
    const draft = genericTestDraft(decl, tt, attachedId, settings, base, nameOf, templates, ymlFolderPath);
    if (draft) drafts.push(draft);
  }

  const warnings = [...settings.warnings];
  for (const [kind, patches] of [['model', modelPatches], ['seed', seedPatches], ['snapshot', snapshotPatches]] as const) {
    const names = kind === 'snapshot' ? snapshotNames : fqns.get(kind)!.map((f) => f[f.length - 1]!);
    for (const p of patches.values()) {
      if (!names.includes(p.name)) warnings.push(p.file.error(`no ${kind} named '${p.name}': its properties and tests apply to nothing${didYouMean(p.name, names)}`, [...p.keyPath, 'name']).message);
    }
  }
  for (const [kind, tree] of [['model', settings.models], ['seed', settings.seeds]] as const) {
    const key = `${kind}s`;
    for (const p of unusedConfigPaths(tree, fqns.get(kind)!)) warnings.push(settings.file.error(`${[key, ...p].join('.')} applies to no ${kind} (an unused configuration path)`, [key, ...p]).message);
  }

  const project = { ...resolveDependencies(settings, root, vars, target, drafts, sourceNodes, renderer), warnings, parseLogs: drafts.flatMap((d) => d.parsed.logs),
    ...(opts.warnError ? { warnError: true } : {}), ...(opts.vars ? { cliVars: opts.vars } : {}),
  };
  internals.set(project, { renderer, templates, env });
  return project;
}

/** The file name errors in `--inline` SQL name. */
const INLINE_FILE = '<inline>';

/** The unique id of `--inline` SQL in a project: dbt's `sql_operation.<project>.inline_query`. */
export function inlineQueryId(projectName: string): string {
  return `sql_operation.${projectName}.inline_query`;
}

/**
 * The `{% snapshot name %} ... {% endsnapshot %}` blocks of a snapshot file: each one's name, its
 * body (the snapshot's SQL, dbt's raw_code) and the line the body starts on. Throws ConfigError at
 * the line of a block left open.
 */
export function snapshotBlocks(text: string, file: string): { name: string; body: string; line: number }[] {
  const out: { name: string; body: string; line: number }[] = [];
  const open = /\{%-?\s*snapshot\s+([A-Za-z_]\w*)\s*-?%\}/g;
  for (let m = open.exec(text); m; m = open.exec(text)) {
    const start = m.index + m[0].length;
    const close = /\{%-?\s*endsnapshot\s*-?%\}/g;
    close.lastIndex = start;
    const end = close.exec(text);
    if (!end) throw new ConfigError(`snapshot '${m[1]}' has no {% endsnapshot %}`, { file, line: lineOf(text, m[0]) });
    out.push({ name: m[1]!, body: text.slice(start, end.index), line: text.slice(0, start).split('\n').length });
    open.lastIndex = end.index + end[0].length;
  }
  return out;
}

/**
 * Where a snapshot is built: `target_schema` / `target_database` as written (dbt's legacy configs,
 * no naming macro), else the schema and database of its `schema` / `database` configs through the
 * same naming as models.
 */
function snapshotRelation(nameOf: RelationNamer, node: Parameters<RelationNamer>[0], config: NodeConfig): Relation {
  const rel = nameOf(node, config);
  const c = config as unknown as Record<string, unknown>;
  return {
    ...rel,
    ...(typeof c.target_schema === 'string' ? { schema: c.target_schema } : {}),
    ...(typeof c.target_database === 'string' ? { database: c.target_database } : {}),
  };
}

/**
 * Where a test stores its failures: dbt's default schema for tests, `dbt_test__audit`, unless its
 * config sets `schema` (or `database`, `alias`), through the same naming as models.
 */
function testRelation(nameOf: RelationNamer, node: Parameters<RelationNamer>[0], config: NodeConfig): Relation {
  return nameOf(node, { ...config, schema: typeof config.schema === 'string' ? config.schema : 'dbt_test__audit' });
}

/** The draft of a generic test node, or undefined when its config disables it. */
function genericTestDraft(
  declared: TestDecl, tt: TestTarget, attachedId: string, settings: ProjectSettings,
  base: Omit<Parameters<typeof parseRender>[0], 'node' | 'baseConfig' | 'source' | 'file'>, nameOf: RelationNamer,
  templates: Map<string, { source: string; file: string; extra?: Record<string, unknown> }>, ymlFolderPath: Map<YamlFile, FoundFile>,
): Draft | undefined {
  // a quoted column is passed to the test, and named in it, quoted (dbt's adapter.quote)
  const decl = declared.columnQuoted && declared.columnName !== undefined ? { ...declared, columnName: quoteIdentifier(declared.columnName, base.target.type) } : declared;
  const name = settings.name;
  const file = decl.file.displayPath;
  const loc = decl.file.loc(decl.keyPath);
  if (!base.renderer.macros.has(`test_${decl.testName}`)) {
    throw new ConfigError(`unknown test '${decl.namespace ? `${decl.namespace}.` : ''}${decl.testName}': no {% test ${decl.testName} %} block or macro test_${decl.testName} found`, loc);
  }
  for (const k of Object.keys(decl.args)) if (!/^[A-Za-z_]\w*$/.test(k)) throw new ConfigError(`test argument '${k}' is not a valid name`, loc);
  // an argument the test does not take is a typo (dbt: "takes no keyword argument"), unless the
  // test reads Jinja's catch-all `kwargs`
  const macro = base.renderer.macros.get(`test_${decl.testName}`)!;
  if (!macro.catchAllKwargs) {
    for (const k of Object.keys(decl.args)) {
      if (!macro.arguments.includes(k)) {
        const takes = macro.arguments.filter((a) => a !== 'model' && a !== 'column_name');
        throw new ConfigError(`test '${decl.testName}' takes no argument '${k}'${didYouMean(k, takes)} (it takes ${takes.length > 0 ? takes.join(', ') : 'none'})`, loc);
      }
    }
  }
  const names = genericTestNames(decl, tt);
  const { name: testName, shortName } = names;
  const testMetadata = { name: decl.testName, kwargs: genericTestKwargs(decl, tt), namespace: decl.namespace };
  const uniqueId = `test.${name}.${testName}.${testIdHash(testName, testMetadata)}`;
  const fqn = fqnOf(name, ymlFolderPath.get(decl.file)?.pathInFolder ?? '', testName);
  const baseConfig = mergeConfig(...treeConfigLayers(settings.tests, fqn), { tags: decl.inheritedTags }, decl.config);
  const args = { ...(decl.columnName !== undefined ? { column_name: decl.columnName } : {}), ...decl.args };
  const source = genericTestTemplate(decl, tt);
  const extra = { [TEST_ARGS_NAME]: args };
  const parsed = parseRender({ ...base, node: { uniqueId, name: testName, resourceType: 'test', originalFilePath: file }, baseConfig, source, file, extra });
  const config = finalizeConfig(mergeConfig(baseConfig, parsed.inFileConfig), 'test', loc);
  if (!config.enabled) return undefined;
  templates.set(uniqueId, { source, file, extra });
  const node: Omit<TestNode, 'dependsOn' | 'refs' | 'sources'> = {
    uniqueId, resourceType: 'test', name: testName, packageName: name, originalFilePath: file, path: `${shortName}.sql`, fqn,
    rawCode: genericTestRawCode(decl, names), config, description: '', columns: {},
    testMetadata, attachedNode: attachedId,
    ...(decl.columnName !== undefined ? { columnName: decl.columnName } : {}),
    relation: testRelation(nameOf, { uniqueId, name: shortName, resourceType: 'test', packageName: name, originalFilePath: file, path: `${shortName}.sql`, fqn }, config),
  };
  return { node, parsed, refLoc: () => loc };
}

function resolveDependencies(
  settings: ProjectSettings, root: string, vars: Record<string, unknown>, target: Project['target'],
  drafts: Draft[], sourceNodes: SourceNode[], renderer: JinjaRenderer,
): Omit<Project, 'warnings'> {
  const byName = new Map<string, string>();
  for (const d of drafts) {
    if (d.node.resourceType !== 'model' && d.node.resourceType !== 'seed' && d.node.resourceType !== 'snapshot') continue;
    const prev = byName.get(d.node.name);
    if (prev) throw new ConfigError(`two resources are named '${d.node.name}' (${prev} and ${d.node.uniqueId}); names must be unique`, { file: d.node.originalFilePath });
    byName.set(d.node.name, d.node.uniqueId);
  }
  const sourceIds = new Map(sourceNodes.map((s) => [`${s.sourceName}.${s.name}`, s.uniqueId]));
  const nodes = new Map<string, ProjectNode>();
  for (const s of sourceNodes) nodes.set(s.uniqueId, s);
  for (const d of drafts) {
    const deps: string[] = [];
    for (const r of d.parsed.refs) {
      const refName = r[r.length - 1] ?? '';
      if (r.length === 2 && r[0] !== settings.name) throw new ConfigError(`ref('${r[0]}', '${refName}'): package '${r[0]}' is not installed`, d.refLoc(refName));
      const id = byName.get(refName);
      if (!id) throw new ConfigError(`ref('${refName}') refers to a model, seed or snapshot that does not exist or is disabled`, d.refLoc(refName));
      if (!deps.includes(id)) deps.push(id);
    }
    for (const [s, t] of d.parsed.sources) {
      const id = sourceIds.get(`${s}.${t}`);
      if (!id) throw new ConfigError(`source('${s}', '${t}') is not declared in any sources: yml`, d.refLoc(t));
      if (!deps.includes(id)) deps.push(id);
    }
    nodes.set(d.node.uniqueId, { ...d.node, refs: d.parsed.refs, sources: d.parsed.sources, dependsOn: { nodes: deps, macros: d.parsed.macros } } as ProjectNode);
  }
  return { name: settings.name, profileName: settings.profile, rootDir: root, paths: settings.paths, vars, target, nodes, macros: renderer.macros,
    onRunStart: settings.onRunStart, onRunEnd: settings.onRunEnd, skipNodesIfOnRunStartFails: settings.skipNodesIfOnRunStartFails };
}
