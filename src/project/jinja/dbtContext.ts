/**
 * The names a dbt template sees besides macros: `ref`, `source`, `config`, `var`, `env_var`,
 * `target`, `this`, `model`, `is_incremental`, `execute`, `flags`, `run_query`, `statement` /
 * `load_result`, `exceptions`, `log`, `modules.datetime` / `modules.re`, `return`, `api`
 * (`Relation.create`, `Column.translate_type` / `numeric_type`), `dbt_version`, and `adapter`
 * (`get_relation`, `get_columns_in_relation`, ...; minus `dispatch`, which the renderer adds
 * because it needs the macros).
 */
import { createHash } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import type { Dialect, QueryResult } from '../../engine/adapter.js';
import { StratumError } from '../../errors.js';
import { CompileError } from '../errors.js';
import { plainValue, pyJsonDumps, PyTuple } from '../pythonRepr.js';
import { quoteIdentifier } from '../relationName.js';
import type { ProfileTarget, Relation } from '../types.js';
import { parseDbtYaml } from '../yamlFile.js';
import { toAgateTable } from './agateTable.js';
import { createJinjaEnvironment, pyBool, sortedKeys, splitArgs } from './environment.js';
import { datetimeModule, JinjaDateTime, pytzModule, UTC } from './datetimeModule.js';
import { JinjaRelation } from './relationObject.js';
import { MacroReturn, PendingQuery, type RenderState } from './renderState.js';

/** The dbt version Stratum claims compatibility with: templates' `dbt_version`, and the artifacts'. */
export const ARTIFACT_DBT_VERSION = '1.10.0';

/** dbt's `graph` with nothing in it, as templates see it while the project is parsed. */
export const EMPTY_GRAPH: Readonly<Record<string, unknown>> = { nodes: {}, sources: {}, exposures: {}, metrics: {}, groups: {}, semantic_models: {}, saved_queries: {} };

/** What the loader or compiler tells the context about the node being rendered. */
export interface NodeScope {
  /** `parse`: refs recorded, `execute` false; `compile`: for real. */
  readonly mode: 'parse' | 'compile';
  readonly projectName: string;
  /** The profile dbt_project.yml names (`target.profile_name`). */
  readonly profileName?: string;
  readonly target: ProfileTarget;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** File of the template, for messages. */
  readonly file: string;
  readonly node?: { readonly uniqueId: string; readonly name: string; readonly resourceType: string; readonly originalFilePath: string };
  /** The node's config; `config(...)` calls merge into it. */
  readonly config: Record<string, unknown>;
  readonly thisRelation?: Relation;
  /** Resolves `ref(...)` arguments to a relation (or throws CompileError). */
  readonly ref?: (args: string[]) => unknown;
  /** Resolves `source(name, table)` (or throws CompileError). */
  readonly source?: (sourceName: string, tableName: string) => unknown;
  /** Merges a `config(...)` call into `config` (the caller applies dbt's merge rules). */
  readonly applyConfig?: (kwargs: Record<string, unknown>) => void;
  readonly isIncremental: boolean;
  /** The node's `should_full_refresh()`: its `full_refresh` config, else the flag. */
  readonly fullRefresh: boolean;
  /** The `--full-refresh` flag itself (`flags.FULL_REFRESH`); `fullRefresh` when absent. */
  readonly fullRefreshFlag?: boolean;
  /** The `--store-failures` flag (`flags.STORE_FAILURES`). */
  readonly storeFailuresFlag?: boolean;
  /** dbt's `graph` (the project's nodes and sources); empty while parsing, as in dbt. */
  readonly graph?: Readonly<Record<string, unknown>>;
  /** Whether `run_query` may reach a database. */
  readonly canQuery: boolean;
  readonly invocationId: string;
  /** The run's start (`run_started_at`); now when absent (a parse, a lone compile). */
  readonly runStartedAt?: Date;
  /** Extra names (e.g. a generic test's kwargs). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** `--warn-error` (`flags.WARN_ERROR`): `exceptions.warn()` raises a compilation error, as dbt's does. */
  readonly warnError?: boolean;
}

/** Raises a user error from inside a template: recorded in state so the renderer reports it as is. */
export function raise(state: RenderState, err: unknown): never {
  state.thrown = err;
  throw err;
}

