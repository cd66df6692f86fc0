/**
 * How a view or table model is built, as dbt-core 1.10 with dbt-duckdb 1.10 builds it: hooks,
 * `sql_header`, the model SQL and `persist_docs` comments in one transaction (a failing post-hook
 * rolls the build back), hooks with `transaction: false` outside it, enforced contracts and their
 * constraints. Every expected relation, row, comment and failure below is what dbt-duckdb
 * produced for these very projects.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { queryFile } from '../duckdbFile.js';
import { tempProject } from '../project/helpers.js';

const PROFILE = "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{{ env_var('STRATUM_TEST_DB') }}\"\n      threads: 1\n";

/** A project whose warehouse is `<dir>/w.duckdb`; returns its dir. */
function project(files: Record<string, string>, extraProjectYml = ''): string {
  return tempProject({ 'dbt_project.yml': `name: p\nprofile: p\nconfig-version: 2\n${extraProjectYml}`, 'profiles.yml': PROFILE, ...files });
}

async function build(dir: string, ...args: string[]) {
  process.env.STRATUM_TEST_DB = join(dir, 'w.duckdb');
  try {
    return await cli('build', '--project-dir', dir, '--profiles-dir', dir, ...args);
  } finally {
    delete process.env.STRATUM_TEST_DB;
  }
}

const rows = (dir: string, sql: string) => queryFile(join(dir, 'w.duckdb'), sql);

describe('hooks and the build share one transaction (dbt-duckdb)', () => {
  const files = {
    'models/ph_fail.sql': `{{ config(materialized='table', pre_hook="insert into main.audit values ('pre {{ var('n', 1) }}')",
  post_hook=["insert into main.audit values ('post {{ var('n', 1) }}')", "select error('boom') where {{ var('n', 1) }} = 2"]) }}
select {{ var('n', 1) }} as n
`,
    'models/ph_fail_v.sql': `{{ config(materialized='view', post_hook=["select error('boom') where {{ var('n', 1) }} = 2"]) }}
select {{ var('n', 1) }} as n
`,
    'models/ph_notx.sql': `{{ config(materialized='table', pre_hook=[{'sql': "insert into main.audit values ('notx pre {{ var('n', 1) }}')", 'transaction': false}],
  post_hook=[{'sql': "insert into main.audit values ('notx post {{ var('n', 1) }}')", 'transaction': false}, "select error('x') where {{ var('n', 1) }} = 2"]) }}
select {{ var('n', 1) }} as n
`,
  };
  const onRunStart = 'on-run-start:\n  - "create table if not exists main.audit (what varchar)"\n';

  it('a failing post-hook rolls back the rebuilt table or view and the hooks before it; transaction: false hooks run before BEGIN and after COMMIT', async () => {
    const dir = project(files, onRunStart);
    expect((await build(dir)).code).toBe(0);
    const second = await build(dir, '--vars', '{n: 2}');
    expect(second.code).toBe(1);
    expect(second.out).toMatch(/ph_fail\.sql: Invalid Input Error: boom/);
    // the previous relations stay, with their rows
    for (const m of ['ph_fail', 'ph_fail_v', 'ph_notx']) expect(await rows(dir, `select n from main.${m}`)).toEqual([[1]]);
    // the second run's in-transaction pre/post hooks were rolled back; its transaction: false
    // pre-hook had run before BEGIN, and its transaction: false post-hook never ran
    expect(await rows(dir, 'select what from main.audit order by rowid')).toEqual([['pre 1'], ['post 1'], ['notx pre 1'], ['notx post 1'], ['notx pre 2']]);
  });
});

describe('an incremental run shares its transaction with its hooks (dbt-duckdb)', () => {
  it('a failing post-hook rolls back the rows the run inserted and the hooks before it', async () => {
    // dbt 1.10 + dbt-duckdb left the same rows in inc and audit for the same three runs
    const dir = project({
      'models/inc.sql': `{{ config(materialized='incremental', pre_hook="insert into main.audit values ('pre {{ var('n', 1) }}')",
  post_hook=["insert into main.audit values ('post {{ var('n', 1) }}')", "select error('boom') where {{ var('n', 1) }} = 3"]) }}
select {{ var('n', 1) }} as n
`,
    }, 'on-run-start:\n  - "create table if not exists main.audit (what varchar)"\n');
    expect((await build(dir)).code).toBe(0);
    expect((await build(dir, '--vars', '{n: 2}')).code).toBe(0);
    const third = await build(dir, '--vars', '{n: 3}');
    expect(third.code).toBe(1);
    expect(third.out).toMatch(/inc\.sql: Invalid Input Error: boom/);
    expect(await rows(dir, 'select n from main.inc order by n')).toEqual([[1], [2]]);
    expect(await rows(dir, 'select what from main.audit order by rowid')).toEqual([['pre 1'], ['post 1'], ['pre 2'], ['post 2']]);
  });
});

