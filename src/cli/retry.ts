/**
 * `stratum retry`, as `dbt retry`: runs again, with the same flags, the nodes of the last run,
 * test, seed or build (target/run_results.json) that errored, failed or were skipped. Flags given
 * to retry (--target, --vars, --threads, ...) override the recorded ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { RunCommand } from '../run/events.js';
import type { RunResultsArtifact } from '../run/runResults.js';
import { boolFlag, stringFlag, type Command } from './command.js';
import { projectCommand, RETRY_FLAGS, threadsFlag } from './projectFlags.js';

/** The commands whose runs retry runs again. */
const RETRIED: readonly RunCommand[] = ['run', 'test', 'seed', 'snapshot', 'build'];
/** Result statuses retried, as dbt's RETRYABLE_STATUSES. */
const RETRYABLE = new Set(['error', 'fail', 'skipped', 'runtime error']);

/** The recorded args of a run_results.json that retry reads (dbt's names). */
interface RecordedArgs {
  which?: string;
  full_refresh?: boolean;
  threads?: number;
  target?: string;
  vars?: Record<string, unknown>;
  fail_fast?: boolean;
  warn_error?: boolean;
  store_failures?: boolean;
  empty?: boolean;
  resource_types?: string[];
  exclude_resource_types?: string[];
}

/** The `stratum retry` command. */
export const retryCommand: Command = projectCommand({
  name: 'retry',
  summary: 'Run again the nodes of the last run, test, seed, snapshot or build that errored, failed or were skipped, with its flags (dbt retry).',
  details: "Examples:\n  stratum retry\n  stratum retry --vars '{lookback_days: 7}'   # overrides the recorded --vars\n\nExit codes: as the command it runs again; 2 when there is no previous run to retry, 130 cancelled.",
  flags: RETRY_FLAGS,
  async run(args) {
    // the flags given to retry are named as retry's, before the run they override is read
    threadsFlag(args, 'retry');
    const [{ readProjectFile }, { parseVarsFlag }] = await Promise.all([import('../project/projectFile.js'), import('./projectOptions.js')]);
    parseVarsFlag('retry', stringFlag(args, 'vars'));
    const root = resolve(stringFlag(args, 'project-dir') ?? '.');
    const settings = readProjectFile(root);
    const file = join(root, settings.paths.target, 'run_results.json');
    if (!existsSync(file)) throw new UsageError(`stratum retry: no previous run to retry: ${join(settings.paths.target, 'run_results.json')} not found in ${root}`);
    let recorded: { args?: RecordedArgs; results?: RunResultsArtifact['results'] };
    try {
      recorded = JSON.parse(readFileSync(file, 'utf8')) as typeof recorded;
    } catch (e) {
      throw new UsageError(`stratum retry: ${file} is not valid JSON: ${(e as Error).message}`);
    }
    const prev = recorded.args ?? {};
    const command = prev.which as RunCommand | undefined;
    if (command === undefined || !RETRIED.includes(command)) {
      throw new UsageError(`stratum retry: the previous command (${command ?? 'unknown'}, in ${file}) is not one retry runs again: ${RETRIED.join(', ')}`);
    }
    const only = (recorded.results ?? []).filter((r) => RETRYABLE.has(r.status)).map((r) => r.unique_id);
    const flags: Record<string, string | boolean | string[] | undefined> = {
      ...args.flags,
      'full-refresh': prev.full_refresh === true,
      'fail-fast': boolFlag(args, 'fail-fast') || prev.fail_fast === true,
      'warn-error': boolFlag(args, 'warn-error') || prev.warn_error === true,
      'store-failures': prev.store_failures === true,
      empty: prev.empty === true,
      'resource-type': prev.resource_types ?? [],
      'exclude-resource-type': prev.exclude_resource_types ?? [],
    };
    if (stringFlag(args, 'threads') === undefined && prev.threads !== undefined) flags.threads = String(prev.threads);
    if (stringFlag(args, 'target') === undefined && prev.target !== undefined) flags.target = prev.target;
    if (stringFlag(args, 'vars') === undefined && prev.vars && Object.keys(prev.vars).length > 0) flags.vars = JSON.stringify(prev.vars);
    const { runProjectCommand } = await import('./projectRun.js');
    return runProjectCommand(command, { ...args, flags }, { only });
  },
});
