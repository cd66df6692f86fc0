/** `stratum test`: runs the selected data tests (generic and singular). */
import type { Command } from './command.js';
import { RUN_FLAGS, STORE_FAILURES_FLAG, projectCommand, runProject } from './projectFlags.js';

/** The `test` command. */
export const testCmd: Command = projectCommand({
  name: 'test',
  summary: 'Run the selected data tests (like dbt test).',
  flags: [...RUN_FLAGS, STORE_FAILURES_FLAG],
  details: 'Exit codes: 0 all passed or only warned, 1 a test failed or errored, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('test', args),
});
