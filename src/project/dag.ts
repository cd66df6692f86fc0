/**
 * The project's DAG: an edge from each node to the nodes that depend on it (refs, sources, and a
 * test's attachment). Gives parents/children, ancestors/descendants, a deterministic
 * topological order, and reports a cycle as ConfigError naming it (`a -> b -> a`).
 */
import { ConfigError } from '../errors.js';
import type { Project } from './types.js';

/** The dependency graph of a project. */
export class Dag {
  private readonly parentMap = new Map<string, string[]>();
  private readonly childMap = new Map<string, string[]>();

  /** Builds the graph of `project` and checks it for cycles (throws ConfigError naming one). */
  constructor(readonly project: Project) {
    const ids = [...project.nodes.keys()].sort();
    for (const id of ids) {
      this.parentMap.set(id, []);
      this.childMap.set(id, []);
    }
    for (const id of ids) {
      const node = project.nodes.get(id);
      for (const p of node?.dependsOn.nodes ?? []) {
        if (!this.parentMap.has(p)) continue;
        this.parentMap.get(id)?.push(p);
        this.childMap.get(p)?.push(id);
      }
    }
    for (const list of [...this.parentMap.values(), ...this.childMap.values()]) list.sort();
    this.checkCycles();
  }

  /** Direct parents of a node (what it depends on), sorted. */
  parents(id: string): readonly string[] {
    return this.parentMap.get(id) ?? [];
  }

  /** Direct children of a node (what depends on it), sorted. */
  children(id: string): readonly string[] {
    return this.childMap.get(id) ?? [];
  }

  /** dbt's `parent_map`: every node id to its parents. */
  parentMapObject(): Record<string, string[]> {
    return Object.fromEntries([...this.parentMap].map(([k, v]) => [k, [...v]]));
  }

  /** dbt's `child_map`: every node id to its children. */
  childMapObject(): Record<string, string[]> {
    return Object.fromEntries([...this.childMap].map(([k, v]) => [k, [...v]]));
  }

  /** Ancestors of `id` up to `depth` generations (all when undefined), excluding `id`. */
  ancestors(id: string, depth?: number): Set<string> {
    return this.walk(id, this.parentMap, depth);
  }

  /** Descendants of `id` up to `depth` generations (all when undefined), excluding `id`. */
  descendants(id: string, depth?: number): Set<string> {
    return this.walk(id, this.childMap, depth);
  }

  private walk(start: string, edges: Map<string, string[]>, depth?: number): Set<string> {
    const seen = new Set<string>();
    let frontier = [start];
    for (let d = 0; frontier.length > 0 && (depth === undefined || d < depth); d++) {
      const next: string[] = [];
      for (const id of frontier) {
        for (const n of edges.get(id) ?? []) {
          if (n === start || seen.has(n)) continue;
          seen.add(n);
          next.push(n);
        }
      }
      frontier = next;
    }
    return seen;
  }

  /** Every node (or only those in `subset`), parents before children; ties by unique id. */
  topologicalOrder(subset?: ReadonlySet<string>): string[] {
    const inDeg = new Map<string, number>();
    for (const [id, ps] of this.parentMap) inDeg.set(id, ps.length);
    const ready = [...inDeg].filter(([, d]) => d === 0).map(([id]) => id).sort();
    const out: string[] = [];
    while (ready.length > 0) {
      const id = ready.shift() as string;
      out.push(id);
      for (const c of this.childMap.get(id) ?? []) {
        const d = (inDeg.get(c) ?? 0) - 1;
        inDeg.set(c, d);
        if (d === 0) {
          const i = ready.findIndex((r) => r > c);
          ready.splice(i < 0 ? ready.length : i, 0, c);
        }
      }
    }
    return subset ? out.filter((id) => subset.has(id)) : out;
  }

  private checkCycles(): void {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const name = (id: string): string => this.project.nodes.get(id)?.name ?? id;
    const visit = (id: string): void => {
      state.set(id, 1);
      stack.push(id);
      for (const c of this.childMap.get(id) ?? []) {
        const s = state.get(c);
        if (s === 1) {
          const cycle = [...stack.slice(stack.indexOf(c)), c];
          const first = this.project.nodes.get(c);
          throw new ConfigError(`dependency cycle: ${cycle.map(name).join(' -> ')}`, first ? { file: first.originalFilePath } : undefined);
        }
        if (s === undefined) visit(c);
      }
      stack.pop();
      state.set(id, 2);
    };
    for (const id of this.parentMap.keys()) if (!state.has(id)) visit(id);
  }
}
