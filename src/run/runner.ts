/**
 * The runner API behind `stratum run | test | build | seed | source freshness`: executes the
 * selected nodes in dependency order, independent ones concurrently up to `threads`, skipping
 * whatever depends on a failed node, emitting RunEvents as it goes, and writing
 * target/run_results.json (target/sources.json for freshness). An AbortSignal cancels: running
 * statements are interrupted, nothing new starts, and partially built relations are rolled back
 * by the adapter; the summary then says `cancelled`.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { WarehouseAdapter } from '../engine/adapter.js';
import { CancelledError, QueryError } from '../errors.js';
import { compileRunHooks } from '../project/compile.js';
import type { CompiledNode, CompileNodeFn, Project, ProjectNode, SourceNode } from '../project/types.js';
import { runGraph } from './dagScheduler.js';
import { countStatus, FAIL_FAST_SKIP, NO_COUNTS, NOTHING_TO_DO, type NodeStatus, type RunCommand, type RunCounts, type RunEventListener, templateLogEvent } from './events.js';
import { checkFreshness, newestPartitionClock } from './sourceFreshness.js';
import { executeModel } from './modelExecutor.js';
import { commandTasks } from './runGraph.js';
import { runResultsArtifact, writeArtifact, type RunResultEntry } from './runResults.js';
import { compileContext, type NodeOutcome, type RunContext } from './runContext.js';
import { executeSeed } from './seedExecutor.js';
import { executeSnapshot } from './snapshotExecutor.js';
import { executeTest } from './testExecutor.js';
import { freshnessArtifact } from './sourcesArtifact.js';

/** What to run and how. */
export interface RunRequest {
  readonly command: RunCommand;
  readonly project: Project;
  readonly adapter: WarehouseAdapter;
  readonly compile: CompileNodeFn;
  /** Unique ids chosen by --select/--exclude; nodes of other resource types are ignored. */
  readonly selected: Iterable<string>;
  readonly fullRefresh?: boolean;
  /** Concurrency; default the target's `threads`. */
  readonly threads?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: RunEventListener;
  /** Where artifacts go; default `<project>/<target-path>`. `false` writes none. */
  readonly targetDir?: string | false;
  /** Recorded as run_results.json `args`. */
  readonly args?: Readonly<Record<string, unknown>>;
  /** Freshness clock; default the newest `dt=` partition of the sources (else now). */
  readonly now?: Date;
  /**
   * dbt's `--fail-fast`: at the first node that errors or fails, nothing more starts, running
   * statements are interrupted, and every node not finished is skipped (`Skipping due to fail_fast`).
   */
  readonly failFast?: boolean;
  /** dbt's `--warn-error`: a test that would warn fails instead. */
  readonly warnError?: boolean;
  /** dbt's `--store-failures`: a test whose config says nothing of it stores its failing rows as a table. */
  readonly storeFailures?: boolean;
  /** `--empty`: models build, and tests run, with every ref and source read as no rows. */
  readonly empty?: boolean;
}

/** The outcome of a whole invocation. */
export interface RunSummary {
  readonly invocationId: string;
  readonly results: readonly RunResultEntry[];
  readonly counts: RunCounts;
  /** Seconds. */
  readonly elapsed: number;
  readonly cancelled: boolean;
  /** Path of the run_results.json (or sources.json) written, if any. */
  readonly artifactPath?: string;
  /** Every node compiled during the run, for the manifest. */
  readonly compiled: readonly CompiledNode[];
  /** The selection left the command no node to run (dbt's "Nothing to do"): nothing ran, no hook either. */
  readonly nothingToDo: boolean;
}

/** The commands that run dbt_project.yml's `on-run-start` and `on-run-end` hooks, as dbt's do. */
const HOOKED: ReadonlySet<RunCommand> = new Set<RunCommand>(['run', 'build', 'seed', 'snapshot', 'test']);

function nodeMaterialization(node: ProjectNode): string {
  if (node.resourceType === 'source') return 'freshness';
  return String(node.config.materialized);
}

function relationLabel(node: ProjectNode): string | undefined {
  if (node.resourceType === 'test') return undefined;
  return `${node.relation.schema}.${node.relation.identifier}`;
}

