/**
 * The dbt-style flags of the commands that load a project, and their way into the code that runs
 * them. Declared apart from that code, so that the CLI can list every command's flags (help,
 * did-you-mean) without loading the project stack and the warehouse engine: each command loads
 * those when it runs.
 */
import type { RunCommand } from '../run/events.js';
import type { FlagSpec, ParsedArgs } from './command.js';

/** Flags of every command that loads a project and selects nodes. */
export const SELECTION_FLAGS: readonly FlagSpec[] = [
  { name: 'select', short: 's', type: 'string', multiple: true, greedy: true, value: 'SELECTOR', description: 'Nodes to include (dbt syntax: name, +name, name+, tag:x, path:dir, source:s.t, a,b).' },
  { name: 'exclude', type: 'string', multiple: true, greedy: true, value: 'SELECTOR', description: 'Nodes to leave out (same syntax).' },
  { name: 'target', short: 't', type: 'string', value: 'NAME', description: "The profiles.yml output to use (default: the profile's target)." },
  { name: 'vars', type: 'string', value: 'YAML', description: "Project variables as YAML or JSON, e.g. '{lookback_days: 7}'." },
  { name: 'project-dir', type: 'string', value: 'DIR', description: 'Where dbt_project.yml is (default: current directory).' },
  { name: 'profiles-dir', type: 'string', value: 'DIR', description: 'Where profiles.yml is (default: $DBT_PROFILES_DIR, then the project dir, the working directory, ~/.dbt).' },
  { name: 'json', type: 'boolean', description: 'Print machine-readable JSON.' },
];

/**
 * dbt's flags of these commands that Stratum does not take, with what to use instead (or ''):
 * said so, rather than "unknown flag".
 */
export const DBT_UNSUPPORTED_FLAGS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['--selector', '--state', '--defer', '--no-defer', '--favor-state', '--indirect-selection', '--fail-fast', '-x', '--empty',
    '--store-failures', '--exclude-resource-type', '--sample', '--event-time-start', '--event-time-end'].map((f) => [f, ''])),
  '-m': 'use --select (-s), its name since dbt 1.0',
  '--models': 'use --select (-s), its name since dbt 1.0',
};

/** Flags every project command takes, as dbt spells them: the selection flags plus --threads. */
export const PROJECT_FLAGS: readonly FlagSpec[] = [
  ...SELECTION_FLAGS.map((f) => (f.name === 'json' ? { ...f, description: 'Print events as JSON lines instead of text.' } : f)),
  { name: 'threads', type: 'string', value: 'N', description: "Nodes run at once (default: the target's threads)." },
];

/** The --full-refresh flag, for commands that build models or seeds. */
export const FULL_REFRESH_FLAG: FlagSpec = { name: 'full-refresh', type: 'boolean', description: 'Rebuild incremental models (and seeds) from scratch.' };

/** Runs a project command (see runProjectCommand), loading the project stack and the engine now. */
export async function runProject(command: RunCommand, args: ParsedArgs, extra: { now?: Date } = {}): Promise<number> {
  return (await import('./projectRun.js')).runProjectCommand(command, args, extra);
}
