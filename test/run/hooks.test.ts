/**
 * Hooks as dbt runs them: dbt_project.yml's on-run-start and on-run-end around run, build, seed
 * and test; a model's or seed's pre-hook and post-hook around its build, the project's before
 * the node's own. The expected audit rows are what dbt-core 1.10 with dbt-duckdb wrote for this
 * very project.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { queryFile } from '../duckdbFile.js';
import { tempProject } from '../project/helpers.js';

const PROJECT = `name: hooked
profile: hooked
config-version: 2
on-run-start:
  - "create table if not exists {{ target.schema }}.audit (what varchar, n bigint)"
  - "insert into {{ target.schema }}.audit values ('start', 0)"
on-run-end: "insert into {{ target.schema }}.audit select 'end {{ schemas | join(',') }}', {{ results | length }}"
models:
  hooked:
    +post-hook: "insert into {{ target.schema }}.audit select 'project post {{ this.identifier }}', count(*) from {{ this }}"
seeds:
  hooked:
    +post-hook: "insert into {{ target.schema }}.audit select 'seed post {{ this.identifier }}', count(*) from {{ this }}"
`;

function hookedProject(db: string, project = PROJECT): string {
  return tempProject({
    'dbt_project.yml': project,
    'profiles.yml': `hooked:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${db}'\n      threads: 1\n`,
    'seeds/people.csv': 'id,name\n1,ann\n2,bob\n3,cy\n',
    'models/people_clean.sql': `{{ config(materialized='table', pre_hook="insert into audit values ('pre people_clean', 0)",
  post_hook=["delete from {{ this }} where id = 3", "insert into audit select 'post people_clean', count(*) from {{ this }}"]) }}
select id, name from {{ ref('people') }}
`,
    'models/people_names.sql': "select name from {{ ref('people_clean') }}\n",
  });
}

const rows = queryFile;

describe('hooks', () => {
  it('runs on-run-start, each node\'s pre- and post-hooks (the project\'s first) and on-run-end, as dbt does', async () => {
    const db = join(hookedProject(':memory:'), 'w.duckdb');
    const dir = hookedProject(db);
    const r = await cli('build', '--project-dir', dir, '--profiles-dir', dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/1 of 2 OK hook: hooked\.on-run-start\.0 \.+ \[OK in [\d.]+s\]\n.*2 of 2 START hook: hooked\.on-run-start\.1 \.+ \[RUN\]\n.*2 of 2 OK hook: hooked\.on-run-start\.1 /);
    expect(r.out).toMatch(/\n\n.*1 of 1 START hook: hooked\.on-run-end\.0 .*\n.*1 of 1 OK hook: hooked\.on-run-end\.0 /);
    expect(await rows(db, 'select what, n from audit order by rowid')).toEqual([
      ['start', 0], ['seed post people', 3], ['pre people_clean', 0], ['project post people_clean', 3], ['post people_clean', 2],
      ['project post people_names', 2], ['end main', 3],
    ]);
    // the post-hook's delete stays
    expect(await rows(db, 'select count(*) from people_clean')).toEqual([[2]]);
    // compile renders the hooks but runs nothing
    const before = await rows(db, 'select count(*) from audit');
    expect((await cli('compile', '--project-dir', dir, '--profiles-dir', dir)).code).toBe(0);
    expect(await rows(db, 'select count(*) from audit')).toEqual(before);
  });

  it('fails the node whose hook fails, and when on-run-start fails skips every node only with flags.skip_nodes_if_on_run_start_fails, as dbt 1.10; exit 1', async () => {
    const db = join(hookedProject(':memory:'), 'w.duckdb');
    const dir = hookedProject(db);
    writeFileSync(join(dir, 'models/people_names.sql'), "{{ config(post_hook='insert into no_such_table values (1)') }}\nselect name from {{ ref('people_clean') }}\n");
    const r = await cli('build', '--project-dir', dir, '--profiles-dir', dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ERROR creating sql view model main\.people_names .*\n/);
    expect(r.out).toMatch(/Failure in model people_names \(models\/people_names\.sql\)\n.*  model\.hooked\.people_names in models\/people_names\.sql: Catalog Error: Table with name no_such_table does not exist/);
    expect(r.out).toMatch(/Done\. PASS=5 WARN=0 ERROR=1 SKIP=0 NO-OP=0 TOTAL=6/);

    const badStart = PROJECT.replace("values ('start', 0)", "values ('start')");
    const failing = hookedProject(join(hookedProject(':memory:'), 'w.duckdb'), `${badStart}flags:\n  skip_nodes_if_on_run_start_fails: true\n`);
    const s = await cli('run', '--project-dir', failing, '--profiles-dir', failing);
    expect(s.code).toBe(1);
    expect(s.out).toMatch(/Failure in operation hooked-on-run-start-1 \(\.\/dbt_project\.yml\)\n.*  hooked\.on-run-start\.1 failed, error:\n.* .*(column|values)/i);
    expect(s.out).toMatch(/PASS=2 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=5/);
    expect(s.out).not.toMatch(/OK created/);

    // without the flag (dbt's default) the nodes run after the failed hook, and the run fails
    const runs = hookedProject(join(hookedProject(':memory:'), 'w.duckdb'), badStart);
    const t = await cli('build', '--project-dir', runs, '--profiles-dir', runs);
    expect(t.code).toBe(1);
    expect(t.out).toMatch(/OK created sql table model main\.people_clean/);
    expect(t.out).toMatch(/ERROR=1 SKIP=0 /);
  });

  it('refuses a hook that is not a statement, naming the file and key; exit 2', async () => {
    const dir = hookedProject(':memory:', PROJECT.replace(/on-run-end: .*/, 'on-run-end: {sql: 1}'));
    const r = await cli('run', '--project-dir', dir, '--profiles-dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dbt_project\.yml:\d+ \(on-run-end\): on-run-end must be a SQL statement or a list of them/);
  });
});
