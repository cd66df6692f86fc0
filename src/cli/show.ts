/**
 * `stratum show`: previews a model's, test's or seed's rows like `dbt show` — its compiled SQL run
 * with `--limit` rows (default 5), printed as dbt prints it (agate's Markdown table, or JSON with
 * `--output json`) — or the rows of `--inline` SQL, compiled with the project's refs and macros.
 */
import { UsageError } from '../errors.js';
import type { Project, ProjectNode } from '../project/types.js';
import { boolFlag, intFlag, listFlag, stringFlag, type Command } from './command.js';
import { projectCommand, SELECTION_FLAGS, WARN_ERROR_FLAG } from './projectFlags.js';

const OUTPUTS = ['text', 'json'] as const;

/** The `stratum show` command. */
export const showCommand: Command = projectCommand({
  name: 'show',
  summary: "Preview the rows of a model, test or seed, or of inline SQL (dbt show).",
  details: "Examples:\n  stratum show -s orders --limit 10\n  stratum show --inline \"select * from {{ ref('orders') }} where amount > 100\"\n  stratum show -s customers --output json\n\nExit codes: 0 shown, 1 the query failed, 2 bad usage, configuration or template, 130 cancelled.",
  flags: [
    ...SELECTION_FLAGS,
    { name: 'inline', type: 'string', value: 'SQL', description: "SQL to preview instead of a selected node: refs, sources and macros as in a model." },
    { name: 'limit', type: 'string', value: 'N', description: 'Rows to show (default 5; -1 shows every row).' },
    { name: 'output', type: 'string', value: 'FORMAT', description: `${OUTPUTS.join(' or ')} (default text: a Markdown table of at most 6 columns; --json is json).` },
    WARN_ERROR_FLAG,
  ],
  async run(args, signal) {
    const output = boolFlag(args, 'json') ? 'json' : (stringFlag(args, 'output') ?? 'text');
    if (!(OUTPUTS as readonly string[]).includes(output)) throw new UsageError(`stratum show: --output must be one of ${OUTPUTS.join(', ')}; got '${output}'`);
    const limit = intFlag(args, 'show', 'limit', -1, 1_000_000_000) ?? 5;
    const inline = stringFlag(args, 'inline');
    const select = listFlag(args, 'select');
    if (inline === undefined && select.length === 0) throw new UsageError('stratum show: pass --select (-s) or --inline');
    const [{ loadFromFlags, loadSelection }, { openWarehouse }, { compileNode }, { inlineQueryId }, { showNode }, { printTable, tableJson }, { pyJsonDumps }] = await Promise.all([
      import('./projectOptions.js'), import('./projectRun.js'), import('../project/compile.js'), import('../project/load.js'), import('../run/show.js'),
      import('../project/jinja/agateTable.js'), import('../project/pythonRepr.js'),
    ]);
    // --inline previews its own SQL: no selection
    const { project, selected } = inline !== undefined ? { project: loadFromFlags('show', args, inline), selected: [] } : loadSelection('show', args, ['model', 'snapshot', 'test', 'seed']);
    const { printTemplateLogs } = await import('./runOutput.js');
    // what templates print, as dbt prints it (not with JSON output, which stays one document)
    if (output === 'text') printTemplateLogs(project.parseLogs ?? [], false);
    const nodes = inline !== undefined ? [project.nodes.get(inlineQueryId(project.name))!] : previewed(project, selected, select[0]!);
    const adapter = await openWarehouse(project, 1);
    try {
      const runStartedAt = new Date();
      for (const node of nodes) {
        // Ctrl-C interrupts the node's query (and a run_query of its template); main exits 130
        const { result, logs } = await showNode({ project, adapter, compile: compileNode, node, signal, ...(limit >= 0 ? { limit } : {}), compileContext: { runStartedAt } });
        if (output === 'text') printTemplateLogs(logs, false, node.uniqueId);
        if (output === 'json') {
          process.stdout.write(`${pyJsonDumps({ ...(inline === undefined ? { node: node.name } : {}), show: tableJson(result) }, 2)}\n`);
        } else {
          process.stdout.write(`${inline === undefined ? `Previewing node '${node.name}':` : 'Previewing inline node:'}\n${printTable(result)}\n`);
        }
      }
    } finally {
      await adapter.close();
    }
    return 0;
  },
});

/**
 * The selected nodes dbt show prints: the models, tests and seeds whose name is in the first
 * --select value (so `-s +orders` runs nothing for its parents and shows `orders`).
 */
function previewed(project: Project, selected: readonly string[], firstSelect: string): ProjectNode[] {
  return selected.map((id) => project.nodes.get(id)!).filter((n) => n.resourceType !== 'source' && firstSelect.includes(n.name));
}
