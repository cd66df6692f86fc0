/**
 * The shapes of a loaded dbt project: its settings, the profile target it runs against, and its
 * nodes (models, seeds, tests, sources) and macros, named and keyed the way dbt's manifest names
 * them. The runner (src/run) consumes these; src/project produces them.
 *
 * Lifecycle: `loadProject()` reads dbt_project.yml, profiles.yml, every yml and SQL file, renders
 * each node once in "parse" mode (ref/source/config recorded, `execute` false) and returns a
 * `Project` whose nodes carry their final config, dependencies and relation. `compileNode()` then
 * renders one node for real against a `CompileContext` and returns a `CompiledNode`.
 */
import type { Dialect, QueryResult } from '../engine/adapter.js';

/** dbt resource types Stratum knows. */
export type ResourceType = 'model' | 'seed' | 'snapshot' | 'test' | 'source';

/** The four dbt materializations of a model. */
export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral';

/** dbt incremental strategies Stratum supports (dbt-duckdb and dbt-bigquery share these names). */
export type IncrementalStrategy = 'append' | 'delete+insert' | 'insert_overwrite' | 'merge';

/** dbt-bigquery's `partition_by` config, used by both engines. */
export interface PartitionByConfig {
  readonly field: string;
  /** `date` when omitted, as dbt-bigquery. */
  readonly data_type?: 'date' | 'timestamp' | 'datetime' | 'int64';
  /** `day` when omitted, as dbt-bigquery. */
  readonly granularity?: 'hour' | 'day' | 'month' | 'year';
  /** For `int64` partitioning: `{start, end, interval}`. */
  readonly range?: { readonly start: number; readonly end: number; readonly interval: number };
}

/** A test's `severity`. */
export type Severity = 'error' | 'warn';

/**
 * A node's config after dbt's precedence (dbt_project.yml folder configs < yml `config:` <
 * `{{ config(...) }}` in the SQL). Known keys are typed; any other key is passed through as is.
 * Keys keep dbt's snake_case spelling so the manifest can be written as is.
 */
export interface NodeConfig {
  /** False drops the node from the project (as dbt does). Default true. */
  readonly enabled: boolean;
  /** Models: default `view`. Seeds: `seed`. Tests: `test`. */
  readonly materialized: Materialization | 'seed' | 'snapshot' | 'test';
  /** The custom schema; the relation's schema is `<target.schema>_<schema>` (dbt's default). */
  readonly schema?: string;
  /** The relation's identifier instead of the node name. */
  readonly alias?: string;
  /** Overrides the relation's database (BigQuery project / DuckDB catalog). */
  readonly database?: string;
  readonly tags: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly unique_key?: string | readonly string[];
  readonly incremental_strategy?: IncrementalStrategy;
  readonly partition_by?: PartitionByConfig;
  readonly cluster_by?: string | readonly string[];
  readonly on_schema_change?: 'ignore' | 'fail' | 'append_new_columns' | 'sync_all_columns';
  /** Incremental delete+insert and merge: extra conditions on the rows replaced (dbt-duckdb also reads `predicates`). */
  readonly incremental_predicates?: string | readonly string[];
  /** Incremental merge: the columns a matched row updates (default every column), or those it keeps. */
  readonly merge_update_columns?: readonly string[];
  readonly merge_exclude_columns?: readonly string[];
  /** Seeds: column name -> SQL type. */
  readonly column_types?: Readonly<Record<string, string>>;
  readonly full_refresh?: boolean;
  /** Tests: `error` by default. */
  readonly severity?: Severity;
  /** Tests: a condition on the failure count, e.g. `>10`; dbt default `!=0`. */
  readonly warn_if?: string;
  readonly error_if?: string;
  /** Tests: a filter applied to the tested model (`select * from <model> where <where>`). */
  readonly where?: string;
  /** Tests: at most this many failing rows are counted. */
  readonly limit?: number;
  readonly store_failures?: boolean;
  /** Tests: `table` or `view` stores the failing rows (and turns store_failures on), `ephemeral` does not. */
  readonly store_failures_as?: string;
  /** Any other key (pre_hook, persist_docs, ...), passed through untouched. */
  readonly [key: string]: unknown;
}

/** A fully resolved relation name. `database` is the DuckDB catalog or BigQuery project. */
export interface Relation {
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
}

/** What a node depends on: unique ids of nodes (models, seeds, sources) and of macros. */
export interface DependsOn {
  readonly nodes: readonly string[];
  readonly macros: readonly string[];
}

