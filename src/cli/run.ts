/** `stratum run`: builds the selected models (views, tables, incrementals) in DAG order. */
import type { Command } from './command.js';
import { EMPTY_FLAG, FULL_REFRESH_FLAG, RUN_FLAGS, projectCommand, runProject } from './projectFlags.js';

/** The `run` command. */
export const runCmd: Command = projectCommand({
  name: 'run',
  summary: 'Build the selected models in dependency order (like dbt run).',
  flags: [...RUN_FLAGS, FULL_REFRESH_FLAG, EMPTY_FLAG],
  details: 'Exit codes: 0 success, 1 a model failed, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('run', args),
});
