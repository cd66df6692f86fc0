/**
 * `stratum ls`: lists the selected nodes like `dbt ls`, as selectors (default), names, paths or
 * JSON lines, optionally only some resource types.
 */
import { UsageError } from '../errors.js';
import type { Project, ProjectNode, ResourceType } from '../project/types.js';
import { listFlag, stringFlag, throwIfCancelled, type Command } from './command.js';
import { projectCommand, SELECTION_FLAGS, WARN_ERROR_FLAG } from './projectFlags.js';

const TYPES: readonly ResourceType[] = ['model', 'seed', 'snapshot', 'test', 'source'];
const OUTPUTS = ['selector', 'name', 'path', 'json'] as const;

/** One line of `stratum ls` output for a node in the given format. */
export function formatLsLine(project: Project, n: ProjectNode, output: (typeof OUTPUTS)[number]): string {
  switch (output) {
    case 'name':
      // dbt names a source by its source and table
      return n.resourceType === 'source' ? `${n.sourceName}.${n.name}` : n.name;
    case 'path':
      return n.originalFilePath;
    case 'json':
      return JSON.stringify({
        name: n.name, resource_type: n.resourceType, package_name: n.packageName, original_file_path: n.originalFilePath, unique_id: n.uniqueId,
        alias: n.relation.identifier, config: n.config, tags: n.config.tags, depends_on: n.dependsOn,
        ...(n.resourceType === 'source' ? { source_name: n.sourceName } : {}),
      });
    default:
      return n.resourceType === 'source' ? `source:${project.name}.${n.sourceName}.${n.name}` : n.fqn.join('.');
  }
}

/** The `stratum ls` command. */
export const lsCommand: Command = projectCommand({
  name: 'ls',
  summary: 'List the selected models, seeds, snapshots, tests and sources (dbt ls).',
  details: 'Examples:\n  stratum ls -s +orders --resource-type model\n  stratum ls -s tag:marts --output path\n\nExit codes: 0 listed (also when nothing matches, unless --warn-error), 2 bad usage or configuration, 130 cancelled.',
  flags: [
    ...SELECTION_FLAGS,
    { name: 'resource-type', type: 'string', multiple: true, greedy: true, value: 'TYPE', description: `Only these types: ${TYPES.join(', ')}, all.` },
    { name: 'output', short: 'o', type: 'string', value: 'FORMAT', description: `Output format: ${OUTPUTS.join(', ')} (default selector).` },
    WARN_ERROR_FLAG,
  ],
  async run(args, signal) {
    const types = listFlag(args, 'resource-type').flatMap((t) => t.split(/[\s,]+/)).filter((t) => t !== '');
    for (const t of types) if (t !== 'all' && !TYPES.includes(t as ResourceType)) throw new UsageError(`stratum ls: --resource-type must be one of ${TYPES.join(', ')}, all; got '${t}'`);
    const { jsonFlag, loadSelection } = await import('./projectOptions.js');
    const output = jsonFlag(args) ? 'json' : (stringFlag(args, 'output') ?? 'selector');
    if (!(OUTPUTS as readonly string[]).includes(output)) throw new UsageError(`stratum ls: --output must be one of ${OUTPUTS.join(', ')}; got '${output}'`);
    const resourceTypes = types.length === 0 || types.includes('all') ? undefined : (types as ResourceType[]);
    const { project, selected } = loadSelection('ls', args, resourceTypes);
    await throwIfCancelled(signal);
    // by unique id, as dbt ls lists them (models, seeds, sources, then tests)
    const lines = [...selected].sort().map((id) => formatLsLine(project, project.nodes.get(id) as ProjectNode, output as (typeof OUTPUTS)[number]));
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
});
