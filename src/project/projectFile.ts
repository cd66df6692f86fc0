/**
 * Reads dbt_project.yml: name, profile, the path settings (with dbt's defaults), vars, the
 * config trees under `models:`, `seeds:` and `data_tests:`/`tests:`, and the run hooks.
 */
import { join, resolve } from 'node:path';
import { didYouMean } from '../didYouMean.js';
import { ConfigError } from '../errors.js';
import type { ProjectPaths } from './types.js';
import { isRecord, YamlFile } from './yamlFile.js';
import { renderYamlValue, type YamlTemplateScope } from './yamlTemplating.js';

/** The settings of dbt_project.yml. */
export interface ProjectSettings {
  readonly file: YamlFile;
  readonly name: string;
  readonly profile: string;
  readonly paths: ProjectPaths;
  /** Global vars, with the project-scoped block (`vars: {<project>: {...}}`) merged in. */
  readonly vars: Record<string, unknown>;
  readonly models: unknown;
  readonly seeds: unknown;
  readonly snapshots: unknown;
  readonly tests: unknown;
  readonly sources: unknown;
  /** `on-run-start` / `on-run-end`: SQL templates run before / after run, build, seed and test. */
  readonly onRunStart: string[];
  readonly onRunEnd: string[];
  /** `snapshot-paths`: Stratum builds no snapshots, but says so when there are some. */
  readonly snapshotPaths: string[];
  /** `analysis-paths` (default `analyses`): not built, but a source folder `clean` leaves alone. */
  readonly analysisPaths: string[];
  /** `clean-targets`: the folders `stratum clean` deletes (default: the target path, as dbt 1.10's). */
  readonly cleanTargets: string[];
  /** Settings read but not acted on, one line each (file, line, key). */
  readonly warnings: string[];
  /** `flags: {skip_nodes_if_on_run_start_fails: true}`: a failing on-run-start skips every node (dbt runs them by default). */
  readonly skipNodesIfOnRunStartFails: boolean;
}

/** The keys of dbt_project.yml (dbt-core 1.10's schema of it). */
const PROJECT_KEYS = [
  'name', 'version', 'config-version', 'profile', 'model-paths', 'source-paths', 'seed-paths', 'data-paths', 'macro-paths', 'test-paths',
  'analysis-paths', 'docs-paths', 'asset-paths', 'snapshot-paths', 'target-path', 'log-path', 'clean-targets', 'packages-install-path',
  'project-root', 'quoting', 'on-run-start', 'on-run-end', 'require-dbt-version', 'dispatch', 'models', 'seeds', 'snapshots', 'analyses',
  'sources', 'tests', 'data_tests', 'unit_tests', 'metrics', 'semantic-models', 'saved-queries', 'exposures', 'vars', 'packages',
  'query-comment', 'restrict-access', 'dbt-cloud', 'flags',
];

/**
 * Keys of dbt_project.yml that change what dbt builds and that Stratum does not implement: a
 * warning each when set (see ProjectSettings.warnings).
 */
const UNSUPPORTED_KEYS = ['unit_tests', 'quoting', 'dispatch'];

/** A hook setting (`on-run-start:`): one SQL template or a list of them. */
function hookList(yf: YamlFile, data: Record<string, unknown>, key: string): string[] {
  const v = data[key];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.some((x) => typeof x !== 'string')) throw yf.error(`${key} must be a SQL statement or a list of them`, [key]);
  return list as string[];
}

function stringList(yf: YamlFile, data: Record<string, unknown>, key: string, dflt: string[]): string[] {
  const v = data[key];
  if (v === undefined || v === null) return dflt;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw yf.error(`${key} must be a list of folder names`, [key]);
  return v as string[];
}

/** Config keys of the node trees that dbt renders late, in each node's context: its hooks. */
const LATE_RENDERED = new Set(['pre-hook', 'post-hook', 'pre_hook', 'post_hook']);

/**
 * The settings with the Jinja in their config trees (`models:`, `seeds:`, `data_tests:`,
 * `sources:`) rendered, as dbt renders dbt_project.yml once the target is known
 * (`+materialized: "{{ var('mat', 'view') }}"`, `+tags: ["{{ target.name }}"]`); hooks stay as
 * written. Throws ConfigError naming the key of a value that cannot be rendered.
 */