/** Wraps a context function so that user errors it throws survive nunjucks' error wrapping. */
function guarded<A extends unknown[], R>(state: RenderState, fn: (...a: A) => R): (...a: A) => R {
  return (...a: A): R => {
    try {
      return fn(...a);
    } catch (e) {
      if (e instanceof StratumError) raise(state, e);
      throw e;
    }
  };
}

/** The information_schema condition matching a relation by name (DuckDB's names are case-insensitive). */
function sameName(database: string, schema: string, identifier: string): string {
  const lit = (v: string): string => `lower('${v.replace(/'/g, "''")}')`;
  return `lower(table_catalog) = ${lit(database)} and lower(table_schema) = ${lit(schema)} and lower(table_name) = ${lit(identifier)}`;
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** The `target` object: profile fields as dbt exposes them (`target.type`, `.name`, `.target_name`, `.profile_name`, `.schema`, ...). */
export function targetObject(t: ProfileTarget, profileName: string | undefined): Record<string, unknown> {
  return { ...t.extra, name: t.name, target_name: t.name, profile_name: profileName, type: t.type, schema: t.schema, database: t.database, threads: t.threads, path: t.path, settings: t.settings, project: t.project, dataset: t.dataset, location: t.location, method: t.method };
}

/** A Python `re` match as templates see it: its groups, and `group(n)` / `groups()`. */
function pyMatch(m: RegExpExecArray | null): unknown {
  return m && Object.assign(m, { group: (n = 0) => m[n] ?? null, groups: () => m.slice(1) });
}

/** `modules.re`: Python's `match`, `search`, `sub`, `findall`, `split`, `escape` on JS regular expressions. */
const reModule = {
  match: (p: unknown, s: unknown) => pyMatch(new RegExp(`^(?:${str(p)})`).exec(str(s))),
  search: (p: unknown, s: unknown) => pyMatch(new RegExp(str(p)).exec(str(s))),
  sub: (p: unknown, repl: unknown, s: unknown) => str(s).replace(new RegExp(str(p), 'g'), str(repl).replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1')),
  findall: (p: unknown, s: unknown) => [...str(s).matchAll(new RegExp(str(p), 'g'))].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0]))),
  split: (p: unknown, s: unknown) => str(s).split(new RegExp(str(p))),
  escape: (s: unknown) => str(s).replace(/[^A-Za-z0-9_]/g, '\\$&'),
};

/** dbt's `TYPE_LABELS`: the type names `api.Column.translate_type` maps (dbt-duckdb keeps the base Column's). */
const TYPE_LABELS: Readonly<Record<Dialect, Readonly<Record<string, string>>>> = {
  duckdb: { STRING: 'TEXT' },
  bigquery: { TEXT: 'STRING', FLOAT: 'FLOAT64', INTEGER: 'INT64' },
};

/**
 * `api.Column`'s class methods: `translate_type` (a generic type name to the target's, e.g.
 * `string` to `TEXT` on DuckDB) and `numeric_type` (`numeric(28,6)`; BigQuery drops precision and scale).
 */
function columnApi(dialect: Dialect): Record<string, (...a: unknown[]) => string> {
  return {
    translate_type: (dtype: unknown) => TYPE_LABELS[dialect][str(dtype).toUpperCase()] ?? str(dtype),
    numeric_type: (dtype: unknown, precision: unknown, scale: unknown) =>
      dialect === 'bigquery' || precision === null || precision === undefined || scale === null || scale === undefined ? str(dtype) : `${str(dtype)}(${str(precision)},${str(scale)})`,
  };
}

let varEnv: ReturnType<typeof createJinjaEnvironment> | undefined;

