/**
 * Reads a dbt properties file (`version: 2` yml beside models): `models:` and `seeds:` entries
 * (description, config, columns, tests / data_tests) and `sources:` with their tables, meta,
 * loaded_at_field and freshness. Returns plain declarations; load.ts turns them into nodes.
 */
import { asTags } from './configMerge.js';
import type { ColumnConstraint, ColumnDoc, FreshnessPolicy } from './types.js';
import { isRecord, type KeyPath, type YamlFile } from './yamlFile.js';
import { renderYamlValue, type YamlTemplateScope } from './yamlTemplating.js';

/** A test declared in yml, before it becomes a node. */
export interface TestDecl {
  /** The generic test's name without namespace (`unique`, `accepted_values`, a custom test). */
  readonly testName: string;
  readonly namespace: string | null;
  /** Arguments besides `model`/`column_name`, as written. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly config: Readonly<Record<string, unknown>>;
  readonly columnName?: string;
  /** The column is quoted (its `quote: true`, or the entry's `quote_columns`): the test gets its quoted name. */
  readonly columnQuoted?: boolean;
  /** Tags dbt gives the test from where it is declared: its column's, and a source's and its table's. */
  readonly inheritedTags: readonly string[];
  /** An explicit `name:` for the test. */
  readonly explicitName?: string;
  readonly file: YamlFile;
  readonly keyPath: KeyPath;
}

/** A `models:`, `seeds:` or `snapshots:` entry. */
export interface NodePatch {
  readonly name: string;
  /**
   * A `snapshots:` entry's `relation:` (`ref('orders')`, `source('shop', 'orders')`): the entry
   * defines a snapshot of it (dbt 1.9's YAML snapshots) instead of describing a `{% snapshot %}` block.
   */
  readonly relation?: string;
  readonly description: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly columns: Record<string, ColumnDoc>;
  readonly tests: readonly TestDecl[];
  readonly file: YamlFile;
  readonly keyPath: KeyPath;
}

/** One table of a `sources:` entry, with the source-level settings folded in. */
export interface SourceDecl {
  readonly sourceName: string;
  readonly tableName: string;
  readonly identifier: string;
  readonly schema: string;
  readonly database?: string;
  readonly description: string;
  readonly sourceDescription: string;
  readonly meta: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  readonly loadedAtField?: string;
  readonly freshness?: FreshnessPolicy;
  readonly columns: Record<string, ColumnDoc>;
  readonly tests: readonly TestDecl[];
  readonly file: YamlFile;
  readonly keyPath: KeyPath;
}

/** Everything one properties file declares. */
export interface PropertiesFile {
  readonly models: NodePatch[];
  readonly seeds: NodePatch[];
  readonly snapshots: NodePatch[];
  readonly sources: SourceDecl[];
}

/** Keys of a test entry that are config, not arguments (dbt moves them into config). */
const TEST_CONFIG_KEYS = new Set(['severity', 'tags', 'enabled', 'where', 'limit', 'warn_if', 'error_if', 'store_failures', 'store_failures_as', 'fail_calc', 'meta', 'alias', 'schema', 'database']);

/** What tests declared under an entry or a column take from where they are declared. */
interface TestScope {
  readonly columnName?: string;
  readonly columnQuoted?: boolean;
  readonly inheritedTags: readonly string[];
}

/** A test mapping's name and body: `{name: {args}}`, or `{test_name: name, ...args}`. Throws ConfigError at `p` for another shape. */
function testBody(entry: Record<string, unknown>, yf: YamlFile, p: KeyPath): { full: string; body: Record<string, unknown> } {
  if (typeof entry.test_name === 'string') {
    const body = { ...entry };
    delete body.test_name;
    return { full: entry.test_name, body };
  }
  const keys = Object.keys(entry);
  if (keys.length !== 1) throw yf.error(`a test mapping must have exactly one key (the test name), got ${keys.join(', ')}`, p);
  const full = keys[0] as string;
  const v = entry[full];
  if (v !== null && v !== undefined && !isRecord(v)) throw yf.error(`arguments of test '${full}' must be a mapping`, [...p, full]);
  return { full, body: { ...(v ?? {}) } };
}

