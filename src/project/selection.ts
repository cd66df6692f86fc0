/**
 * dbt's node selection syntax: `--select` / `--exclude` take space-separated unions of
 * comma-separated intersections of atoms. An atom is `[@][N+]method:value[+N]` or a bare name;
 * methods: fqn (default), path, file, tag, source, resource_type, package, test_type, test_name,
 * config.<key>, and against an earlier run's artifacts (`--state`) state: and result:. Tests are selected indirectly ("eager"): a test whose parent is selected is
 * selected, and a test whose parent is excluded is excluded.
 */
import { didYouMean } from '../didYouMean.js';
import { UsageError } from '../errors.js';
import { Dag } from './dag.js';
import { checkStateValue, stateMatcher, type StateArtifacts } from './stateSelection.js';
import type { Project, ProjectNode, ResourceType } from './types.js';

/** What to select. Empty `select` means every node. */
export interface SelectionSpec {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  /** Keep only these resource types (after selection). */
  readonly resourceTypes?: readonly ResourceType[];
  /** Told each `select` criterion that matches nothing and is no error (a glob, a tag, a source...), as dbt warns of it. */
  readonly onUnmatched?: (criterion: string) => void;
  /** `--state`: the earlier run that `state:` and `result:` compare with. */
  readonly state?: StateArtifacts;
}

/** Whether a node matches a `state:` or `result:` value (see stateSelection.ts). */
type StateMatch = (id: string, method: 'state' | 'result', value: string) => boolean;

/** One parsed atom. */
export interface SelectorAtom {
  readonly method: string;
  readonly value: string;
  readonly parents: number | 'all' | 0;
  readonly children: number | 'all' | 0;
  readonly at: boolean;
}

const METHODS = new Set(['fqn', 'path', 'file', 'tag', 'source', 'resource_type', 'package', 'test_type', 'test_name', 'state', 'result']);