/** Builds the context names for one render attempt. */
export function buildDbtContext(scope: NodeScope, state: RenderState, dialect: Dialect): Record<string, unknown> {
  state.beginAttempt();
  const g = <A extends unknown[], R>(fn: (...a: A) => R): ((...a: A) => R) => guarded(state, fn);
  const fail = (msg: string): never => raise(state, new CompileError(msg, { file: scope.file }));
  // a query result's print_table() prints where print() does
  const printed = (text: string): void => void state.logs.push({ level: 'print', message: text });

  const runQuery = (sql: string): QueryResult | null => {
    if (scope.mode !== 'compile' || !scope.canQuery) return null;
    const hit = state.answerOf();
    if (hit) return hit;
    state.pendingQuery = sql;
    throw new PendingQuery(sql);
  };

  const config = g((...raw: unknown[]) => {
    const { args, kwargs } = splitArgs(raw);
    const dict = args[0] && typeof args[0] === 'object' ? (args[0] as Record<string, unknown>) : {};
    scope.applyConfig?.(plainValue({ ...dict, ...kwargs }) as Record<string, unknown>);
    return '';
  });
  Object.assign(config, {
    get: (key: string, def: unknown = null) => (scope.config[key] ?? def),
    require: g((key: string) => (key in scope.config ? scope.config[key] : fail(`config '${key}' is required`))),
    set: (key: string, value: unknown) => {
      scope.config[key] = value;
      return '';
    },
  });

  /**
   * A var's value as dbt's var() returns it: a string holding Jinja is rendered with the node's
   * context (its names, without the project's macros), e.g. `"{{ env_var('X', 'a') }}"`.
   */
  const renderVar = (name: string, value: unknown): unknown => {
    if (typeof value !== 'string' || (!value.includes('{{') && !value.includes('{%'))) return value;
    varEnv ??= createJinjaEnvironment();
    try {
      return varEnv.renderString(value, names);
    } catch (e) {
      if (state.thrown !== undefined) throw state.thrown;
      return fail(`var '${name}': cannot render ${JSON.stringify(value)}: ${((e as Error).message.split('\n').pop() ?? '').trim()}`);
    }
  };

  const thisRel = scope.thisRelation ? new JinjaRelation(scope.thisRelation, dialect) : null;
  const node = scope.node;
  const names: Record<string, unknown> = {
    ...scope.extra,
    ref: g((...raw: unknown[]) => {
      const { args } = splitArgs(raw);
      if (!scope.ref) return fail('ref() is not available here');
      return scope.ref(args.map(str));
    }),
    source: g((...raw: unknown[]) => {
      const { args } = splitArgs(raw);
      if (!scope.source) return fail('source() is not available here');
      if (args.length !== 2) return fail(`source() takes 2 arguments (source name, table name), got ${args.length}`);
      return scope.source(str(args[0]), str(args[1]));
    }),
    config,
    var: g((...raw: unknown[]) => {
      const { args } = splitArgs(raw);
      const name = str(args[0]);
      if (name in scope.vars) return renderVar(name, scope.vars[name]);
      if (args.length > 1) return args[1];
      return fail(`Required var '${name}' not found in config: set it in dbt_project.yml vars: or with --vars`);
    }),
    env_var: g((...raw: unknown[]) => {
      const { args } = splitArgs(raw);
      const name = str(args[0]);
      const v = scope.env[name];
      if (v !== undefined) return v;
      if (args.length > 1) return args[1];
      return fail(`Env var required but not provided: '${name}'`);
    }),
    target: targetObject(scope.target, scope.profileName),
    this: thisRel,
    model: node ? { name: node.name, unique_id: node.uniqueId, resource_type: node.resourceType, original_file_path: node.originalFilePath, package_name: scope.projectName, config: scope.config, alias: scope.thisRelation?.identifier, schema: scope.thisRelation?.schema, database: scope.thisRelation?.database } : {},
    project_name: scope.projectName,
    is_incremental: () => scope.isIncremental,
    should_full_refresh: () => scope.fullRefresh,
    execute: scope.mode === 'compile',
    graph: scope.graph ?? EMPTY_GRAPH,
    flags: { FULL_REFRESH: scope.fullRefreshFlag ?? scope.fullRefresh, WHICH: 'compile', STORE_FAILURES: scope.storeFailuresFlag === true, WARN_ERROR: scope.warnError === true },
    invocation_id: scope.invocationId,
    // dbt's is aware, in UTC
    run_started_at: new JinjaDateTime((scope.runStartedAt ?? new Date()).getTime() * 1000, false, UTC),
    run_query: (sql: unknown) => {
      const r = runQuery(str(sql));
      return r ? toAgateTable(r, printed) : null;
    },
    statement: (...raw: unknown[]) => {
      const { args, kwargs } = splitArgs(raw);
      const name = str(args[0] ?? kwargs.name ?? 'main');
      const caller = kwargs.caller as (() => unknown) | undefined;
      const sql = caller ? str(caller()) : '';
      const r = runQuery(sql);
      if (r) state.statements.set(name, r);
      return '';
    },
    load_result: (name: unknown) => {
      const r = state.statements.get(str(name));
      if (!r) return null;
      const table = toAgateTable(r, printed);
      return { table, data: table.rows, response: { rows_affected: r.rows.length } };
    },
    return: (v: unknown) => {
      throw new MacroReturn(v);
    },
    // a hook run outside the model's transaction (before it begins, after it commits), or inside it
    before_begin: (sql: unknown) => ({ sql: str(sql), transaction: false }),
    after_commit: (sql: unknown) => ({ sql: str(sql), transaction: false }),
    in_transaction: (sql: unknown) => ({ sql: str(sql), transaction: true }),
    exceptions: {
      raise_compiler_error: g((msg: unknown) => fail(str(msg))),
      warn: g((msg: unknown) => {
        if (scope.warnError) fail(str(msg));
        state.logs.push({ level: 'warn', message: str(msg) });
        return '';
      }),
      raise_not_implemented: g((msg: unknown) => fail(`not implemented: ${str(msg)}`)),
    },
    // log(msg, info=False): printed with info=True; otherwise only dbt's log file has it
    log: (...raw: unknown[]) => {
      const { args, kwargs } = splitArgs(raw);
      if (pyBool(kwargs.info ?? args[1])) state.logs.push({ level: 'info', message: str(args[0]) });
      return '';
    },
    print: (msg: unknown) => {
      state.logs.push({ level: 'print', message: str(msg) });
      return '';
    },
    modules: { datetime: datetimeModule, re: reModule, pytz: pytzModule },
    // dbt's tojson(value, default=None, sort_keys=False): Python's json.dumps
    tojson: (...raw: unknown[]) => {
      const { args, kwargs } = splitArgs(raw);
      return pyJsonDumps((kwargs.sort_keys ?? args[2]) === true ? sortedKeys(args[0]) : args[0]);
    },
    fromjson: (s: unknown) => JSON.parse(str(s)) as unknown,
    toyaml: (v: unknown) => toYaml(v),
    fromyaml: (s: unknown) => parseDbtYaml(str(s), true),
    local_md5: (s: unknown) => createHash('md5').update(str(s)).digest('hex'),
    zip: (...lists: unknown[][]) => (lists.length === 0 ? [] : lists.reduce((a, l) => (l.length < a.length ? l : a))).map((_, i) => PyTuple.from(lists.map((l) => l[i]))),
    set: (items: unknown) => [...new Set(Array.isArray(items) ? items : typeof items === 'string' ? [...items] : [])],
    api: {
      Column: columnApi(dialect),
      Relation: {
        create: (...raw: unknown[]) => {
          const { kwargs } = splitArgs(raw);
          const rel = { database: str(kwargs.database ?? scope.target.database), schema: str(kwargs.schema ?? scope.target.schema), identifier: str(kwargs.identifier) };
          return new JinjaRelation(rel, dialect, undefined, typeof kwargs.type === 'string' ? kwargs.type : null);
        },
      },
    },
    dbt_version: ARTIFACT_DBT_VERSION,
    adapter: {
      type: () => dialect,
      get_relation: g((...raw: unknown[]) => {
        const { args, kwargs } = splitArgs(raw);
        const [database, schema, identifier] = ['database', 'schema', 'identifier'].map((k, i) => str(kwargs[k] ?? args[i]));
        const r = runQuery(`select table_catalog, table_schema, table_name, table_type from information_schema.tables where ${sameName(database || scope.target.database, schema, identifier)}`);
        const row = r?.rows[0];
        if (!row) return null;
        return new JinjaRelation({ database: str(row[0]), schema: str(row[1]), identifier: str(row[2]) }, dialect, undefined, row[3] === 'VIEW' ? 'view' : 'table');
      }),
      get_columns_in_relation: g((rel: unknown) => {
        const { database, schema, identifier } = (rel ?? {}) as Partial<Relation>;
        const r = runQuery(`select column_name, data_type from information_schema.columns where ${sameName(str(database) || scope.target.database, str(schema), str(identifier))} order by ordinal_position`);
        return (r?.rows ?? []).map(([name, type]) => ({ name: str(name), column: str(name), dtype: str(type), data_type: str(type), quoted: quoteIdentifier(str(name), dialect) }));
      }),
      quote: (s: unknown) => quoteIdentifier(str(s), dialect),
    },
  };
  return names;
}
