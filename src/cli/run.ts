/** `stratum run`: builds the selected models (views, tables, incrementals) in DAG order. */
import type { Command } from './command.js';
import { DBT_UNSUPPORTED_FLAGS, FULL_REFRESH_FLAG, PROJECT_FLAGS, runProject } from './projectFlags.js';

/** The `run` command. */
export const runCmd: Command = {
  name: 'run',
  summary: 'Build the selected models in dependency order (like dbt run).',
  unsupportedFlags: DBT_UNSUPPORTED_FLAGS,
  flags: [...PROJECT_FLAGS, FULL_REFRESH_FLAG],
  details: 'Exit codes: 0 success, 1 a model failed, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('run', args),
};