/** Parses one atom such as `2+tag:nightly+` (throws UsageError on a bad method). */
export function parseAtom(raw: string): SelectorAtom {
  const m = /^(@)?(?:(\d*)\+)?(.*?)(?:\+(\d*))?$/.exec(raw);
  if (!m || !m[3]) throw new UsageError(`invalid selector '${raw}'`);
  const [, at, up, body, down] = m as unknown as [string, string | undefined, string | undefined, string, string | undefined];
  const colon = body.indexOf(':');
  let method = 'fqn';
  let value = body;
  if (colon > 0) {
    method = body.slice(0, colon);
    value = body.slice(colon + 1);
    if (!METHODS.has(method) && !method.startsWith('config.')) throw new UsageError(`unknown selector method '${method}' in '${raw}' (fqn, path, file, tag, source, resource_type, package, test_type, test_name, config.<key>, state, result)`);
    if (value === '') throw new UsageError(`invalid selector '${raw}': ${method}: needs a value, e.g. '${method}:${method === 'tag' ? 'nightly' : method === 'state' ? 'modified' : method === 'result' ? 'error' : 'name'}'`);
    if (method === 'state' || method === 'result') checkStateValue(method, value, raw);
  } else if (value.includes('/') || /\.(sql|csv|yml|yaml)$/.test(value)) method = 'path';
  const depth = (s: string | undefined): number | 'all' | 0 => (s === undefined ? 0 : s === '' ? 'all' : Number(s));
  if (at && up !== undefined) throw new UsageError(`'@' and '+' cannot both prefix a selector: '${raw}'`);
  return { method, value, parents: depth(up), children: depth(down), at: at === '@' };
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

function fqnMatches(node: ProjectNode, value: string, project: string): boolean {
  const g = glob(value);
  if (g.test(node.name)) return true;
  const parts = value.split('.');
  const matchPrefix = (fqn: readonly string[]): boolean => parts.length <= fqn.length && parts.every((p, i) => glob(p).test(fqn[i] as string));
  return matchPrefix(node.fqn) || (node.fqn[0] === project && matchPrefix(node.fqn.slice(1)));
}

/** Whether a node matches an atom's method and value (graph operators aside). */
export function matchesAtom(node: ProjectNode, atom: Pick<SelectorAtom, 'method' | 'value'>, project: Project, state?: StateMatch): boolean {
  const v = atom.value;
  switch (atom.method) {
    case 'state':
    case 'result':
      return (state ?? stateMatcher(project, undefined))(node.uniqueId, atom.method, v);
    case 'fqn':
      return node.resourceType !== 'source' && fqnMatches(node, v, project.name);
    case 'path': {
      const p = v.replace(/^\.\//, '').replace(/\/+$/, '');
      const f = node.originalFilePath;
      return f === p || f.startsWith(`${p}/`) || glob(p).test(f);
    }
    case 'file':
      return glob(v).test(node.originalFilePath.split('/').pop() ?? '') || glob(v).test(node.name);
    case 'tag':
      return node.config.tags.some((t) => glob(v).test(t));
    case 'source': {
      // as dbt reads it: source, source.table, or package.source.table
      if (node.resourceType !== 'source') return false;
      const parts = v.split('.');
      if (parts.length > 3) throw new UsageError(`invalid selector 'source:${v}': write source:SOURCE, source:SOURCE.TABLE or source:PACKAGE.SOURCE.TABLE`);
      const [p, s, t] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
      return (p === undefined || glob(p).test(node.packageName)) && glob(s!).test(node.sourceName) && (t === undefined || glob(t).test(node.name));
    }
    case 'resource_type':
      return node.resourceType === v;
    case 'package':
      // dbt's: a glob, and `this` for the project itself
      return glob(v === 'this' ? project.name : v).test(node.packageName);
    case 'test_type':
      return node.resourceType === 'test' && (v === 'generic' ? node.testMetadata !== undefined : v === 'singular' ? node.testMetadata === undefined : false);
    case 'test_name':
      return node.resourceType === 'test' && node.testMetadata !== undefined && glob(v).test(node.testMetadata.name);
    default: {
      const key = atom.method.slice('config.'.length);
      const c = node.config[key];
      if (Array.isArray(c)) return c.some((x) => String(x) === v);
      if (c !== null && typeof c === 'object') return JSON.stringify(c) === v;
      return c !== undefined && String(c) === v;
    }
  }
}

function selectAtom(atom: SelectorAtom, project: Project, dag: Dag, state: StateMatch): Set<string> {
  const out = new Set<string>();
  for (const node of project.nodes.values()) {
    if (!matchesAtom(node, atom, project, state)) continue;
    out.add(node.uniqueId);
    const down = atom.at ? 'all' : atom.children;
    if (down !== 0) for (const d of dag.descendants(node.uniqueId, down === 'all' ? undefined : down)) out.add(d);
    if (atom.parents !== 0) for (const a of dag.ancestors(node.uniqueId, atom.parents === 'all' ? undefined : atom.parents)) out.add(a);
  }
  if (atom.at) for (const id of [...out]) for (const a of dag.ancestors(id)) out.add(a);
  return out;
}

/**
 * Evaluates selector strings (a union of intersections). As dbt's eager indirect selection does,
 * each atom's nodes bring the tests of any of them before atoms are intersected, so that
 * `orders,test_type:generic` is the generic tests of orders.
 */
function evaluate(exprs: readonly string[], project: Project, dag: Dag, state: StateMatch, onUnmatched?: (criterion: string) => void): Set<string> {
  const out = new Set<string>();
  for (const term of exprs.flatMap((e) => e.split(/\s+/)).filter((t) => t !== '')) {
    let acc: Set<string> | undefined;
    for (const part of term.split(',').filter((p) => p !== '')) {
      const atom = parseAtom(part);
      const s = selectAtom(atom, project, dag, state);
      // a bare name that names nothing is a typo, not an empty selection: say so (dbt only warns)
      if (s.size === 0 && atom.method === 'fqn' && !/[*?]/.test(atom.value)) {
        const names = [...new Set([...project.nodes.values()].filter((n) => n.resourceType !== 'test').map((n) => n.name))];
        throw new UsageError(`'${part}' matches no model, seed, snapshot, test or source in project '${project.name}'${didYouMean(atom.value, names)}`);
      }
      if (s.size === 0) onUnmatched?.(part);
      for (const id of [...s]) for (const c of dag.children(id)) if (project.nodes.get(c)?.resourceType === 'test') s.add(c);
      acc = acc ? new Set([...acc].filter((id) => s.has(id))) : s;
    }
    for (const id of acc ?? []) out.add(id);
  }
  return out;
}

/**
 * Selects nodes like dbt's `--select`/`--exclude`/`--resource-type`. Returns unique ids in
 * topological order. Throws UsageError for a malformed selector, ConfigError for a cycle (when
 * the Dag is built here).
 */
export function selectNodes(project: Project, spec: SelectionSpec = {}, dag: Dag = new Dag(project)): string[] {
  const hasSelect = (spec.select ?? []).some((s) => s.trim() !== '');
  const state = stateMatcher(project, spec.state);
  const selected = hasSelect ? evaluate(spec.select ?? [], project, dag, state, spec.onUnmatched) : new Set(project.nodes.keys());
  const excluded = evaluate(spec.exclude ?? [], project, dag, state);
  const types = spec.resourceTypes && spec.resourceTypes.length > 0 ? new Set(spec.resourceTypes) : undefined;
  const keep = new Set([...selected].filter((id) => !excluded.has(id) && (!types || types.has(project.nodes.get(id)?.resourceType as ResourceType))));
  return dag.topologicalOrder(keep);
}
