/** `stratum parse`: parses the project and writes target/manifest.json, as `dbt parse` does, without a warehouse. */
import { relative } from 'node:path';
import { throwIfCancelled, type Command } from './command.js';
import { PROJECT_LOAD_FLAGS, projectCommand, WARN_ERROR_FLAG } from './projectFlags.js';

/** The `stratum parse` command. */
export const parseCommand: Command = projectCommand({
  name: 'parse',
  summary: "Parse the project (templates, yml, dbt_project.yml) and write target/manifest.json, without the warehouse (dbt parse).",
  details: 'Examples:\n  stratum parse\n  stratum parse --project-dir test/fixtures/jaffle --json\n\nExit codes: 0 parsed, 2 an error in the project (named by file and line), 130 cancelled.',
  flags: [...PROJECT_LOAD_FLAGS, WARN_ERROR_FLAG],
  async run(args, signal) {
    const [{ jsonFlag, loadFromFlags }, { writeManifest }, { foundLine, printTemplateLogs, stamped }] = await Promise.all([
      import('./projectOptions.js'), import('../project/manifest.js'), import('./runOutput.js'),
    ]);
    const json = jsonFlag(args);
    const project = loadFromFlags('parse', args);
    await throwIfCancelled(signal);
    const path = relative(process.cwd(), await writeManifest(project)) || 'manifest.json';
    if (json) {
      const counts: Record<string, number> = {};
      for (const n of project.nodes.values()) counts[n.resourceType] = (counts[n.resourceType] ?? 0) + 1;
      process.stdout.write(`${JSON.stringify({ manifest: path, nodes: counts, macros: project.macros.size }, null, 2)}\n`);
      return 0;
    }
    printTemplateLogs(project.parseLogs ?? [], false);
    process.stdout.write(`${stamped(foundLine(project))}\n${stamped(`Wrote ${path}`)}\n`);
    return 0;
  },
});