describe('a seed loads in one transaction with its hooks (dbt)', () => {
  it('a failing post-hook rolls back the load, a reload or a first one, and the hooks before it', async () => {
    // dbt 1.10 + dbt-duckdb left the same rows for the same three loads
    const seedHooks = `on-run-start: ["create table if not exists main.audit (what varchar)"]
seeds:
  p:
    +pre-hook: "insert into main.audit values ('pre {{ var('n', 1) }}')"
    +post-hook: ["insert into main.audit values ('post {{ var('n', 1) }}')", "select error('boom') where {{ var('n', 1) }} = 3"]
`;
    const dir = project({ 'seeds/s.csv': 'id\n1\n2\n' }, seedHooks);
    expect((await build(dir)).code).toBe(0);
    writeFileSync(join(dir, 'seeds/s.csv'), 'id\n1\n2\n3\n');
    expect((await build(dir, '--vars', '{n: 3}')).code).toBe(1);
    expect(await rows(dir, 'select count(*) from main.s')).toEqual([[2]]);
    expect(await rows(dir, 'select what from main.audit order by rowid')).toEqual([['pre 1'], ['post 1']]);
    const fresh = project({ 'seeds/s.csv': 'id\n1\n2\n3\n' }, seedHooks);
    expect((await build(fresh, '--vars', '{n: 3}')).code).toBe(1);
    expect(await rows(fresh, "select count(*) from duckdb_tables() where table_name = 's'")).toEqual([[0]]);
    expect(await rows(fresh, 'select count(*) from main.audit')).toEqual([[0]]);
  });
});

describe('run_started_at', () => {
  it('is the same instant for every model of a run, in UTC, and another in the next run', async () => {
    const model = "{{ config(materialized='table') }}select '{{ run_started_at }}' as t\n";
    const dir = project({ 'models/a.sql': model, 'models/b.sql': model.replace('table', 'view'), 'models/c.sql': model });
    expect((await build(dir)).code).toBe(0);
    const first = await rows(dir, 'select t from main.a union all select t from main.b union all select t from main.c');
    expect(new Set(first.map((r) => r[0])).size).toBe(1);
    expect(String(first[0]![0])).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
    expect((await build(dir)).code).toBe(0);
    expect(await rows(dir, 'select t from main.a')).not.toEqual([first[0]]);
  });
});

