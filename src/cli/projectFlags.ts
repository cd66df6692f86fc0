/**
 * The dbt-style flags of the commands that load a project, and their way into the code that runs
 * them. Declared apart from that code, so that the CLI can list every command's flags (help,
 * did-you-mean) without loading the project stack and the warehouse engine: each command loads
 * those when it runs.
 */
import type { RunCommand } from '../run/events.js';
import { intFlag, type Command, type FlagSpec, type ParsedArgs } from './command.js';

/** Flags of every command that loads a project and selects nodes. */
export const SELECTION_FLAGS: readonly FlagSpec[] = [
  { name: 'select', short: 's', type: 'string', multiple: true, greedy: true, value: 'SELECTOR', description: 'Nodes to include (dbt syntax: name, +name, name+, tag:x, path:dir, source:s.t, a,b).' },
  { name: 'exclude', type: 'string', multiple: true, greedy: true, value: 'SELECTOR', description: 'Nodes to leave out (same syntax).' },
  { name: 'state', type: 'string', value: 'DIR', description: "An earlier run's target folder (its manifest.json, run_results.json) for state:new, state:modified[.body|.configs|...] and result:<status>." },
  { name: 'target', short: 't', type: 'string', value: 'NAME', description: "The profiles.yml output to use (default: the profile's target)." },
  { name: 'vars', type: 'string', value: 'YAML', description: "Project variables as YAML or JSON, e.g. '{lookback_days: 7}'." },
  { name: 'project-dir', type: 'string', value: 'DIR', description: 'Where dbt_project.yml is (default: current directory).' },
  { name: 'profiles-dir', type: 'string', value: 'DIR', description: 'Where profiles.yml is (default: $DBT_PROFILES_DIR, then the project dir, the working directory, ~/.dbt).' },
  { name: 'json', type: 'boolean', description: 'Print machine-readable JSON.' },
];

/** The flags that select nodes. */
const SELECTING = ['select', 'exclude', 'state'];

/** SELECTION_FLAGS without those that select nodes (--select, --exclude, --state): for the commands that load a project but select nothing. */
export const PROJECT_LOAD_FLAGS: readonly FlagSpec[] = SELECTION_FLAGS.filter((f) => !SELECTING.includes(f.name));

/**
 * dbt's flags of these commands that Stratum does not take, with what to use instead (or ''):
 * said so, rather than "unknown flag". A command that takes one of them (build's --fail-fast)
 * declares it, and its parser never looks here.
 */
const DBT_UNSUPPORTED_FLAGS: Readonly<Record<string, string>> = {
  ...Object.fromEntries([
    '--selector', '--defer', '--no-defer', '--defer-state', '--favor-state', '--no-favor-state', '--deprecated-favor-state', '--indirect-selection',
    '--fail-fast', '-x', '--warn-error', '--warn-error-options', '--empty', '--store-failures', '--exclude-resource-type', '--resource-type', '--sample',
    '--event-time-start', '--event-time-end', '--show', '--introspect', '--inline', '--output-keys', '--target-path', '--log-path', '--log-level', '--log-level-file',
    '--log-format', '--log-format-file', '--log-cache-events', '--debug', '-d', '--quiet', '-q', '--print', '--no-print', '--printer-width', '--use-colors',
    '--no-use-colors', '--use-colors-file', '--no-use-colors-file', '--profile', '--write-json', '--no-write-json', '--partial-parse', '--no-partial-parse',
    '--static-parser', '--use-experimental-parser', '--populate-cache', '--no-populate-cache', '--cache-selected-only', '--record-timing-info', '-r',
    '--send-anonymous-usage-stats', '--no-send-anonymous-usage-stats', '--show-all-deprecations', '--version-check', '--no-version-check',
    '--upload-to-artifacts-ingest-api',
  ].map((f) => [f, ''])),
  '--resource-types': "use --resource-type where a command takes it (build, ls)",
  '--exclude-resource-types': 'use --exclude-resource-type where a command takes it (build)',
  '-m': 'use --select (-s), its name since dbt 1.0',
  '--models': 'use --select (-s), its name since dbt 1.0',
};

