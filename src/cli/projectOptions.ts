/**
 * Loading the project and selecting its nodes from the dbt-style flags of projectFlags.ts:
 * `--select/-s`, `--exclude`, `--target/-t`, `--vars`, `--project-dir`, `--profiles-dir`, `--json`.
 */
import { UsageError } from '../errors.js';
import { Dag } from '../project/dag.js';
import { loadProject } from '../project/load.js';
import { parseDbtYaml } from '../project/yamlFile.js';
import { selectNodes } from '../project/selection.js';
import { readState } from '../project/stateSelection.js';
import type { Project, ResourceType } from '../project/types.js';
import { boolFlag, listFlag, stringFlag, type ParsedArgs } from './command.js';
import { DBT_RESOURCE_TYPES } from './projectFlags.js';

/** Parses `--vars` (or run-operation's `--args`: a YAML or JSON mapping, like dbt). Throws UsageError naming the flag. */
export function parseVarsFlag(cmd: string, raw: string | undefined, flag = '--vars'): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = parseDbtYaml(raw, true);
  } catch (e) {
    // the yaml package's first line ends "at line 1, column 5:" before a code frame
    throw new UsageError(`stratum ${cmd}: ${flag} is not valid YAML: ${((e as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '')}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`stratum ${cmd}: ${flag} must be a mapping such as '{key: value}'`);
  return v as Record<string, unknown>;
}

/** A loaded project, its DAG, and the selected node ids in topological order. */
export interface LoadedSelection {
  readonly project: Project;
  readonly dag: Dag;
  readonly selected: string[];
}

/**
 * Loads the project named by the flags (with `inline` SQL as dbt's inline_query, for show) and
 * prints its warnings. Throws ConfigError/UsageError.
 */
export function loadFromFlags(cmd: string, args: ParsedArgs, inline?: string): Project {
  const project = loadProject({
    ...(inline !== undefined ? { inline } : {}),
    ...(stringFlag(args, 'project-dir') ? { projectDir: stringFlag(args, 'project-dir') } : {}),
    ...(stringFlag(args, 'profiles-dir') ? { profilesDir: stringFlag(args, 'profiles-dir') } : {}),
    ...(stringFlag(args, 'target') ? { target: stringFlag(args, 'target') } : {}),
    ...(stringFlag(args, 'vars') !== undefined ? { vars: parseVarsFlag(cmd, stringFlag(args, 'vars')) } : {}),
    ...(boolFlag(args, 'warn-error') ? { warnError: true } : {}),
  });
  for (const w of project.warnings) process.stderr.write(`Warning: ${w}\n`);
  return project;
}

/** Loads the project named by the flags and applies the selection. Throws ConfigError/UsageError. */
export function loadSelection(cmd: string, args: ParsedArgs, resourceTypes?: readonly ResourceType[]): LoadedSelection {
  const project = loadFromFlags(cmd, args);
  const dag = new Dag(project);
  // dbt's warning, on stderr so that --json and ls output stay clean; an error with --warn-error
  const warnError = boolFlag(args, 'warn-error');
  const onUnmatched = (criterion: string) => {
    const what = `the selection criterion '${criterion}' does not match any enabled nodes`;
    if (warnError) throw new UsageError(`stratum ${cmd}: ${what} (--warn-error makes this warning an error)`);
    process.stderr.write(`Warning: ${what}\n`);
  };
  const stateDir = stringFlag(args, 'state');
  const state = stateDir !== undefined ? readState(stateDir) : undefined;
  const selected = selectNodes(project, { select: listFlag(args, 'select'), exclude: listFlag(args, 'exclude'), onUnmatched, ...(resourceTypes ? { resourceTypes } : {}), ...(state ? { state } : {}) }, dag);
  return { project, dag, selected };
}

/**
 * The resource types `--resource-type` and `--exclude-resource-type` leave in (dbt's: `all` and
 * `default` are every type), or undefined when neither is given. Throws UsageError naming a type
 * dbt does not have.
 */
export function resourceTypesFlags(cmd: string, args: ParsedArgs): ResourceType[] | undefined {
  const types = (flag: string) => {
    const list = listFlag(args, flag).flatMap((t) => t.split(/[\s,]+/)).filter((t) => t !== '');
    const bad = list.find((t) => !DBT_RESOURCE_TYPES.includes(t) && t !== 'default' && t !== 'all');
    if (bad !== undefined) throw new UsageError(`stratum ${cmd}: --${flag} must be among ${DBT_RESOURCE_TYPES.join(', ')}, default, all; got '${bad}' (see stratum ${cmd} --help)`);
    return list;
  };
  const include = types('resource-type');
  const exclude = types('exclude-resource-type');
  if (include.length === 0 && exclude.length === 0) return undefined;
  const every: ResourceType[] = ['model', 'seed', 'snapshot', 'test', 'source'];
  const kept = include.length === 0 || include.includes('all') || include.includes('default') ? every : every.filter((t) => include.includes(t));
  return kept.filter((t) => !exclude.includes(t));
}

/** Whether `--json` was given. */
export function jsonFlag(args: ParsedArgs): boolean {
  return boolFlag(args, 'json');
}
