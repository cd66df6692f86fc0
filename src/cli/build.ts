/** `stratum build`: seeds, models and tests in DAG order; a failing test skips its model's children. */
import type { Command } from './command.js';
import { EMPTY_FLAG, FULL_REFRESH_FLAG, projectCommand, RESOURCE_TYPE_FLAGS, RUN_FLAGS, runProject, STORE_FAILURES_FLAG } from './projectFlags.js';

/** The `build` command. */
export const buildCmd: Command = projectCommand({
  name: 'build',
  summary: 'Load seeds, build models and snapshots and run tests in dependency order (like dbt build).',
  flags: [...RUN_FLAGS, FULL_REFRESH_FLAG, EMPTY_FLAG, STORE_FAILURES_FLAG, ...RESOURCE_TYPE_FLAGS],
  details: 'Exit codes: 0 success or warnings only, 1 a node failed, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('build', args),
});