export function renderProjectConfigs(settings: ProjectSettings, scope: YamlTemplateScope): ProjectSettings {
  const testsKey = isRecord(settings.file.data) && settings.file.data.data_tests !== undefined ? 'data_tests' : 'tests';
  const tree = (key: string, value: unknown) => renderYamlValue(value, scope, settings.file, [key], (k) => LATE_RENDERED.has(k.replace(/^\+/, '')));
  return {
    ...settings, models: tree('models', settings.models), seeds: tree('seeds', settings.seeds), snapshots: tree('snapshots', settings.snapshots),
    tests: tree(testsKey, settings.tests), sources: tree('sources', settings.sources),
  };
}

/** Reads `<projectDir>/dbt_project.yml`. Throws ConfigError (file, line, key) on a bad file. */
export function readProjectFile(projectDir: string): ProjectSettings {
  const yf = YamlFile.read(join(projectDir, 'dbt_project.yml'), 'dbt_project.yml', `in ${resolve(projectDir)} (run from a dbt project folder, or pass --project-dir)`, 'pyyaml');
  const d = yf.data;
  if (!isRecord(d)) throw new ConfigError('dbt_project.yml must be a mapping', { file: 'dbt_project.yml' });
  // dbt's schema allows these keys and no others ("Additional properties are not allowed")
  for (const key of Object.keys(d)) {
    if (!PROJECT_KEYS.includes(key)) throw yf.error(`unknown key '${key}'${didYouMean(key, PROJECT_KEYS)}`, [key]);
  }
  if (d['config-version'] !== undefined && d['config-version'] !== 2) throw yf.error(`config-version must be 2, got ${JSON.stringify(d['config-version'])}`, ['config-version']);
  const name = d.name;
  if (typeof name !== 'string' || !/^[A-Za-z_]\w*$/.test(name)) {
    throw yf.error(`name must be a valid identifier (letters, digits, underscores), got '${String(name ?? '')}'`, ['name']);
  }
  const profile = d.profile;
  if (profile === undefined || profile === null) throw yf.error(`no profile is named: add 'profile: ${name}' (the profile in profiles.yml to connect with)`, ['name']);
  if (typeof profile !== 'string') throw yf.error('profile must be a string', ['profile']);
  const targetPath = d['target-path'] ?? 'target';
  if (typeof targetPath !== 'string') throw yf.error('target-path must be a string', ['target-path']);
  const paths: ProjectPaths = {
    model: stringList(yf, d, 'model-paths', ['models']),
    seed: stringList(yf, d, 'seed-paths', ['seeds']),
    macro: stringList(yf, d, 'macro-paths', ['macros']),
    test: stringList(yf, d, 'test-paths', ['tests']),
    target: targetPath,
  };
  if (d.vars !== undefined && d.vars !== null && !isRecord(d.vars)) throw yf.error('vars must be a mapping', ['vars']);
  // vars only reach templates, where a float prints as Python's (`1.0`)
  const rawVars = d.vars ? ((yf.pythonData as Record<string, unknown>).vars as Record<string, unknown>) : {};
  const scoped = rawVars[name];
  const vars: Record<string, unknown> = { ...rawVars, ...(isRecord(scoped) ? scoped : {}) };
  if (isRecord(scoped)) delete vars[name];
  const flags = d.flags ?? {};
  if (!isRecord(flags)) throw yf.error('flags must be a mapping', ['flags']);
  const skipNodes = flags.skip_nodes_if_on_run_start_fails ?? false;
  if (typeof skipNodes !== 'boolean') throw yf.error('skip_nodes_if_on_run_start_fails must be true or false', ['flags', 'skip_nodes_if_on_run_start_fails']);
  for (const key of ['models', 'seeds', 'snapshots', 'data_tests', 'tests', 'sources']) {
    if (d[key] !== undefined && d[key] !== null && !isRecord(d[key])) throw yf.error(`${key} must be a mapping`, [key]);
  }
  return { file: yf, name, profile, paths, vars, models: d.models, seeds: d.seeds, snapshots: d.snapshots, tests: d.data_tests ?? d.tests, sources: d.sources,
    onRunStart: hookList(yf, d, 'on-run-start'), onRunEnd: hookList(yf, d, 'on-run-end'), snapshotPaths: stringList(yf, d, 'snapshot-paths', ['snapshots']),
    analysisPaths: stringList(yf, d, 'analysis-paths', ['analyses']), cleanTargets: stringList(yf, d, 'clean-targets', [targetPath]),
    skipNodesIfOnRunStartFails: skipNodes,
    warnings: UNSUPPORTED_KEYS.filter((k) => d[k] !== undefined && d[k] !== null).map((k) => `${yf.error(`Stratum does not support '${k}'; it is ignored`, [k]).message}`) };
}
