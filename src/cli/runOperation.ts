/**
 * `stratum run-operation MACRO [--args YAML]`: runs a project macro as `dbt run-operation` does,
 * against the warehouse (its `run_query` statements run), printing what it logs.
 */
import { UsageError } from '../errors.js';
import { stringFlag, type Command } from './command.js';
import { PROJECT_LOAD_FLAGS, projectCommand, WARN_ERROR_FLAG } from './projectFlags.js';

/** The `stratum run-operation` command. */
export const runOperationCommand: Command = projectCommand({
  name: 'run-operation',
  summary: 'Run a macro against the warehouse, with --args as its keyword arguments (dbt run-operation).',
  details: "Examples:\n  stratum run-operation grant_select --args '{role: reporter}'\n  stratum run-operation drop_old_tables --args '{days: 30}' --target dev\n\nExit codes: 0 ran, 1 a query of the macro failed, 2 bad usage or configuration, or no such macro, 130 cancelled.",
  positionals: 'MACRO',
  flags: [
    ...PROJECT_LOAD_FLAGS.filter((f) => f.name !== 'json'),
    { name: 'args', type: 'string', value: 'YAML', description: "The macro's keyword arguments, a YAML or JSON mapping, e.g. '{days: 30}'." },
    WARN_ERROR_FLAG,
  ],
  async run(args, signal) {
    const [macro, ...rest] = args.positionals;
    if (macro === undefined) throw new UsageError('stratum run-operation: name the macro to run (stratum run-operation MACRO)');
    if (rest.length > 0) throw new UsageError(`stratum run-operation: one macro at a time; unexpected argument '${rest[0]}'`);
    const [{ loadFromFlags, parseVarsFlag }, { openWarehouse }, { runOperation }, { foundLine, printTemplateLogs, stamped }, { warehouseCompileContext }] = await Promise.all([
      import('./projectOptions.js'), import('./projectRun.js'), import('../project/compile.js'), import('./runOutput.js'), import('../run/runContext.js'),
    ]);
    const opArgs = parseVarsFlag('run-operation', stringFlag(args, 'args'), '--args') ?? {};
    const project = loadFromFlags('run-operation', args);
    printTemplateLogs(project.parseLogs ?? [], false);
    process.stdout.write(`${stamped(foundLine(project))}\n`);
    const adapter = await openWarehouse(project, 1);
    try {
      const logs = await runOperation(project, macro, opArgs, { ...warehouseCompileContext(adapter, signal), runStartedAt: new Date() });
      printTemplateLogs(logs, false);
    } finally {
      await adapter.close();
    }
    return 0;
  },
});
