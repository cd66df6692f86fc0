/**
 * Building one dbt project with Stratum and with dbt-core + dbt-duckdb, for the tests that compare
 * the two: whether dbt is installed (CI installs it; elsewhere those tests are skipped with a
 * printed reason), a build with each, and the test statuses a build leaves in
 * `target/run_results.json` (both write that artifact).
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBAdapter } from '../src/engine/duckdb/duckdbAdapter.js';
import { compileNode } from '../src/project/compile.js';
import { loadProject } from '../src/project/load.js';
import type { Project } from '../src/project/types.js';
import { runCommand } from '../src/run/runner.js';
import type { RunResultsArtifact } from '../src/run/runResults.js';

const version = spawnSync('dbt', ['--version'], { encoding: 'utf8' });

/** dbt is on the PATH with its duckdb plugin. */
export const hasDbt = version.status === 0 && /duckdb/i.test(version.stdout);

/** Prints why `what` is skipped when dbt is not there. */
export function warnIfNoDbt(what: string): void {
  if (!hasDbt) console.warn(`${what}: skipped — 'dbt --version' with the duckdb plugin is not available on this machine (${version.error?.message ?? (version.stderr?.trim() || 'no duckdb plugin')}); install dbt-core and dbt-duckdb (see .ci/run) to run it`);
}

/** The environment dbt runs in: the given variables, and no usage tracking. */
export function dbtEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...vars, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' };
}

/** `stratum build` of the project in `dir`, in-process, with `env` as its environment (profiles.yml's env_var()). */
export async function stratumBuild(dir: string, env: NodeJS.ProcessEnv): Promise<Project> {
  const project = loadProject({ projectDir: dir, env });
  const adapter = new DuckDBAdapter({ path: project.target.path!, threads: 2 });
  await adapter.connect();
  try {
    await runCommand({ command: 'build', project, adapter, compile: compileNode, selected: project.nodes.keys(), threads: 2 });
  } finally {
    await adapter.close();
  }
  return project;
}

/** `dbt build` of the project in `dir` (profiles.yml beside it). A failing node is fine; a crash throws. */
export function dbtBuild(dir: string, vars: Record<string, string>): void {
  const res = spawnSync('dbt', ['build', '--project-dir', dir, '--profiles-dir', dir], { cwd: dir, encoding: 'utf8', env: dbtEnv(vars), timeout: 300_000 });
  if (res.status !== 0 && res.status !== 1) throw new Error(`dbt build crashed (${String(res.status)}): ${res.stdout.slice(-2000)}${res.stderr}`);
}

/** Test statuses by test name (dbt and Stratum hash generic test ids the same way, names are simpler to read). */
export async function testStatuses(dir: string): Promise<Record<string, string>> {
  const artifact = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResultsArtifact;
  return Object.fromEntries(artifact.results.filter((r) => r.unique_id.startsWith('test.')).map((r) => [r.unique_id.split('.')[2], r.status]));
}
