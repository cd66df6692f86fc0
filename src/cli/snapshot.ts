/** `stratum snapshot`: runs the selected snapshots (type 2 history of their selects), as `dbt snapshot`. */
import type { Command } from './command.js';
import { RUN_FLAGS, projectCommand, runProject } from './projectFlags.js';

/** The `snapshot` command. */
export const snapshotCmd: Command = projectCommand({
  name: 'snapshot',
  summary: "Run the selected snapshots: record their selects' changes as type 2 history (like dbt snapshot).",
  flags: RUN_FLAGS,
  details: 'Examples:\n  stratum snapshot\n  stratum snapshot -s customers_snapshot\n\nExit codes: 0 success, 1 a snapshot failed, 2 bad usage or configuration, 130 cancelled.',
  run: (args) => runProject('snapshot', args),
});
