/**
 * Which nodes a command executes and in what dependency order. Ephemeral models are not
 * executed (they are inlined), so edges through them are collapsed onto their own parents. In
 * `build`, dbt's rule holds: a test on a node runs before that node's children, so a failing
 * test skips them; an edge test → child is added unless the child is upstream of the test
 * (that would be a cycle, e.g. a relationships test between parent and child).
 */
import type { Project, ProjectNode } from '../project/types.js';
import type { GraphTask } from './dagScheduler.js';
import type { RunCommand } from './events.js';

/** The resource types each command executes. */
export const COMMAND_RESOURCES: Readonly<Record<RunCommand, readonly ProjectNode['resourceType'][]>> = {
  run: ['model'],
  test: ['test'],
  seed: ['seed'],
  build: ['seed', 'model', 'test'],
  'source freshness': ['source'],
};

/** True for models whose materialization is ephemeral. */
export function isEphemeral(node: ProjectNode | undefined): boolean {
  return node?.resourceType === 'model' && node.config.materialized === 'ephemeral';
}

/** Direct parents of a node with ephemeral models replaced by their own (non-ephemeral) parents. */
function effectiveParents(project: Project, id: string, seen = new Set<string>()): string[] {
  const node = project.nodes.get(id);
  if (!node) return [];
  const out: string[] = [];
  for (const p of node.dependsOn.nodes) {
    if (seen.has(p)) continue;
    seen.add(p);
    if (isEphemeral(project.nodes.get(p))) out.push(...effectiveParents(project, p, seen));
    else out.push(p);
  }
  return out;
}

/**
 * The tasks of a command over the selected unique ids, in a stable topological-friendly order
 * (seeds, then models, then tests, each by unique id). Nodes of other resource types and
 * ephemeral models are dropped.
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
  const inRun = new Set(ids);
  const parents = new Map(ids.map((id) => [id, effectiveParents(project, id).filter((p) => inRun.has(p))]));
  if (command === 'build') addTestEdges(project, ids, parents);
  return ids.map((id) => ({ id, deps: parents.get(id)! }));
}

function addTestEdges(project: Project, ids: readonly string[], parents: Map<string, string[]>): void {
  const children = new Map<string, string[]>();
  for (const [id, ps] of parents) for (const p of ps) children.set(p, [...(children.get(p) ?? []), id]);
  const ancestors = new Map<string, Set<string>>();
  const ancestorsOf = (id: string): Set<string> => {
    const known = ancestors.get(id);
    if (known) return known;
    const set = new Set<string>();
    ancestors.set(id, set);
    for (const p of parents.get(id) ?? []) {
      set.add(p);
      for (const a of ancestorsOf(p)) set.add(a);
    }
    return set;
  };
  for (const test of ids) {
    if (project.nodes.get(test)?.resourceType !== 'test') continue;
    const testAncestors = ancestorsOf(test);
    for (const parent of parents.get(test) ?? []) {
      for (const child of children.get(parent) ?? []) {
        if (child === test || project.nodes.get(child)?.resourceType === 'test') continue;
        if (testAncestors.has(child)) continue;
        const deps = parents.get(child)!;
        if (!deps.includes(test)) deps.push(test);
      }
    }
  }
}