describe('sql_header and persist_docs', () => {
  it('sql_header runs before the model SQL, on its connection, for tables and views', async () => {
    const dir = project({
      'models/hdr.sql': "{{ config(materialized='table', sql_header=\"set variable my_v = 41;\") }}\nselect getvariable('my_v') + 1 as x\n",
      'models/hdr_view.sql': "{{ config(sql_header=\"create or replace macro plus_one(a) as a + 1;\") }}\nselect plus_one(1) as x\n",
    });
    const r = await build(dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(await rows(dir, 'select x from main.hdr union all select x from main.hdr_view')).toEqual([[42], [2]]);
  });

  it('persist_docs comments the relation (when it has a description) and its documented columns', async () => {
    const dir = project({
      'models/schema.yml': `version: 2
models:
  - name: v_docs
    description: "view desc"
    config:
      persist_docs: {relation: true, columns: true}
    columns:
      - name: a
        description: "col a"
      - name: not_there
        description: "skipped"
  - name: t_docs_rel_only
    description: "it's only the relation"
    config:
      persist_docs: {relation: true}
      materialized: table
    columns:
      - name: a
        description: "col a"
  - name: t_undocumented
    config:
      persist_docs: {relation: true, columns: true}
      materialized: table
`,
      'models/v_docs.sql': 'select 1 as a\n',
      'models/t_docs_rel_only.sql': 'select 1 as a\n',
      'models/t_undocumented.sql': 'select 1 as a\n',
    });
    const r = await build(dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(await rows(dir, "select table_name, comment from duckdb_tables() where schema_name = 'main' union all select view_name, comment from duckdb_views() where schema_name = 'main' and not internal order by 1")).toEqual([
      ['t_docs_rel_only', "it's only the relation"],
      ['t_undocumented', null],
      ['v_docs', 'view desc'],
    ]);
    expect(await rows(dir, "select table_name, column_name, comment from duckdb_columns() where schema_name = 'main' and comment is not null")).toEqual([['v_docs', 'a', 'col a']]);
  });
});

describe('sql_header and persist_docs on incremental runs', () => {
  /**
   * Builds model `name` twice, the second time with --vars '{n: 2}' and its descriptions changed
   * (its yml documents `columns`, each described `<column> <run>`, the model `run <run>`); returns the dir.
   */
  async function twoRuns(name: string, model: string, columns: string[]): Promise<string> {
    const yml = (run: number) => `version: 2\nmodels:\n  - name: ${name}\n    description: "run ${run}"\n    config:\n      persist_docs: {relation: true, columns: true}\n    columns:\n${columns.map((c) => `      - name: ${c}\n        description: "${c} ${run}"\n`).join('')}`;
    const dir = project({ [`models/${name}.sql`]: model, 'models/schema.yml': yml(1) });
    expect((await build(dir)).code).toBe(0);
    writeFileSync(join(dir, 'models', 'schema.yml'), yml(2));
    const r = await build(dir, '--vars', '{n: 2}');
    expect(r.code, r.out + r.err).toBe(0);
    return dir;
  }

  it('an incremental run runs sql_header before its rows are built and sets the persist_docs comments again, as dbt-duckdb does', async () => {
    // dbt 1.10 ran this project twice: rows (2, NULL) and (3, 'b'); the table's comment 'run 2'; x 'x 2', y 'y 2'
    const dir = await twoRuns('inc', `{{ config(materialized='incremental', on_schema_change='append_new_columns', sql_header="set variable my_v = " ~ var('n', 1) ~ ";") }}
select getvariable('my_v') + 1 as x{% if var('n', 1) == 2 %}, 'b' as y{% endif %}
`, ['x', 'y']);
    expect(await rows(dir, 'select x, y from main.inc order by x')).toEqual([[2, null], [3, 'b']]);
    expect(await rows(dir, "select comment from duckdb_tables() where table_name = 'inc'")).toEqual([['run 2']]);
    expect(await rows(dir, "select column_name, comment from duckdb_columns() where table_name = 'inc' order by 1")).toEqual([['x', 'x 2'], ['y', 'y 2']]);
  });

  it('a partitioned incremental run does too', async () => {
    const dir = await twoRuns('pinc', `{{ config(materialized='incremental', partition_by={'field': 'd', 'data_type': 'date'}, incremental_strategy='insert_overwrite',
  sql_header="set variable my_v = " ~ var('n', 1) ~ ";") }}
select date '2024-01-01' + {{ var('n', 1) }} as d, getvariable('my_v') + 1 as x
`, ['x']);
    expect(await rows(dir, 'select x from main.pinc order by x')).toEqual([[2], [3]]);
    expect(await rows(dir, "select comment from duckdb_views() where view_name = 'pinc'")).toEqual([['run 2']]);
    expect(await rows(dir, "select comment from duckdb_columns() where table_name = 'pinc' and column_name = 'x'")).toEqual([['x 2']]);
  });
});

describe("the adapter's relation cache", () => {
  it('sees a relation an on-run-start hook drops: the incremental model is built whole again, not appended to', async () => {
    const dir = project({ 'models/inc.sql': "{{ config(materialized='incremental') }}\nselect {{ var('n', 1) }} as n\n" }, 'on-run-start:\n  - "{% if var(\'drop\', false) %}drop table if exists main.inc{% endif %}"\n');
    expect((await build(dir)).code).toBe(0);
    expect((await build(dir, '--vars', '{n: 2}')).code).toBe(0);
    expect(await rows(dir, 'select n from main.inc order by n')).toEqual([[1], [2]]);
    const r = await build(dir, '--vars', '{n: 3, drop: true}');
    expect(r.code, r.out + r.err).toBe(0);
    expect(await rows(dir, 'select n from main.inc order by n')).toEqual([[3]]);
  });
});

describe('enforced contracts (dbt-duckdb)', () => {
  const contract = (name: string, mat: string, cols: string) => `  - name: ${name}\n    config:\n      contract: {enforced: true}\n      materialized: ${mat}\n    columns:\n${cols}`;
  const files = {
    'models/schema.yml': `version: 2
models:
${contract('ok_contract', 'table', '      - name: id\n        data_type: integer\n        constraints:\n          - type: not_null\n          - type: primary_key\n      - name: name\n        data_type: varchar\n')}
${contract('bad_contract', 'table', '      - name: id\n        data_type: integer\n      - name: name\n        data_type: integer\n')}
${contract('missing_col', 'table', '      - name: id\n        data_type: integer\n')}
${contract('null_violation', 'table', '      - name: id\n        data_type: integer\n        constraints:\n          - type: not_null\n')}
${contract('view_contract', 'view', '      - name: id\n        data_type: bigint\n')}
`,
    // the contract's column order wins over the query's
    'models/ok_contract.sql': "select 'a' as name, 1 as id union all select 'b', 2\n",
    'models/bad_contract.sql': "select 1 as id, 'a' as name\n",
    'models/missing_col.sql': "select 1 as id, 'a' as name\n",
    'models/null_violation.sql': 'select null::int as id\n',
    'models/view_contract.sql': 'select 1 as id\n',
  };

  it('builds a matching contract with its column order, types and constraints; a mismatch, an extra column or a violated constraint fails the model', async () => {
    const dir = project(files);
    const r = await build(dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/bad_contract\.sql: .*enforced contract.*name is VARCHAR in the model, INTEGER in the contract \(data type mismatch\)/);
    expect(r.out).toMatch(/missing_col\.sql: .*enforced contract.*name VARCHAR is missing in contract/);
    expect(r.out).toMatch(/null_violation\.sql: .*NOT NULL constraint failed/);
    expect(r.out).toMatch(/view_contract\.sql: .*id is INTEGER in the model, BIGINT in the contract/);
    expect(await rows(dir, "select table_name from duckdb_tables() where schema_name = 'main' union all select view_name from duckdb_views() where schema_name = 'main' and not internal")).toEqual([['ok_contract']]);
    expect(await rows(dir, "select column_name, data_type, is_nullable from duckdb_columns() where table_name = 'ok_contract' order by column_index")).toEqual([['id', 'INTEGER', false], ['name', 'VARCHAR', true]]);
    expect(await rows(dir, "select constraint_type from duckdb_constraints() where table_name = 'ok_contract' order by 1")).toEqual([['NOT NULL'], ['PRIMARY KEY']]);
    expect(await rows(dir, 'select id, name from main.ok_contract order by id')).toEqual([[1, 'a'], [2, 'b']]);
  });

  it('an incremental run checks the contract too: a contract changed to another type fails it and leaves the table, as in dbt', async () => {
    const yml = (type: string) => `version: 2\nmodels:\n  - name: inc\n    config:\n      contract: {enforced: true}\n      materialized: incremental\n      on_schema_change: fail\n    columns:\n      - name: n\n        data_type: ${type}\n`;
    const dir = project({ 'models/schema.yml': yml('integer'), 'models/inc.sql': "select {{ var('v', 1) }} as n\n" });
    expect((await build(dir)).code).toBe(0);
    writeFileSync(join(dir, 'models/schema.yml'), yml('varchar'));
    const r = await build(dir, '--vars', '{v: 2}');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/inc\.sql: .*enforced contract.*n is INTEGER in the model, VARCHAR in the contract \(data type mismatch\)/);
    expect(await rows(dir, 'select n from main.inc')).toEqual([[1]]);
  });

  it('a contracted column without data_type is a clear error naming the yml', async () => {
    const dir = project({
      'models/schema.yml': `version: 2\nmodels:\n${contract('m', 'table', '      - name: id\n')}`,
      'models/m.sql': 'select 1 as id\n',
    });
    const r = await build(dir);
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toMatch(/models\/schema\.yml.*enforced contract: columns id need a data_type/);
  });
});
