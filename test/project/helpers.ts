/** Test helpers: temporary dbt projects and the fixture's location. */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tempDir } from '../tempDir.js';

/** The jaffle fixture project. */
export const FIXTURE = resolve('test/fixtures/jaffle');

const DEFAULT_PROJECT = `name: demo
profile: demo
config-version: 2
`;
const DEFAULT_PROFILES = `demo:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: ':memory:'
    bq:
      type: bigquery
      method: oauth
      project: proj
      dataset: ds
`;

/** Writes a project into a new temp dir: `files` are paths relative to it; dbt_project.yml and profiles.yml default to a minimal `demo` project. */
export function tempProject(files: Record<string, string>): string {
  const dir = tempDir('stratum-project-');
  const all = { 'dbt_project.yml': DEFAULT_PROJECT, 'profiles.yml': DEFAULT_PROFILES, ...files };
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

/**
 * A temporary project of `files` (as tempProject) whose profile builds into a DuckDB file of its own,
 * `w.duckdb` in its folder: the folder, the file, and the flags that name them to the CLI.
 */
export function onDuckDBFile(files: Record<string, string>): { dir: string; db: string; at: string[] } {
  const dir = tempProject(files);
  const db = join(dir, 'w.duckdb');
  writeFileSync(join(dir, 'profiles.yml'), `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${db}'\n`);
  return { dir, db, at: ['--project-dir', dir, '--profiles-dir', dir] };
}

/** Copies the fixture (without target/ and raw/) to a temp dir and returns it. */
export function fixtureCopy(): string {
  const dir = tempDir('stratum-jaffle-');
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !/[/\\](target|raw|logs)([/\\]|$)/.test(src.slice(FIXTURE.length)) });
  return dir;
}
