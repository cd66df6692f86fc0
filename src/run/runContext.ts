/**
 * What every node executor needs: the project, the adapter, the compiler, the run's flags and
 * its cancellation signal. Built once per invocation by the runner.
 */
import type { RelationRef, WarehouseAdapter } from '../engine/adapter.js';
import type { CompileContext, CompileNodeFn, CompiledNode, Project, ProjectNode, Relation, TemplateLog } from '../project/types.js';
import type { TimingEntry } from './events.js';

/** Shared state of one invocation. */
export interface RunContext {
  readonly project: Project;
  readonly adapter: WarehouseAdapter;
  readonly compile: CompileNodeFn;
  readonly fullRefresh: boolean;
  /** dbt's `--warn-error`: a test that would warn fails instead. */
  readonly warnError?: boolean;
  /** dbt's `--store-failures`: a test whose config says nothing of it stores its failing rows as a table. */
  readonly storeFailures?: boolean;
  /** `--empty`: refs and sources read no rows (see CompileContext.empty). */
  readonly empty?: boolean;
  readonly invocationId: string;
  /** When the run started (templates' `run_started_at`). */
  readonly startedAt: Date;
  readonly signal?: AbortSignal;
  /** Receives what a node's templates printed when it is compiled (log with info=True, print, exceptions.warn). */
  readonly onLog?: (log: TemplateLog, node: ProjectNode) => void;
}

/** What executing one node produced, before it becomes an event and a run result. */
export interface NodeOutcome {
  readonly status: 'success' | 'error' | 'pass' | 'fail' | 'warn';
  readonly timing: TimingEntry[];
  readonly rowsAffected?: number;
  readonly failures?: number;
  readonly message?: string;
  /** dbt's adapter_response `_message`/`code`, e.g. `CREATE TABLE`. */
  readonly code?: string;
  readonly compiledCode?: string;
  readonly relationName?: string;
  /** The materialization actually applied (e.g. `table` for an incremental's first run). */
  readonly materialization?: string;
}

/** The adapter's name for a project relation. */
export function relationRef(rel: Relation): RelationRef {
  return { database: rel.database, schema: rel.schema, name: rel.identifier };
}

/** Runs `fn`, returning its value and a timing entry named `name`. */
export async function timed<T>(name: TimingEntry['name'], fn: () => Promise<T>): Promise<{ value: T; timing: TimingEntry }> {
  const started = new Date().toISOString();
  const value = await fn();
  return { value, timing: { name, started_at: started, completed_at: new Date().toISOString() } };
}

/**
 * What a compiler needs of a live warehouse: whether a node's table exists (for
 * `is_incremental()`) and `run_query`. Also used by `stratum compile`, as dbt compile connects.
 */
export function warehouseCompileContext(adapter: WarehouseAdapter, signal?: AbortSignal): Pick<CompileContext, 'relationExists' | 'runQuery'> {
  return {
    relationExists: async (rel) => {
      const info = await adapter.relationInfo(relationRef(rel));
      return info !== undefined && info.kind !== 'view';
    },
    runQuery: (sql) => adapter.query(sql, { signal }),
  };
}

/** The compile context the runner gives the compiler: live relation checks, run_query and the --full-refresh flag. */
export function compileContext(ctx: RunContext): CompileContext {
  return {
    ...warehouseCompileContext(ctx.adapter, ctx.signal), fullRefresh: ctx.fullRefresh, invocationId: ctx.invocationId, runStartedAt: ctx.startedAt,
    ...(ctx.empty ? { empty: true } : {}), ...(ctx.storeFailures ? { storeFailures: true } : {}),
  };
}

/** Compiles a node with timing. Throws what the compiler throws (CompileError/ConfigError). */
export async function compileTimed(ctx: RunContext, node: ProjectNode): Promise<{ compiled: CompiledNode; timing: TimingEntry }> {
  const { value, timing } = await timed('compile', () => ctx.compile(ctx.project, node, compileContext(ctx)));
  for (const log of value.logs ?? []) ctx.onLog?.(log, node);
  return { compiled: value, timing };
}

/**
 * The SQL of a compiled node's pre- or post-hooks that run inside its transaction (`inside`), or
 * of those that run outside it (`transaction: false`, before BEGIN or after COMMIT), in order.
 */
export function hookStatements(compiled: CompiledNode, key: 'pre' | 'post', inside: boolean): string[] {
  const hooks = compiled.hooks?.[key] ?? (key === 'pre' ? compiled.preHooks : compiled.postHooks).map((sql) => ({ sql, transaction: true }));
  return hooks.filter((h) => h.transaction === inside).map((h) => h.sql);
}

/**
 * Runs a node's rendered hook statements in order, each committed on its own; a failing one fails
 * the node with the hook's SQL. Those that run inside the node's transaction go with its build.
 */
export async function runHooks(ctx: RunContext, node: ProjectNode, hooks: readonly string[]): Promise<void> {
  for (const sql of hooks) await ctx.adapter.execute(sql, { context: { node: node.uniqueId, file: node.originalFilePath, sql }, signal: ctx.signal });
}