function parseTests(list: unknown, yf: YamlFile, path: KeyPath, scope: TestScope): TestDecl[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw yf.error('tests must be a list', path);
  const { columnQuoted, inheritedTags } = scope;
  const under = { inheritedTags, ...(columnQuoted ? { columnQuoted } : {}) };
  return list.map((entry, i): TestDecl => {
    const p = [...path, i];
    let columnName = scope.columnName;
    if (typeof entry === 'string') {
      const [ns, name] = entry.includes('.') ? (entry.split('.', 2) as [string, string]) : [null, entry];
      return { testName: name, namespace: ns, args: {}, config: {}, file: yf, keyPath: p, ...under, ...(columnName !== undefined ? { columnName } : {}) };
    }
    if (!isRecord(entry)) throw yf.error('a test must be a name or a mapping {test_name: {arguments}}', p);
    const { full, body } = testBody(entry, yf, p);
    // the arguments reach the test's template, its name and its id: floats as Python's (1.0 is '1.0')
    const pyBody = testBody(yf.pythonValueAt(p) as Record<string, unknown>, yf, p).body;
    const [ns, name] = full.includes('.') ? (full.split('.', 2) as [string, string]) : [null, full];
    const config: Record<string, unknown> = isRecord(body.config) ? { ...body.config } : {};
    const args: Record<string, unknown> = isRecord(pyBody.arguments) ? { ...pyBody.arguments } : {};
    let explicitName: string | undefined;
    for (const [k, v] of Object.entries(body)) {
      if (k === 'config' || k === 'arguments') continue;
      if (k === 'name') explicitName = String(v);
      else if (TEST_CONFIG_KEYS.has(k)) config[k] = v;
      else args[k] = pyBody[k];
    }
    if (typeof args.column_name === 'string' && columnName === undefined) columnName = args.column_name;
    delete args.column_name;
    return { testName: name, namespace: ns, args, config, file: yf, keyPath: p, ...under, ...(columnName !== undefined ? { columnName } : {}), ...(explicitName ? { explicitName } : {}) };
  });
}

/** The key an entry's tests are under, `data_tests` or `tests`; both at once is an error, as in dbt. */
function testsKey(entry: Record<string, unknown>, yf: YamlFile, path: KeyPath): 'data_tests' | 'tests' {
  if (entry.data_tests !== undefined && entry.tests !== undefined) throw yf.error("has both 'tests' and 'data_tests'; keep one ('data_tests' is dbt's name now)", [...path, 'tests']);
  return entry.data_tests !== undefined ? 'data_tests' : 'tests';
}

const CONSTRAINT_TYPES = ['check', 'not_null', 'unique', 'primary_key', 'foreign_key', 'custom'] as const;

/** A column's `constraints:` list: each a mapping with a known `type` and an optional `expression`. */
function parseConstraints(list: unknown, yf: YamlFile, path: KeyPath): ColumnConstraint[] {
  if (!Array.isArray(list)) throw yf.error('constraints must be a list', path);
  return list.map((c, i) => {
    const type = isRecord(c) ? c.type : undefined;
    if (!CONSTRAINT_TYPES.includes(type as ColumnConstraint['type'])) throw yf.error(`constraint type must be one of ${CONSTRAINT_TYPES.join(', ')}, got ${JSON.stringify(type)}`, [...path, i, 'type']);
    const expression = (c as Record<string, unknown>).expression;
    return { type: type as ColumnConstraint['type'], ...(expression !== undefined && expression !== null ? { expression: String(expression) } : {}) };
  });
}

/**
 * Reads `columns:`, adding their tests to `tests`. A column's tests get its tags (and its config's)
 * besides `inheritedTags`, and its name quoted when it has `quote: true` or, without `quote:`,
 * when `quoteColumns` (the entry's `quote_columns`) is true, as dbt's parser does.
 */
