/**
 * What `stratum run | test | build | seed | source freshness` share, loaded when one of them runs
 * (their flags, and runProject, are in projectFlags.ts): loading the project and its profile
 * target, opening the warehouse, selecting nodes, wiring Ctrl-C to an AbortSignal, printing
 * events, writing the manifest, and mapping the outcome to an exit code (0 success or warnings
 * only, 1 a node failed or errored, 2 usage/configuration, 130 cancelled).
 */
import { relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { WarehouseAdapter } from '../engine/adapter.js';
import { DuckDBAdapter } from '../engine/duckdb/duckdbAdapter.js';
import { ConfigError, UsageError } from '../errors.js';
import { compileNode } from '../project/compile.js';
import { writeManifest } from '../project/manifest.js';
import { plainValue } from '../project/pythonRepr.js';
import type { ProfileTarget, Project } from '../project/types.js';
import { NOTHING_TO_DO, type RunCommand } from '../run/events.js';
import { runCommand, type RunSummary } from '../run/runner.js';
import { boolFlag, cancelOnSignals, listFlag, type ParsedArgs } from './command.js';
import { threadsFlag } from './projectFlags.js';
import { compiledPath, writeCompiled } from './compile.js';
import { loadFromFlags, loadSelection, resourceTypesFlags } from './projectOptions.js';
import { eventPrinter, foundLine, printTemplateLogs, stamped } from './runOutput.js';

/** dbt-duckdb profile keys (1.10) that change what a build reads or writes, and that Stratum does not implement. */
const UNSUPPORTED_DUCKDB_KEYS = ['extensions', 'secrets', 'attach', 'filesystems', 'plugins', 'external_root', 'config_options', 'use_credential_provider', 'remote', 'module_paths', 'is_ducklake'];

/**
 * Opens the warehouse of the project's target, with its DuckDB settings (a dbt-duckdb key it does
 * not support is a warning on stderr). Throws ConfigError for an unsupported target, or naming
 * the setting DuckDB refuses.
 */
export async function openWarehouse(project: Project, threads: number): Promise<WarehouseAdapter> {
  return openTarget(project.target, project.profileName, threads);
}

/** Opens the warehouse of a profile's target (see openWarehouse); `profileName` names it in messages. */
export async function openTarget(t: ProfileTarget, profileName: string, threads: number): Promise<WarehouseAdapter> {
  const key = `${profileName}.outputs.${t.name}`;
  if (t.type !== 'duckdb') throw new ConfigError(`target '${t.name}' is of type '${t.type}'; this command runs on duckdb targets`, { file: 'profiles.yml', key: `${key}.type` });
  // dbt-duckdb keys that change what a build does, which Stratum does not do: said, not dropped silently
  for (const k of Object.keys(t.extra).filter((k) => UNSUPPORTED_DUCKDB_KEYS.includes(k))) {
    process.stderr.write(`Warning: profiles.yml (${key}.${k}): Stratum does not support dbt-duckdb's '${k}'; it is ignored\n`);
  }
  const adapter = new DuckDBAdapter({ path: t.path ?? ':memory:', threads, settings: t.settings });
  try {
    await adapter.connect();
  } catch (e) {
    throw (await refusedSetting(t.settings ?? {}, key)) ?? e;
  }
  return adapter;
}

/**
 * The ConfigError naming the first of `settings` that DuckDB refuses on its own (DuckDB's "Failed
 * to set config" does not say which), or undefined when it takes each of them.
 */
async function refusedSetting(settings: Readonly<Record<string, string>>, key: string): Promise<ConfigError | undefined> {
  for (const [name, value] of Object.entries(settings)) {
    try {
      (await DuckDBInstance.create(':memory:', { [name]: value })).closeSync();
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/^Invalid Input Error: /, '');
      return new ConfigError(`DuckDB refuses ${name} = '${value}': ${why}`, { file: 'profiles.yml', key: `${key}.settings.${name}` });
    }
  }
  return undefined;
}

/** The project, and of `ids` those it has, in the order given. */
function onlyNodes(command: RunCommand, args: ParsedArgs, ids: readonly string[]): { project: Project; selected: string[] } {
  const project = loadFromFlags(command, args);
  return { project, selected: ids.filter((id) => project.nodes.has(id)) };
}

/**
 * Runs one project command from parsed args and returns the exit code. `extra.only` runs these
 * nodes (those of them the project still has) instead of the --select/--exclude selection: what
 * `stratum retry` re-runs.
 */
export async function runProjectCommand(command: RunCommand, args: ParsedArgs, extra: { now?: Date; only?: readonly string[] } = {}): Promise<number> {
  const json = boolFlag(args, 'json');
  const warnError = boolFlag(args, 'warn-error');
  const threadsGiven = threadsFlag(args, command);
  const types = resourceTypesFlags(command, args);
  const { project, selected: all } = extra.only ? onlyNodes(command, args, extra.only) : loadSelection(command, args);
  const selected = types ? all.filter((id) => types.includes(project.nodes.get(id)!.resourceType)) : all;
  printTemplateLogs(project.parseLogs ?? [], json);
  if (!json) process.stdout.write(`${stamped(foundLine(project))}\n`);
  const threads = threadsGiven ?? project.target.threads ?? 1;
  const adapter = await openWarehouse(project, threads);
  const cancel = cancelOnSignals('Cancelling: interrupting running statements (Ctrl-C again to quit at once)');
  // the nodes compiled so far: a Failure block names where the SQL of those only is written
  const compiledIds = new Set<string>();
  let summary: RunSummary;
  try {
    summary = await runCommand({
      command,
      project,
      adapter,
      compile: async (p, node, ctx) => {
        const c = await compileNode(p, node, ctx);
        compiledIds.add(node.uniqueId);
        return c;
      },
      selected,
      fullRefresh: boolFlag(args, 'full-refresh'),
      failFast: boolFlag(args, 'fail-fast'),
      warnError,
      storeFailures: boolFlag(args, 'store-failures'),
      empty: boolFlag(args, 'empty'),
      threads,
      signal: cancel.signal,
      onEvent: eventPrinter(json, undefined, (id) => {
        const node = project.nodes.get(id);
        return node && compiledIds.has(id) && (node.resourceType === 'model' || node.resourceType === 'test') ? relative(process.cwd(), compiledPath(project, node)) : undefined;
      }),
      now: extra.now,
      // dbt's names; what `stratum retry` runs again with
      args: {
        select: listFlag(args, 'select'), exclude: listFlag(args, 'exclude'), full_refresh: boolFlag(args, 'full-refresh'), threads, target: project.target.name,
        vars: plainValue(project.cliVars ?? {}), fail_fast: boolFlag(args, 'fail-fast'), warn_error: warnError,
        store_failures: boolFlag(args, 'store-failures'), empty: boolFlag(args, 'empty'),
        resource_types: listFlag(args, 'resource-type'), exclude_resource_types: listFlag(args, 'exclude-resource-type'),
      },
    });
    await writeManifest(project, { compiled: summary.compiled, invocationId: summary.invocationId });
    // as dbt run does, each node's compiled SQL in target/compiled (the manifest's compiled_path)
    for (const c of summary.compiled) if (c.node.resourceType === 'model' || c.node.resourceType === 'test') await writeCompiled(project, c);
  } finally {
    cancel.dispose();
    await adapter.close();
  }
  if (summary.nothingToDo && warnError) throw new UsageError(`stratum ${command}: ${NOTHING_TO_DO} (--warn-error makes this warning an error)`);
  if (summary.cancelled) return 130;
  return summary.counts.error > 0 ? 1 : 0;
}
