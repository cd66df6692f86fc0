/** `stratum clean`: deletes the project's clean-targets, as `dbt clean`. */
import { boolFlag, stringFlag, type Command } from './command.js';
import { projectCommand } from './projectFlags.js';

/** The `stratum clean` command. */
export const cleanCommand: Command = projectCommand({
  name: 'clean',
  summary: "Delete the folders dbt_project.yml lists under clean-targets (default: the target folder), as dbt clean.",
  details: 'Examples:\n  stratum clean\n  stratum clean --project-dir test/fixtures/jaffle\n\nExit codes: 0 cleaned, 2 a clean-target refused (a source folder, or one outside the project) or not deleted (named), or bad usage or configuration, 130 cancelled.',
  flags: [
    { name: 'project-dir', type: 'string', value: 'DIR', description: 'Where dbt_project.yml is (default: current directory).' },
    { name: 'no-clean-project-files-only', type: 'boolean', description: 'Also delete clean-targets outside the project folder (refused by default, as dbt does).' },
  ],
  async run(args, signal) {
    const [{ cleanProject }, { stamped }] = await Promise.all([import('../project/clean.js'), import('./runOutput.js')]);
    const dir = stringFlag(args, 'project-dir');
    await cleanProject({
      ...(dir !== undefined ? { projectDir: dir } : {}),
      projectFilesOnly: !boolFlag(args, 'no-clean-project-files-only'),
      signal,
      onPath: (phase, path) => process.stdout.write(`${stamped(`${phase === 'checking' ? 'Checking' : 'Cleaned'} ${path}/*`)}\n`),
    });
    process.stdout.write(`${stamped('Finished cleaning all paths.')}\n`);
    return 0;
  },
});