function parseColumns(list: unknown, yf: YamlFile, path: KeyPath, tests: TestDecl[], entry: { quoteColumns: boolean; inheritedTags: readonly string[] }): Record<string, ColumnDoc> {
  const out: Record<string, ColumnDoc> = {};
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw yf.error('columns must be a list', path);
  list.forEach((c, i) => {
    if (!isRecord(c) || typeof c.name !== 'string') throw yf.error('a column needs a name:', [...path, i]);
    out[c.name] = {
      name: c.name, description: String(c.description ?? ''), meta: isRecord(c.meta) ? c.meta : {}, tags: Array.isArray(c.tags) ? c.tags.map(String) : [],
      ...(c.data_type !== undefined ? { data_type: String(c.data_type) } : {}),
      ...(c.constraints !== undefined && c.constraints !== null ? { constraints: parseConstraints(c.constraints, yf, [...path, i, 'constraints']) } : {}),
    };
    const key = testsKey(c, yf, [...path, i]);
    const inheritedTags = [...entry.inheritedTags, ...asTags(c.tags), ...asTags(isRecord(c.config) ? c.config.tags : undefined)];
    const columnQuoted = c.quote === true || ((c.quote === undefined || c.quote === null) && entry.quoteColumns);
    tests.push(...parseTests(c[key], yf, [...path, i, key], { columnName: c.name, columnQuoted, inheritedTags }));
  });
  return out;
}

function parsePatches(list: unknown, yf: YamlFile, key: 'models' | 'seeds' | 'snapshots'): NodePatch[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw yf.error(`${key} must be a list`, [key]);
  return list.map((m, i) => {
    const p = [key, i];
    if (!isRecord(m) || typeof m.name !== 'string') throw yf.error(`each entry of ${key} needs a name:`, p);
    if (m.config !== undefined && !isRecord(m.config)) throw yf.error('config must be a mapping', [...p, 'config']);
    const tests: TestDecl[] = [];
    const columns = parseColumns(m.columns, yf, [...p, 'columns'], tests, { quoteColumns: m.quote_columns === true, inheritedTags: [] });
    const tkey = testsKey(m, yf, p);
    tests.push(...parseTests(m[tkey], yf, [...p, tkey], { inheritedTags: [] }));
    if (m.relation !== undefined && (key !== 'snapshots' || typeof m.relation !== 'string' || !/^\s*(ref|source)\s*\(.*\)\s*$/s.test(m.relation))) {
      throw yf.error(key === 'snapshots' ? "relation must be a ref('...') or source('...', '...') call" : `a ${key.slice(0, -1)} entry takes no relation:`, [...p, 'relation']);
    }
    return {
      name: m.name, description: String(m.description ?? ''), config: (m.config as Record<string, unknown>) ?? {}, columns, tests, file: yf, keyPath: p,
      ...(typeof m.relation === 'string' ? { relation: m.relation.trim() } : {}),
    };
  });
}

function parseFreshness(v: unknown, yf: YamlFile, path: KeyPath): FreshnessPolicy | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw yf.error('freshness must be a mapping with warn_after / error_after', path);
  const rule = (k: 'warn_after' | 'error_after') => {
    const r = v[k];
    if (r === undefined || r === null) return undefined;
    if (!isRecord(r) || !Number.isFinite(Number(r.count)) || !['minute', 'hour', 'day'].includes(String(r.period))) {
      throw yf.error(`${k} needs count: <number> and period: minute|hour|day`, [...path, k]);
    }
    return { count: Number(r.count), period: String(r.period) as 'minute' | 'hour' | 'day' };
  };
  const warn = rule('warn_after');
  const err = rule('error_after');
  return { ...(warn ? { warn_after: warn } : {}), ...(err ? { error_after: err } : {}), ...(typeof v.filter === 'string' ? { filter: v.filter } : {}) };
}

