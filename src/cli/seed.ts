/** `stratum seed`: loads the selected seed CSVs into tables. */
import type { Command } from './command.js';
import { DBT_UNSUPPORTED_FLAGS, FULL_REFRESH_FLAG, PROJECT_FLAGS, runProject } from './projectFlags.js';

/** The `seed` command. */
export const seedCmd: Command = {
  name: 'seed',
  summary: 'Load the seed CSVs into tables (like dbt seed).',
  unsupportedFlags: DBT_UNSUPPORTED_FLAGS,
  flags: [...PROJECT_FLAGS, FULL_REFRESH_FLAG],
  details: 'Exit codes: 0 success, 1 a seed failed to load, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('seed', args),
};
