/**
 * dbt's `state:` and `result:` selection methods, against the artifacts of an earlier run in the
 * folder `--state` names (its `manifest.json`, and `run_results.json` for `result:`): what is new or
 * modified since, and what ended with a given status. Both sides are compared as manifest entries
 * (this project's as buildManifest writes them), so a state written by dbt or by Stratum will do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { buildManifest } from './manifest.js';
import type { Project } from './types.js';

type Entry = Record<string, unknown>;

/** The earlier run's artifacts, and this project's manifest entries to compare them with. */
export interface StateArtifacts {
  /** The `--state` folder, as given. */
  readonly dir: string;
  readonly manifest?: { readonly nodes: Record<string, Entry>; readonly sources: Record<string, Entry>; readonly macros: Record<string, Entry> };
  readonly runResults?: { readonly results: readonly { readonly unique_id: string; readonly status: string }[] };
}

/** The state methods dbt has: `state:new`, `state:old`, `state:modified[.<part>]`, `state:unmodified`. */
const STATE_VALUES = ['new', 'old', 'modified', 'unmodified'];
const MODIFIED_PARTS = ['body', 'configs', 'relation', 'persisted_descriptions', 'macros', 'contract'];

/** Reads the artifacts of `dir`. Throws UsageError when it has no manifest.json or a file is not JSON. */
export function readState(dir: string): StateArtifacts {
  const read = (name: string): unknown => {
    const file = join(dir, name);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`--state ${dir}: ${name} is not valid JSON: ${(e as Error).message}`);
    }
  };
  const manifest = read('manifest.json') as StateArtifacts['manifest'];
  const runResults = read('run_results.json') as StateArtifacts['runResults'];
  if (!manifest && !runResults) throw new UsageError(`--state ${dir}: no manifest.json or run_results.json there (the target folder of an earlier run, e.g. --state prod-target/)`);
  return { dir, ...(manifest ? { manifest } : {}), ...(runResults ? { runResults } : {}) };
}

/** Checks a `state:` or `result:` value. Throws UsageError naming the selector. */
export function checkStateValue(method: string, value: string, raw: string): void {
  if (method === 'result') return;
  const [what, part, ...rest] = value.split('.');
  const ok = STATE_VALUES.includes(what!) && rest.length === 0 && (part === undefined || (what === 'modified' && MODIFIED_PARTS.includes(part)));
  if (!ok) throw new UsageError(`invalid selector '${raw}': state: takes new, old, modified, unmodified, modified.${MODIFIED_PARTS.join(', modified.')}`);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Which parts of a node changed since the state: the `state:modified.<part>` it matches. */
function modifiedParts(now: Entry, before: Entry, macrosNow: Record<string, Entry>, macrosBefore: Record<string, Entry>, project: string): Set<string> {
  const parts = new Set<string>();
  if (now.resource_type === 'source') {
    // a source has no body: dbt compares its properties
    const props = (e: Entry) => [e.freshness, e.loaded_at_field, e.external, e.quoting, e.config];
    if (!same(props(now), props(before))) parts.add('configs');
  } else {
    if (!same(now.checksum, before.checksum)) parts.add('body');
    if (!same(now.config, before.config)) parts.add('configs');
  }
  const relation = (e: Entry) => [e.database, e.schema, e.resource_type === 'source' ? e.identifier : e.alias];
  if (!same(relation(now), relation(before))) parts.add('relation');
  const persist = ((now.config as Entry | undefined)?.persist_docs ?? {}) as { relation?: unknown; columns?: unknown };
  const colDocs = (e: Entry) => Object.fromEntries(Object.entries((e.columns ?? {}) as Record<string, Entry>).map(([k, c]) => [k, c.description]));
  if ((persist.relation === true && now.description !== before.description) || (persist.columns === true && !same(colDocs(now), colDocs(before)))) parts.add('persisted_descriptions');
  // the project's own macros: the built-in ones are dbt's in one manifest and Stratum's copies in the other
  const macros = ((now.depends_on as { macros?: string[] } | undefined)?.macros ?? []).filter((m) => macrosNow[m]?.package_name === project);
  if (macros.some((m) => macrosBefore[m] === undefined || macrosNow[m]?.macro_sql !== macrosBefore[m]?.macro_sql)) parts.add('macros');
  const enforced = (e: Entry) => (e.contract as { enforced?: unknown } | undefined)?.enforced === true || ((e.config as Entry | undefined)?.contract as { enforced?: unknown } | undefined)?.enforced === true;
  const colTypes = (e: Entry) => Object.fromEntries(Object.entries((e.columns ?? {}) as Record<string, Entry>).map(([k, c]) => [k, c.data_type]));
  if (enforced(before) && (!enforced(now) || !same(colTypes(now), colTypes(before)))) parts.add('contract');
  return parts;
}

/**
 * A matcher of `state:` and `result:` values for a project: whether a node (by unique id) matches.
 * Builds this project's manifest entries once.
 */
export function stateMatcher(project: Project, state: StateArtifacts | undefined): (id: string, method: 'state' | 'result', value: string) => boolean {
  let current: { nodes: Record<string, Entry>; sources: Record<string, Entry>; macros: Record<string, Entry> } | undefined;
  const parts = new Map<string, Set<string> | 'new'>();
  const need = (what: string): NonNullable<StateArtifacts['manifest']> => {
    if (!state) throw new UsageError(`${what} compares with an earlier run: pass --state DIR (a target folder with its manifest.json)`);
    if (!state.manifest) throw new UsageError(`${what}: --state ${state.dir} has no manifest.json`);
    return state.manifest;
  };
  const changes = (id: string, what: string): Set<string> | 'new' => {
    const known = parts.get(id);
    if (known) return known;
    const before = need(what);
    current ??= buildManifest(project) as unknown as typeof current;
    const nowEntry = current!.nodes[id] ?? current!.sources[id];
    const beforeEntry = before.nodes[id] ?? before.sources[id];
    const out = beforeEntry === undefined || nowEntry === undefined ? 'new' : modifiedParts(nowEntry, beforeEntry, current!.macros, before.macros ?? {}, project.name);
    parts.set(id, out);
    return out;
  };
  return (id, method, value) => {
    if (method === 'result') {
      if (!state?.runResults) throw new UsageError(`result:${value} reads an earlier run's results: pass --state DIR with its run_results.json`);
      return state.runResults.results.some((r) => r.unique_id === id && r.status === value);
    }
    const [what, part] = value.split('.');
    const c = changes(id, `state:${value}`);
    if (what === 'new') return c === 'new';
    if (what === 'old') return c !== 'new';
    // as dbt's: a new node is modified, in every part but its macros
    const modified = c === 'new' ? part !== 'macros' : part ? c.has(part) : c.size > 0;
    return what === 'modified' ? modified : c !== 'new' && !modified;
  };
}