/**
 * A command that loads a project: the dbt flags it does not take (DBT_UNSUPPORTED_FLAGS) are
 * named as such, in every one of them alike.
 */
export function projectCommand(cmd: Omit<Command, 'unsupportedFlags'>): Command {
  return { ...cmd, unsupportedFlags: DBT_UNSUPPORTED_FLAGS };
}

/** Flags every project command takes, as dbt spells them: the selection flags plus --threads. */
export const PROJECT_FLAGS: readonly FlagSpec[] = [
  ...SELECTION_FLAGS.map((f) => (f.name === 'json' ? { ...f, description: 'Print events as JSON lines instead of text.' } : f)),
  { name: 'threads', type: 'string', value: 'N', description: "Nodes run at once (default: the target's threads)." },
];

/** The --threads given to `command` (1 to 64), or undefined for the target's. */
export function threadsFlag(args: ParsedArgs, command: string): number | undefined {
  return intFlag(args, command, 'threads', 1, 64);
}

/** dbt's --empty, for the commands that build or compile models. */
export const EMPTY_FLAG: FlagSpec = { name: 'empty', type: 'boolean', description: "Read every ref() and source() as no rows (dbt's --empty): models build, and tests run, empty." };

/** dbt's --store-failures, for the commands that run tests (test, build). */
export const STORE_FAILURES_FLAG: FlagSpec = {
  name: 'store-failures', type: 'boolean',
  description: "Store each test's failing rows in a table of the <schema>_dbt_test__audit schema, unless its config says otherwise (dbt's --store-failures).",
};

/** The --full-refresh flag, for commands that build models or seeds. */
export const FULL_REFRESH_FLAG: FlagSpec = { name: 'full-refresh', short: 'f', type: 'boolean', description: 'Rebuild incremental models (and seeds) from scratch.' };

/** dbt's --warn-error, for every command that loads a project and renders its templates. */
export const WARN_ERROR_FLAG: FlagSpec = {
  name: 'warn-error', type: 'boolean',
  description: "Make warnings errors: a test that would warn fails; a selection that matches nothing and a template's exceptions.warn() are errors.",
};

/** Flags of the commands that run nodes (run, test, build, seed), as dbt spells them: PROJECT_FLAGS plus how failures and warnings end the run. */
export const RUN_FLAGS: readonly FlagSpec[] = [
  ...PROJECT_FLAGS,
  { name: 'fail-fast', short: 'x', type: 'boolean', description: 'Stop at the first node that fails or errors: nothing more starts and the rest is skipped.' },
  WARN_ERROR_FLAG,
];

/** RUN_FLAGS without those that select nodes: `retry` runs the nodes its previous run left undone, with that run's threads by default. */
export const RETRY_FLAGS: readonly FlagSpec[] = RUN_FLAGS.filter((f) => !SELECTING.includes(f.name))
  .map((f) => (f.name === 'threads' ? { ...f, description: "Nodes run at once (default: the retried run's)." } : f));

/** dbt's resource types, which its --resource-type takes (and `default`, `all`); a Stratum project has models, seeds, tests and sources. */
export const DBT_RESOURCE_TYPES: readonly string[] = ['analysis', 'exposure', 'metric', 'model', 'saved_query', 'seed', 'semantic_model', 'snapshot', 'source', 'test', 'unit_test'];

/** build's --resource-type and --exclude-resource-type, as dbt 1.10's. */
export const RESOURCE_TYPE_FLAGS: readonly FlagSpec[] = [
  { name: 'resource-type', type: 'string', multiple: true, greedy: true, value: 'TYPE', description: "Only nodes of these types: model, seed, snapshot, test (dbt's other types, such as source or unit_test, select none here)." },
  { name: 'exclude-resource-type', type: 'string', multiple: true, greedy: true, value: 'TYPE', description: 'Leave out nodes of these types.' },
];

/** Runs a project command (see runProjectCommand), loading the project stack and the engine now. */
export async function runProject(command: RunCommand, args: ParsedArgs, extra: { now?: Date } = {}): Promise<number> {
  return (await import('./projectRun.js')).runProjectCommand(command, args, extra);
}