function parseSources(list: unknown, yf: YamlFile, scope: YamlTemplateScope): SourceDecl[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw yf.error('sources must be a list', ['sources']);
  const out: SourceDecl[] = [];
  list.forEach((raw, i) => {
    const p = ['sources', i];
    if (!isRecord(raw) || typeof raw.name !== 'string') throw yf.error('each source needs a name:', p);
    const s = renderYamlValue({ ...raw, tables: undefined }, scope, yf, p) as Record<string, unknown>;
    if (!Array.isArray(raw.tables)) throw yf.error(`source '${raw.name}' needs a list of tables:`, [...p, 'tables']);
    const srcFresh = parseFreshness(s.freshness, yf, [...p, 'freshness']);
    raw.tables.forEach((rawT: unknown, j: number) => {
      const tp = [...p, 'tables', j];
      if (!isRecord(rawT) || typeof rawT.name !== 'string') throw yf.error('each source table needs a name:', tp);
      const t = renderYamlValue({ ...rawT, columns: undefined, tests: undefined, data_tests: undefined }, scope, yf, tp) as Record<string, unknown>;
      // a source's and its table's tags (top-level and config) are the source node's; the top-level
      // ones are also its tests', with their column's, as in dbt
      const inheritedTags = [...asTags(s.tags), ...asTags(t.tags)];
      const quoting = (q: unknown): unknown => (isRecord(q) ? q.column : undefined);
      const quoteColumns = (quoting(t.quoting) ?? quoting(s.quoting)) === true;
      const tests: TestDecl[] = [];
      const columns = parseColumns(rawT.columns, yf, [...tp, 'columns'], tests, { quoteColumns, inheritedTags });
      const tkey = testsKey(rawT, yf, tp);
      tests.push(...parseTests(rawT[tkey], yf, [...tp, tkey], { inheritedTags }));
      const srcConfig = isRecord(s.config) ? s.config : {};
      const tableConfig = isRecord(t.config) ? t.config : {};
      const tags = [...new Set([...asTags(s.tags), ...asTags(srcConfig.tags), ...asTags(t.tags), ...asTags(tableConfig.tags)])];
      const cfg: Record<string, unknown> = { ...srcConfig, ...tableConfig, ...(tags.length > 0 ? { tags } : {}) };
      const meta = { ...(isRecord(s.meta) ? s.meta : {}), ...(isRecord(cfg.meta) ? cfg.meta : {}), ...(isRecord(t.meta) ? t.meta : {}) };
      const freshness = 'freshness' in rawT ? parseFreshness(t.freshness, yf, [...tp, 'freshness']) : srcFresh;
      const loaded = t.loaded_at_field ?? s.loaded_at_field;
      out.push({
        sourceName: String(raw.name),
        tableName: rawT.name,
        identifier: String(t.identifier ?? rawT.name),
        schema: String(s.schema ?? raw.name),
        ...(s.database !== undefined ? { database: String(s.database) } : {}),
        description: String(t.description ?? ''),
        sourceDescription: String(s.description ?? ''),
        meta,
        config: cfg,
        ...(loaded !== undefined && loaded !== null ? { loadedAtField: String(loaded) } : {}),
        ...(freshness ? { freshness } : {}),
        columns,
        tests,
        file: yf,
        keyPath: tp,
      });
    });
  });
  return out;
}

/** Parses one properties file (already read). Throws ConfigError at the offending key. */
export function parsePropertiesFile(yf: YamlFile, scope: YamlTemplateScope): PropertiesFile {
  const d = yf.data;
  if (d === null || d === undefined) return { models: [], seeds: [], snapshots: [], sources: [] };
  if (!isRecord(d)) throw yf.error('a properties file must be a mapping (version: 2, models:, sources:, ...)', []);
  return { models: parsePatches(d.models, yf, 'models'), seeds: parsePatches(d.seeds, yf, 'seeds'), snapshots: parsePatches(d.snapshots, yf, 'snapshots'), sources: parseSources(d.sources, yf, scope) };
}
