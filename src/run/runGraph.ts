/**
 * Which nodes a command executes and in what dependency order. Ephemeral models are not
 * executed (they are inlined), and unselected nodes not run: edges through both are collapsed
 * onto the nearest ancestors that run, as dbt's graph keeps them. In
 * `build`, dbt's rule holds: a test on a node runs before that node's children, so a failing
 * test skips them; an edge test → child is added unless the child is upstream of the test
 * (that would be a cycle, e.g. a relationships test between parent and child).
 */
import { Dag } from '../project/dag.js';
import type { Project, ProjectNode } from '../project/types.js';
import type { GraphTask } from './dagScheduler.js';
import type { RunCommand } from './events.js';

/** The resource types each command executes. */
export const COMMAND_RESOURCES: Readonly<Record<RunCommand, readonly ProjectNode['resourceType'][]>> = {
  run: ['model'],
  test: ['test'],
  seed: ['seed'],
  snapshot: ['snapshot'],
  build: ['seed', 'model', 'snapshot', 'test'],
  'source freshness': ['source'],
};

/** True for models whose materialization is ephemeral. */
export function isEphemeral(node: ProjectNode | undefined): boolean {
  return node?.resourceType === 'model' && node.config.materialized === 'ephemeral';
}

/**
 * The tasks of a command over the selected unique ids, in a stable topological-friendly order
 * (seeds, then models, then tests, each by unique id). Nodes of other resource types and
 * ephemeral models are dropped. A node's dependencies are its nearest ancestors in the run,
 * through the nodes that are not (ephemeral models, and nodes not selected), as dbt keeps the
 * edges of its graph across the nodes it leaves out: `run -s a c` with a -> b -> c runs a first,
 * and skips c when a fails.
 */
export function commandTasks(project: Project, command: RunCommand, selected: Iterable<string>): GraphTask[] {
  const kinds = COMMAND_RESOURCES[command];
  const ids = [...new Set(selected)].filter((id) => {
    const n = project.nodes.get(id);
    if (n === undefined || !kinds.includes(n.resourceType) || isEphemeral(n)) return false;
    // dbt checks only sources with a loaded_at_field and a threshold
    if (n.resourceType === 'source') return Boolean(n.loadedAtField && (n.freshness?.warn_after || n.freshness?.error_after));
    return true;
  });
  const rank = (id: string) => kinds.indexOf(project.nodes.get(id)!.resourceType);
  ids.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  // parents by node over the whole project, with build's test edges
  const dag = new Dag(project);
  const graph = new Map([...project.nodes.keys()].map((id) => [id, [...dag.parents(id)]]));
  if (command === 'build') addTestEdges(project, dag, graph);
  const inRun = new Set(ids);
  const nearest = new Map<string, Set<string>>();
  const nearestInRun = (id: string): Set<string> => {
    const known = nearest.get(id);
    if (known) return known;
    const found = new Set<string>();
    nearest.set(id, found);
    for (const p of graph.get(id) ?? []) {
      if (inRun.has(p)) found.add(p);
      else for (const a of nearestInRun(p)) found.add(a);
    }
    return found;
  };
  return ids.map((id) => ({ id, deps: [...nearestInRun(id)] }));
}

/**
 * dbt build's test edges, added to the whole project's graph (parents by node): a test on a node
 * runs before that node's other children, so that a failing test skips them, unless the child is
 * upstream of the test (a relationships test between parent and child would make a cycle).
 */
function addTestEdges(project: Project, dag: Dag, graph: Map<string, string[]>): void {
  // the project's own edges tell what is upstream of a test: a test edge only ever leads from a
  // test to a child of the test's parent, so it adds no path that those edges do not have
  const tests = [...graph.keys()].filter((id) => project.nodes.get(id)?.resourceType === 'test');
  for (const test of tests) {
    const testAncestors = dag.ancestors(test);
    for (const parent of dag.parents(test)) {
      for (const child of dag.children(parent)) {
        if (child === test || project.nodes.get(child)?.resourceType === 'test') continue;
        if (testAncestors.has(child)) continue;
        const deps = graph.get(child)!;
        if (!deps.includes(test)) deps.push(test);
      }
    }
  }
}
