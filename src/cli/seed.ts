/** `stratum seed`: loads the selected seed CSVs into tables. */
import type { Command } from './command.js';
import { FULL_REFRESH_FLAG, RUN_FLAGS, projectCommand, runProject } from './projectFlags.js';

/** The `seed` command. */
export const seedCmd: Command = projectCommand({
  name: 'seed',
  summary: 'Load the seed CSVs into tables (like dbt seed).',
  flags: [...RUN_FLAGS, FULL_REFRESH_FLAG],
  details: 'Exit codes: 0 success, 1 a seed failed to load, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('seed', args),
});