/** A column documented in yml. */
export interface ColumnDoc {
  readonly name: string;
  readonly description: string;
  readonly data_type?: string;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  /** dbt's column `constraints:`, applied when the model's contract is enforced. */
  readonly constraints?: readonly ColumnConstraint[];
}

/** One column constraint as written in yml (dbt's ColumnLevelConstraint). */
export interface ColumnConstraint {
  readonly type: 'check' | 'not_null' | 'unique' | 'primary_key' | 'foreign_key' | 'custom';
  readonly expression?: string;
}

/** Fields every node has. */
export interface BaseNode {
  /** dbt's id: `model.<project>.<name>`, `seed.<project>.<name>`, `test.<project>.<name>.<hash>`, `source.<project>.<source>.<table>`. */
  readonly uniqueId: string;
  readonly resourceType: ResourceType;
  readonly name: string;
  /** The project (package) name. */
  readonly packageName: string;
  /** The file the node comes from, relative to the project root, with `/` separators. */
  readonly originalFilePath: string;
  /** dbt's `path`: the file relative to its model/seed/test path. */
  readonly path: string;
  /** dbt's fqn: `[project, ...folders, name]`. */
  readonly fqn: readonly string[];
  /** The SQL/Jinja source as written (empty for sources and seeds). */
  readonly rawCode: string;
  readonly config: NodeConfig;
  readonly dependsOn: DependsOn;
  /** `ref()` calls recorded at parse time: `[name]` or `[package, name]`. */
  readonly refs: readonly (readonly string[])[];
  /** `source()` calls recorded at parse time: `[source_name, table_name]`. */
  readonly sources: readonly (readonly [string, string])[];
  readonly description: string;
  readonly columns: Readonly<Record<string, ColumnDoc>>;
  /** The yml file that documents the node (`patch_path`), relative to the root, if any. */
  readonly patchPath?: string;
}

/** A SQL model. */
export interface ModelNode extends BaseNode {
  readonly resourceType: 'model';
  /** Where it is built (ephemeral models have one too, though nothing is created). */
  readonly relation: Relation;
}

/** A CSV seed. `rawCode` is empty; `absolutePath` is the CSV file. */
export interface SeedNode extends BaseNode {
  readonly resourceType: 'seed';
  readonly relation: Relation;
  readonly absolutePath: string;
}

/**
 * A snapshot: a `{% snapshot name %}` block of a file in snapshot-paths, whose select is recorded
 * as a type 2 slowly changing table (`dbt_valid_from`, `dbt_valid_to`, ...), as dbt's.
 */
export interface SnapshotNode extends BaseNode {
  readonly resourceType: 'snapshot';
  readonly relation: Relation;
}

/** `test_metadata` of a generic test: the test macro's name, its kwargs and namespace. */
export interface TestMetadata {
  /** e.g. `not_null`, `accepted_values`, or a custom `{% test name %}`. */
  readonly name: string;
  /** Arguments besides `model` (column_name included), as written in yml. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** A package namespace (`dbt_utils`), or null for built-ins and the project's own. */
  readonly namespace: string | null;
}

/** A data test: singular (a SQL file in test-paths) or generic (declared in yml). */
export interface TestNode extends BaseNode {
  readonly resourceType: 'test';
  /** Present for generic tests only. */
  readonly testMetadata?: TestMetadata;
  /** The unique id of the model/seed/source the test is attached to (generic tests). */
  readonly attachedNode?: string;
  /** The tested column, when declared under a column. */
  readonly columnName?: string;
  /** Where failures are stored when `store_failures` is on. */
  readonly relation: Relation;
}

/** dbt's `freshness` block: thresholds as `{count, period}`, and an optional filter. */
export interface FreshnessRule {
  readonly count: number;
  readonly period: 'minute' | 'hour' | 'day';
}

/** A source's freshness policy (null thresholds mean "not checked"). */
export interface FreshnessPolicy {
  readonly warn_after?: FreshnessRule;
  readonly error_after?: FreshnessRule;
  readonly filter?: string;
}

/** One table of a `sources:` entry. `rawCode` is empty. */
export interface SourceNode extends BaseNode {
  readonly resourceType: 'source';
  readonly sourceName: string;
  /** The physical table name (`identifier:` or the table name). */
  readonly identifier: string;
  readonly relation: Relation;
  /** `meta.external_location` (dbt-duckdb): a glob or `read_parquet(...)` call, `{name}`/`{identifier}` already substituted. */
  readonly externalLocation?: string;
  readonly loadedAtField?: string;
  readonly freshness?: FreshnessPolicy;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly sourceDescription: string;
}

/** Any node of the graph. Narrow on `resourceType`. */
export type ProjectNode = ModelNode | SeedNode | SnapshotNode | TestNode | SourceNode;

