/**
 * The runner's event stream. `run`, `test`, `build`, `seed` and `source freshness` emit these as
 * they go; the CLI prints them as dbt-style lines (or JSON lines with --json) and the notebook
 * renders them. Events are plain data (JSON-serialisable), in emission order:
 *
 *   run_started → (node_started → node_finished)* interleaved up to `threads` → run_finished
 *
 * with `log` lines anywhere, and the project's `on-run-start` hooks (hook_started →
 * hook_finished) before the nodes and its `on-run-end` hooks after them. Every selected node gets exactly one `node_finished`, including the
 * ones skipped because an upstream node failed or --fail-fast stopped the run (those get no
 * `node_started`). A selection that leaves the command nothing to run emits only a `warn` log
 * (NOTHING_TO_DO), as dbt says "Nothing to do".
 */
import type { TemplateLog } from '../project/types.js';

/** What kind of invocation emitted the events (dbt's command names). */
export type RunCommand = 'run' | 'test' | 'build' | 'seed' | 'snapshot' | 'source freshness';

/**
 * A node's outcome, with dbt's run_results spelling: models and seeds `success`/`error`/`skipped`,
 * tests `pass`/`fail`/`warn`/`error`/`skipped`, sources `pass`/`warn`/`error`/`runtime error`.
 */
export type NodeStatus = 'success' | 'error' | 'skipped' | 'pass' | 'fail' | 'warn' | 'runtime error';

/** One phase of a node's work (dbt's `timing` entries). ISO-8601 UTC timestamps. */
export interface TimingEntry {
  readonly name: 'compile' | 'execute';
  readonly started_at: string;
  readonly completed_at: string;
}

/** The run began: how many nodes will be reported and on how many threads. */
export interface RunStartedEvent {
  readonly type: 'run_started';
  readonly command: RunCommand;
  readonly invocationId: string;
  readonly total: number;
  readonly threads: number;
  /** The profiles.yml output it runs against, e.g. `dev`. */
  readonly target: string;
  /** ISO time. */
  readonly at: string;
}

/** A node began executing. `index` is 1-based in start order, out of `total`. */
export interface NodeStartedEvent {
  readonly type: 'node_started';
  readonly uniqueId: string;
  readonly resourceType: 'model' | 'seed' | 'snapshot' | 'test' | 'source';
  readonly name: string;
  /** e.g. `view`, `table`, `incremental`, `seed`, `test`, `freshness`. */
  readonly materialization: string;
  /** The relation being built, as dbt prints it (`schema.name`), when there is one. */
  readonly relation?: string;
  /** The file that defines it, relative to the project (dbt's `original_file_path`). */
  readonly originalFilePath: string;
  readonly index: number;
  readonly total: number;
}

/** A node finished (or was skipped): the started event's fields plus the outcome. */
export interface NodeFinishedEvent extends Omit<NodeStartedEvent, 'type'> {
  readonly type: 'node_finished';
  readonly status: NodeStatus;
  /** Seconds spent on the node. */
  readonly executionTime: number;
  /** Rows written (models, seeds) when known. */
  readonly rowsAffected?: number;
  /** Failing rows counted (tests); source freshness: age in seconds. */
  readonly failures?: number;
  /** One-line message: the error, or e.g. `Got 3 results, configured to warn if >0`. */
  readonly message?: string;
  /** dbt's adapter code for the statement, e.g. `CREATE TABLE`, `INSERT`, `SELECT`. */
  readonly code?: string;
  /** A test that stores its failures (store_failures): the relation holding them, as its SQL names it. */
  readonly failuresRelation?: string;
}

/** A statement of dbt_project.yml's `on-run-start` or `on-run-end` began. `index` is 1-based among that key's statements. */
export interface HookStartedEvent {
  readonly type: 'hook_started';
  readonly key: 'on-run-start' | 'on-run-end';
  /** dbt's name of it, `<project>.<key>.<n>` (n from 0). */
  readonly hook: string;
  readonly index: number;
  readonly total: number;
}

/**
 * A project hook finished, failed, or was skipped because one before it failed (those get no
 * `hook_started`). Counted in the run's counts, as dbt counts its hooks.
 */
export interface HookFinishedEvent extends Omit<HookStartedEvent, 'type'> {
  readonly type: 'hook_finished';
  readonly status: 'success' | 'error' | 'skipped';
  /** Seconds. */
  readonly executionTime: number;
  /** Why it failed (the first line of the error). */
  readonly message?: string;
}

/** A free-form line for the log (e.g. `Found 12 models, 30 tests, 3 seeds, 5 sources`). */
export interface LogEvent {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  /** Printed as it is, without the time of day (a template's `print()`). */
  readonly raw?: boolean;
  /** The node whose template printed it, if any. */
  readonly uniqueId?: string;
}

/** Counts per outcome, as dbt's summary line `PASS=… WARN=… ERROR=… SKIP=… TOTAL=…`. */
export interface RunCounts {
  readonly pass: number;
  readonly warn: number;
  readonly error: number;
  readonly skip: number;
  readonly total: number;
}

/** The run ended, normally or cancelled. */
export interface RunFinishedEvent {
  readonly type: 'run_finished';
  readonly command: RunCommand;
  readonly counts: RunCounts;
  /** Seconds. */
  readonly elapsed: number;
  readonly cancelled: boolean;
}

/** Every event the runner emits. Narrow on `type`. */
export type RunEvent = RunStartedEvent | NodeStartedEvent | NodeFinishedEvent | HookStartedEvent | HookFinishedEvent | LogEvent | RunFinishedEvent;

/** Receives events; must not throw. */
export type RunEventListener = (event: RunEvent) => void;

/** The message of a node skipped because `--fail-fast` stopped the run at a failure (dbt's words). */
export const FAIL_FAST_SKIP = 'Skipping due to fail_fast';

/** What is said when a selection leaves a command nothing to run (dbt's words). */
export const NOTHING_TO_DO = 'Nothing to do. Try checking your model configs and model specification args';

/** Adds one finished status to the counts (error and fail both count as ERROR, as dbt). */
export function countStatus(counts: RunCounts, status: NodeStatus): RunCounts {
  const c = { ...counts, total: counts.total + 1 };
  if (status === 'success' || status === 'pass') c.pass++;
  else if (status === 'warn') c.warn++;
  else if (status === 'skipped') c.skip++;
  else c.error++;
  return c;
}

/** Counts with every figure zero. */
export const NO_COUNTS: RunCounts = { pass: 0, warn: 0, error: 0, skip: 0, total: 0 };

/** The event of a message a template printed (`print()` is printed as it is, without the time of day). */
export function templateLogEvent(log: TemplateLog, uniqueId?: string): LogEvent {
  return { type: 'log', level: log.level === 'warn' ? 'warn' : 'info', message: log.message, ...(log.level === 'print' ? { raw: true } : {}), ...(uniqueId ? { uniqueId } : {}) };
}