/** Runs a command and resolves to its summary. Rejects only on programming errors. */
export async function runCommand(req: RunRequest): Promise<RunSummary> {
  const started = Date.now();
  const invocationId = randomUUID();
  const { project, adapter } = req;
  const emit: RunEventListener = req.onEvent ?? (() => undefined);
  const threads = Math.max(1, req.threads ?? project.target.threads ?? 1);
  // every node compiled, kept as it compiles: a node that then fails to build is in the manifest
  // and target/compiled too, where its SQL can be read
  const compiled = new Map<string, CompiledNode>();
  const compile: CompileNodeFn = async (p, node, c) => {
    const done = await req.compile(p, node, c);
    compiled.set(node.uniqueId, done);
    return done;
  };
  const tasks = commandTasks(project, req.command, req.selected);
  const total = tasks.length;
  const writeResults = async (results: readonly RunResultEntry[], elapsed: number, freshness: Parameters<typeof freshnessArtifact>[2]): Promise<string | undefined> => {
    if (req.targetDir === false) return undefined;
    const dir = req.targetDir ?? join(project.rootDir, project.paths.target);
    return req.command === 'source freshness'
      ? writeArtifact(dir, freshnessArtifact(invocationId, project, freshness, elapsed), 'sources.json')
      : writeArtifact(dir, runResultsArtifact(invocationId, results, elapsed, { which: req.command, ...req.args }, { adapterType: project.target.type }));
  };
  if (total === 0) {
    // as dbt: a warning instead of a run, no hooks, and empty results
    emit({ type: 'log', level: 'warn', message: NOTHING_TO_DO });
    const artifactPath = await writeResults([], 0, []);
    return { invocationId, results: [], counts: NO_COUNTS, elapsed: (Date.now() - started) / 1000, cancelled: false, artifactPath, compiled: [], nothingToDo: true };
  }
  // the run stops on the caller's signal (Ctrl-C) or at the first failure with --fail-fast
  const failFast = new AbortController();
  const stop = new AbortController();
  const stopRun = () => stop.abort();
  if (req.signal?.aborted) stop.abort();
  req.signal?.addEventListener('abort', stopRun, { once: true });
  failFast.signal.addEventListener('abort', stopRun, { once: true });
  const signal = stop.signal;
  const ctx: RunContext = {
    project, adapter, compile, fullRefresh: req.fullRefresh === true, warnError: req.warnError === true, storeFailures: req.storeFailures === true, empty: req.empty === true, invocationId, startedAt: new Date(started), signal,
    onLog: (log, node) => emit(templateLogEvent(log, node.uniqueId)),
  };
  emit({ type: 'run_started', command: req.command, invocationId, total, threads, target: project.target.name, at: new Date(started).toISOString() });

  let now = req.now;
  if (req.command === 'source freshness' && !now) {
    const sources = tasks.map((t) => project.nodes.get(t.id)).filter((n): n is SourceNode => n?.resourceType === 'source');
    const newest = await newestPartitionClock(adapter, sources);
    now = newest ?? new Date();
    emit({ type: 'log', level: 'info', message: `Freshness clock: ${now.toISOString()} (${newest ? 'the end of the sources\' newest dt= partition' : 'now: the sources have no dt= partitions'})` });
  }

  const onAbort = () => void adapter.cancel();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const results: RunResultEntry[] = [];
  const freshness: { id: string; outcome: Awaited<ReturnType<typeof checkFreshness>> | undefined; error?: string }[] = [];
  let counts = NO_COUNTS;
  let started_ = 0;
  const busy = new Set<number>();
  const takeThread = (): number => {
    let t = 1;
    while (busy.has(t)) t++;
    busy.add(t);
    return t;
  };

  const record = (node: ProjectNode, status: NodeStatus, index: number, outcome: Partial<NodeOutcome>, seconds: number, thread: number) => {
    const materialization = outcome.materialization ?? nodeMaterialization(node);
    emit({
      type: 'node_finished',
      uniqueId: node.uniqueId,
      resourceType: node.resourceType,
      name: node.name,
      materialization,
      relation: relationLabel(node),
      originalFilePath: node.originalFilePath,
      index,
      total,
      status,
      executionTime: seconds,
      rowsAffected: outcome.rowsAffected,
      failures: outcome.failures,
      message: outcome.message,
      code: outcome.code,
      failuresRelation: node.resourceType === 'test' ? outcome.relationName : undefined,
    });
    counts = countStatus(counts, status);
    results.push({
      unique_id: node.uniqueId,
      status,
      timing: outcome.timing ?? [],
      thread_id: `Thread-${thread} (worker)`,
      execution_time: seconds,
      adapter_response: outcome.code ? { _message: outcome.code + (outcome.rowsAffected !== undefined ? ` ${outcome.rowsAffected}` : ''), code: outcome.code, rows_affected: outcome.rowsAffected } : {},
      message: outcome.message ?? (status === 'success' ? outcome.code ?? 'OK' : null),
      failures: outcome.failures ?? (node.resourceType === 'test' && status !== 'skipped' && status !== 'error' ? 0 : null),
      compiled: outcome.compiledCode !== undefined,
      compiled_code: outcome.compiledCode ?? null,
      relation_name: outcome.relationName ?? null,
      batch_results: null,
    });
  };

  /** With --fail-fast, the first failure stops the run: nothing new starts and running statements are interrupted. */
  const stopOnFailure = (): void => {
    if (!req.failFast || failFast.signal.aborted) return;
    failFast.abort();
    void adapter.cancel();
  };

  const execute = async (id: string): Promise<'ok' | 'failed'> => {
    const node = project.nodes.get(id)!;
    const index = ++started_;
    const thread = takeThread();
    emit({ type: 'node_started', uniqueId: id, resourceType: node.resourceType, name: node.name, materialization: nodeMaterialization(node), relation: relationLabel(node), originalFilePath: node.originalFilePath, index, total });
    const t0 = performance.now();
    try {
      let outcome: NodeOutcome;
      if (node.resourceType === 'model') outcome = await executeModel(ctx, node);
      else if (node.resourceType === 'seed') outcome = await executeSeed(ctx, node);
      else if (node.resourceType === 'test') outcome = await executeTest(ctx, node);
      else if (node.resourceType === 'snapshot') outcome = await executeSnapshot(ctx, node);
      else {
        const f = await checkFreshness(adapter, node, now ?? new Date(), req.signal);
        freshness.push({ id, outcome: f });
        outcome = f;
      }
      const seconds = (performance.now() - t0) / 1000;
      record(node, outcome.status, index, outcome, seconds, thread);
      const failed = outcome.status === 'error' || outcome.status === 'fail';
      if (failed) stopOnFailure();
      return failed ? 'failed' : 'ok';
    } catch (e) {
      // a node --fail-fast interrupted is skipped, as dbt marks the nodes it did not finish
      if (failFast.signal.aborted && req.signal?.aborted !== true) {
        record(node, 'skipped', index, { message: FAIL_FAST_SKIP }, (performance.now() - t0) / 1000, thread);
        return 'failed';
      }
      const cancelled = e instanceof CancelledError || req.signal?.aborted === true;
      const message = cancelled ? 'cancelled' : (e instanceof Error ? e.message : String(e)).split('\n')[0];
      if (node.resourceType === 'source') freshness.push({ id, outcome: undefined, error: message });
      const status: NodeStatus = node.resourceType === 'source' ? 'runtime error' : 'error';
      record(node, status, index, { message, compiledCode: e instanceof QueryError ? e.context.sql : undefined }, (performance.now() - t0) / 1000, thread);
      stopOnFailure();
      return 'failed';
    } finally {
      busy.delete(thread);
    }
  };

  /**
   * Renders and runs dbt_project.yml's `key` statements in order, each reported and counted as
   * dbt does; after one fails, the rest are skipped. Returns why one failed (counted as an error,
   * so the command exits 1), or undefined.
   */
  const runProjectHooks = async (key: 'on-run-start' | 'on-run-end', extra: Record<string, unknown>): Promise<string | undefined> => {
    const templates = key === 'on-run-start' ? project.onRunStart : project.onRunEnd;
    if (templates.length === 0) return undefined;
    const total = templates.length;
    const hook = (i: number) => `${project.name}.${key}.${i}`;
    const finished = (i: number, status: 'success' | 'error' | 'skipped', executionTime: number, message?: string) => {
      emit({ type: 'hook_finished', key, hook: hook(i), index: i + 1, total, status, executionTime, ...(message !== undefined ? { message } : {}) });
      counts = countStatus(counts, status);
    };
    let i = 0;
    let t0 = performance.now();
    try {
      const { statements, logs } = await compileRunHooks(project, key, compileContext(ctx), extra);
      for (const log of logs) emit(templateLogEvent(log));
      for (; i < statements.length; i++) {
        emit({ type: 'hook_started', key, hook: hook(i), index: i + 1, total });
        t0 = performance.now();
        await adapter.execute(statements[i]!, { context: { node: `operation.${project.name}.${project.name}-${key}-${i}`, file: 'dbt_project.yml', sql: statements[i]! }, signal: req.signal });
        finished(i, 'success', (performance.now() - t0) / 1000);
      }
      return undefined;
    } catch (e) {
      const error = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      finished(i, 'error', (performance.now() - t0) / 1000, error);
      for (let j = i + 1; j < total; j++) finished(j, 'skipped', 0);
      return `${key} hook ${hook(i)} failed: ${error}`;
    }
  };

  // dbt_project.yml's on-run-start statements, before any node; when one fails, the nodes still
  // run (the run fails), unless the project's flags say to skip them, as in dbt 1.10
  const hooks = HOOKED.has(req.command);
  const startFailed = hooks ? await runProjectHooks('on-run-start', {}) : undefined;
  let notStarted: string[];
  if (startFailed && project.skipNodesIfOnRunStartFails === true) {
    for (const t of tasks) record(project.nodes.get(t.id)!, 'skipped', ++started_, { message: `skipped: ${startFailed}` }, 0, 0);
    notStarted = [];
  } else {
    notStarted = await runGraph(tasks, {
      concurrency: threads,
      execute,
      signal,
      onSkip: (id, cause) => {
        const node = project.nodes.get(id)!;
        record(node, 'skipped', ++started_, { message: `skipped: depends on ${cause}, which did not succeed` }, 0, 0);
      },
    });
  }
  // and its on-run-end statements after them (unless cancelled), with dbt's `results` and `schemas`
  if (hooks && req.signal?.aborted !== true) {
    const relations = tasks.map((t) => project.nodes.get(t.id)!).filter((n) => n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot').map((n) => n.relation);
    const schemas = [...new Set(relations.map((r) => r.schema))];
    const databaseSchemas = [...new Map(relations.map((r) => [`${r.database}.${r.schema}`, [r.database, r.schema]])).values()];
    const byId = new Map(results.map((r) => [r.unique_id, r]));
    const hookResults = tasks.map((t) => byId.get(t.id)).filter((r) => r !== undefined).map((r) => {
      const node = project.nodes.get(r.unique_id)!;
      return { ...r, node: { unique_id: node.uniqueId, name: node.name, resource_type: node.resourceType, package_name: node.packageName, original_file_path: node.originalFilePath, config: node.config } };
    });
    await runProjectHooks('on-run-end', { results: hookResults, schemas, database_schemas: databaseSchemas });
  }
  req.signal?.removeEventListener('abort', onAbort);
  req.signal?.removeEventListener('abort', stopRun);
  const cancelled = req.signal?.aborted === true;
  if (cancelled && notStarted.length > 0) emit({ type: 'log', level: 'warn', message: `Cancelled: ${notStarted.length} node(s) not started` });
  // as dbt after --fail-fast, every node that did not run is skipped
  else if (failFast.signal.aborted) for (const id of notStarted) record(project.nodes.get(id)!, 'skipped', ++started_, { message: FAIL_FAST_SKIP }, 0, 0);
  const elapsed = (Date.now() - started) / 1000;
  const artifactPath = await writeResults(results, elapsed, freshness);
  emit({ type: 'run_finished', command: req.command, counts, elapsed, cancelled });
  return { invocationId, results, counts, elapsed, cancelled, artifactPath, compiled: [...compiled.values()], nothingToDo: false };
}