/** A Jinja macro (including `{% test %}` blocks, stored as `test_<name>`). */
export interface MacroDef {
  /** `macro.<package>.<name>`. */
  readonly uniqueId: string;
  readonly name: string;
  readonly packageName: string;
  readonly originalFilePath: string;
  /** The `{% macro %}...{% endmacro %}` text. */
  readonly rawCode: string;
  /** 1-based line of the `{% macro %}` tag in its file. */
  readonly line: number;
  readonly arguments: readonly string[];
  /**
   * Whether its body reads Jinja's `kwargs` (keyword arguments it does not name) without naming
   * an argument so: then it takes any keyword argument, and the others arrive in `kwargs`.
   */
  readonly catchAllKwargs?: boolean;
  /**
   * Whether its body reads Jinja's `varargs` without naming an argument so: then the positional
   * arguments past the ones it names arrive in `varargs`.
   */
  readonly catchAllVarargs?: boolean;
}

/** The target of profiles.yml that the project runs against. */
export interface ProfileTarget {
  /** The output's name in profiles.yml, e.g. `dev` or `bq`. */
  readonly name: string;
  readonly type: Dialect;
  /** Default schema (BigQuery: the dataset). DuckDB default `main`. */
  readonly schema: string;
  /** DuckDB catalog name (file stem of `path`, `memory` for `:memory:`) or BigQuery project. */
  readonly database: string;
  readonly threads: number;
  /** DuckDB: the database file, absolute (resolved from the working directory) or `:memory:`. */
  readonly path?: string;
  /** DuckDB: settings given when the database opens (dbt-duckdb's `settings:`), e.g. `memory_limit: 4GB`. */
  readonly settings?: Readonly<Record<string, string>>;
  /** BigQuery: GCP project, dataset, location, auth method and keyfile. */
  readonly project?: string;
  readonly dataset?: string;
  readonly location?: string;
  readonly method?: 'oauth' | 'service-account' | 'service-account-json' | 'oauth-secrets';
  readonly keyfile?: string;
  /** Every other key of the output (extensions, settings, priority, ...), as rendered. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** The folders of a project (relative to the root, as written in dbt_project.yml). */
export interface ProjectPaths {
  readonly model: readonly string[];
  readonly seed: readonly string[];
  readonly macro: readonly string[];
  readonly test: readonly string[];
  /** `target-path`, default `target`. */
  readonly target: string;
}

/** A loaded, parsed project. */
export interface Project {
  /** `name:` of dbt_project.yml; the package name of every node. */
  readonly name: string;
  /** `profile:` of dbt_project.yml. */
  readonly profileName: string;
  /** Absolute project directory. */
  readonly rootDir: string;
  readonly paths: ProjectPaths;
  /** Project vars (dbt_project.yml `vars:`) overlaid with `--vars`. */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly target: ProfileTarget;
  /** Every enabled node by unique id: models, seeds, tests and sources. */
  readonly nodes: ReadonlyMap<string, ProjectNode>;
  /** Every macro by name (project macros override built-ins of the same name). */
  readonly macros: ReadonlyMap<string, MacroDef>;
  /** dbt_project.yml `on-run-start` / `on-run-end`: SQL templates, rendered when they run. */
  readonly onRunStart: readonly string[];
  readonly onRunEnd: readonly string[];
  /** dbt_project.yml `flags: {skip_nodes_if_on_run_start_fails: true}`; without it, as in dbt, nodes run after a failed on-run-start. */
  readonly skipNodesIfOnRunStartFails?: boolean;
  /**
   * What the project sets that does nothing here, one line each naming file, line and key (dbt
   * warns of some: a yml entry for a model that does not exist, an unused config path; Stratum of
   * what it does not support too: snapshots, unit tests, quoting, dispatch).
   */
  readonly warnings: readonly string[];
  /** What the templates printed while the project was parsed (dbt prints them as it parses), in order. */
  readonly parseLogs?: readonly TemplateLog[];
  /** `--warn-error`: a template's `exceptions.warn()` raises a compilation error, as dbt's does. */
  readonly warnError?: boolean;
  /** The `--vars` given (LoadOptions.vars), which run_results.json records as dbt's does. */
  readonly cliVars?: Readonly<Record<string, unknown>>;
}

/** Options of `loadProject`. */
export interface LoadOptions {
  /** The project directory (default: the working directory). */
  readonly projectDir?: string;
  /** Where profiles.yml is (default: project dir, then `~/.dbt`, like dbt's search). */
  readonly profilesDir?: string;
  /** The output of the profile to use (default: the profile's `target:`, else `dev`). */
  readonly target?: string;
  /** `--vars`, already parsed. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Environment for `env_var()` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * SQL to add as a model named `inline_query` (unique id `sql_operation.<project>.inline_query`),
   * as dbt's `--inline`: compiled with the project's refs, sources and macros.
   */
  readonly inline?: string;
  /** `--warn-error`: a template's `exceptions.warn()` is an error, at parse time and when the node runs. */
  readonly warnError?: boolean;
}

/** What the runner gives the compiler about the live warehouse. */
export interface CompileContext {
  /**
   * Whether a relation exists; `is_incremental()` is true when the node's own relation exists,
   * is a table, and `fullRefresh` is off. When absent, `is_incremental()` is false.
   */
  readonly relationExists?: (relation: Relation) => Promise<boolean>;
  /**
   * Runs a statement for `run_query()` / `statement` and returns its result. When absent,
   * `run_query()` returns none (as dbt does when `execute` is false).
   */
  readonly runQuery?: (sql: string) => Promise<QueryResult>;
  /**
   * `--full-refresh`: `flags.FULL_REFRESH` is true, and `is_incremental()` false unless the node's
   * `full_refresh` config is false (dbt's `should_full_refresh()`: the config wins over the flag).
   */
  readonly fullRefresh?: boolean;
  /** dbt's `invocation_id`, shown to templates. */
  readonly invocationId?: string;
  /** `--store-failures` (`flags.STORE_FAILURES`). */
  readonly storeFailures?: boolean;
  /** When the run started: templates' `run_started_at`, the same for every node of a run (default: now). */
  readonly runStartedAt?: Date;
  /**
   * `--empty` (dbt 1.8+): every `ref()` and `source()` that is not an ephemeral CTE renders as
   * `(select * from <relation> where false limit 0)`, so models build, and tests run, on no rows.
   */
  readonly empty?: boolean;
}

/** One ephemeral model inlined as a CTE, named with dbt's `__dbt__cte__<name>` convention. */
export interface InjectedCte {
  /** Unique id of the ephemeral model. */
  readonly id: string;
  /** `__dbt__cte__<name>`, what `ref()` rendered to. */
  readonly name: string;
  /** The ephemeral model's compiled SQL (its own CTEs already inlined). */
  readonly sql: string;
}

/** A node rendered for execution. */
export interface CompiledNode {
  readonly node: ProjectNode;
  /** The SQL to run, ephemeral CTEs already injected (dbt's `compiled_code`). */
  readonly compiledCode: string;
  /** The relation the node builds (models, seeds) or stores failures in (tests). */
  readonly relation: Relation;
  /** The relation rendered for the target dialect, e.g. `"db"."main"."orders"` or `` `p.d.orders` ``. */
  readonly relationName: string;
  /** Ephemeral models inlined into `compiledCode`, in dependency order (dbt's `extra_ctes`). */
  readonly extraCtes: readonly InjectedCte[];
  /** The final config, after `{{ config() }}` calls at compile time. */
  readonly config: NodeConfig;
  /** Whether `is_incremental()` was true while rendering. */
  readonly isIncremental: boolean;
  /** The `pre-hook` / `post-hook` statements, rendered: run before and after the node is built. */
  readonly preHooks: readonly string[];
  readonly postHooks: readonly string[];
  /**
   * The same hooks with their `transaction` setting (true unless a hook's mapping says
   * `transaction: false`): a model runs the in-transaction ones in its build's transaction, the
   * others before BEGIN / after COMMIT, as dbt does. Absent: every hook is in the transaction.
   */
  readonly hooks?: { readonly pre: readonly HookStatement[]; readonly post: readonly HookStatement[] };
  /** What the template printed (its SQL's and its hooks' renders), in order. */
  readonly logs?: readonly TemplateLog[];
}

/**
 * A message a template printed, as dbt prints it: `log(msg, info=True)` (`info`, after the time of
 * day), `exceptions.warn(msg)` (`warn`), `print(msg)` (`print`, the line alone). `log(msg)` without
 * `info` goes to dbt's log file only, which Stratum does not write.
 */
export interface TemplateLog {
  readonly level: 'info' | 'warn' | 'print';
  readonly message: string;
}

/** A rendered hook statement and whether it runs inside the node's transaction. */
export interface HookStatement {
  readonly sql: string;
  readonly transaction: boolean;
}

/** The compile entry point's signature (implemented in ./compile.ts). */
export type CompileNodeFn = (project: Project, node: ProjectNode, ctx: CompileContext) => Promise<CompiledNode>;
