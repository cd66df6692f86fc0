/**
 * Data tests configured as dbt 1.10 configures them, each checked against dbt-core 1.10 +
 * dbt-duckdb on the same project: a quoted column, store_failures_as, a disabled generic test,
 * a test's schema, and the tags a test takes from its column and source.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/project/load.js';
import type { TestNode } from '../../src/project/types.js';
import { cli } from '../cli.js';
import { tempProject } from '../project/helpers.js';

/** A project on a DuckDB file of its own, with `people` seeded; returns its dir and flags. */
function project(files: Record<string, string>) {
  const dir = tempProject({
    'seeds/people.csv': 'id,name,"Weird Col"\n1,ann,1\n2,,2\n2,cat,\n',
    ...files,
  });
  const profiles = `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '${join(dir, 'w.duckdb')}'\n`;
  return { dir, flags: ['--project-dir', dir, '--profiles-dir', tempProject({ 'profiles.yml': profiles })] };
}

/** The relations of a DuckDB file as `schema.name:TYPE`, sorted. */
async function relations(dir: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(join(dir, 'w.duckdb'));
  const con = await instance.connect();
  try {
    const rows = (await con.runAndReadAll("select table_schema || '.' || table_name || ':' || table_type from information_schema.tables order by 1")).getRows();
    return rows.map((r) => String(r[0]));
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

const tests = (dir: string) => [...loadProject({ projectDir: dir, env: {} }).nodes.values()].filter((n): n is TestNode => n.resourceType === 'test');

describe('generic tests configured as in dbt', () => {
  it('a column with quote: true (or its entry\'s quote_columns) is tested by its quoted name', async () => {
    const yml = (quote: string) => `version: 2\nseeds:\n  - name: people\n${quote}    columns:\n      - name: Weird Col\n${quote ? '' : '        quote: true\n'}        data_tests: [not_null]\n`;
    for (const spelling of ['', '    quote_columns: true\n']) {
      const { dir, flags } = project({ 'seeds/s.yml': yml(spelling) });
      const [test] = tests(dir);
      // dbt: not_null_people__Weird_Col_, column_name "Weird Col"
      expect(test).toMatchObject({ name: 'not_null_people__Weird_Col_', columnName: '"Weird Col"' });
      const res = await cli('build', ...flags);
      expect(res.out).toMatch(/FAIL 1 not_null_people__Weird_Col_ /);
      expect(res.code).toBe(1);
    }
  });

  it('store_failures_as: view stores a view, ephemeral stores nothing even with store_failures; a top-level store_failures_as is config', async () => {
    const { dir, flags } = project({
      'seeds/s.yml':
        'version: 2\nseeds:\n  - name: people\n    columns:\n      - name: name\n        data_tests:\n' +
        '          - not_null:\n              name: nn_view\n              store_failures_as: view\n' +
        '          - not_null:\n              name: nn_eph\n              config:\n                store_failures: true\n                store_failures_as: ephemeral\n' +
        '          - not_null:\n              name: nn_table\n              config:\n                store_failures: true\n' +
        '          - not_null:\n              name: nn_bad\n              config:\n                store_failures_as: parquet\n',
    });
    const res = await cli('build', ...flags);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/FAIL 1 nn_view /);
    expect(res.out).toMatch(/FAIL 1 nn_eph /);
    expect(res.out).toMatch(/Failure in test nn_bad \(seeds\/s\.yml\)\n.*'parquet' is not a valid value for store_failures_as/);
    expect(await relations(dir)).toEqual(['main.people:BASE TABLE', 'main_dbt_test__audit.nn_table:BASE TABLE', 'main_dbt_test__audit.nn_view:VIEW']);
  });

  it('a generic test with enabled: false is no node, and a test\'s schema config names where its failures are stored', async () => {
    const { dir, flags } = project({
      'dbt_project.yml': 'name: demo\nprofile: demo\nconfig-version: 2\ndata_tests:\n  demo:\n    +schema: audit\n',
      'seeds/s.yml':
        'version: 2\nseeds:\n  - name: people\n    columns:\n      - name: name\n        data_tests:\n' +
        '          - not_null:\n              config:\n                enabled: false\n' +
        '          - unique:\n              enabled: false\n' +
        '          - accepted_values:\n              arguments:\n                values: [ann]\n              config:\n                store_failures: true\n',
      'tests/all_people.sql': "{{ config(store_failures=true, schema='other') }}\nselect * from {{ ref('people') }}\n",
    });
    expect(tests(dir).map((t) => t.name).sort()).toEqual(['accepted_values_people_name__ann', 'all_people']);
    const res = await cli('build', ...flags);
    expect(res.out).toMatch(/Done\. PASS=1 WARN=0 ERROR=2 SKIP=0 NO-OP=0 TOTAL=3/);
    expect(await relations(dir)).toEqual(['main.people:BASE TABLE', 'main_audit.accepted_values_people_name__ann:BASE TABLE', 'main_other.all_people:BASE TABLE']);
  });

  it('a test takes the tags of its column, and of its source and source table, for selection', async () => {
    const { flags } = project({
      'models/src.yml':
        'version: 2\nsources:\n  - name: raw\n    schema: main\n    tags: [src_tag]\n    tables:\n      - name: people\n        tags: [table_tag]\n' +
        '        columns:\n          - name: id\n            tags: [col_tag]\n            data_tests: [not_null]\n',
      'seeds/s.yml': 'version: 2\nseeds:\n  - name: people\n    columns:\n      - name: id\n        tags: [seed_col]\n        config:\n          tags: [seed_col_cfg]\n        data_tests: [unique]\n',
    });
    const ls = async (sel: string) => (await cli('ls', ...flags, '-s', sel)).out.trim().split('\n').sort();
    expect(await ls('tag:src_tag')).toEqual(['demo.source_not_null_raw_people_id', 'source:demo.raw.people']);
    expect(await ls('tag:table_tag')).toEqual(['demo.source_not_null_raw_people_id', 'source:demo.raw.people']);
    expect(await ls('tag:col_tag')).toEqual(['demo.source_not_null_raw_people_id']);
    expect(await ls('tag:seed_col')).toEqual(['demo.unique_people_id']);
    expect(await ls('tag:seed_col_cfg')).toEqual(['demo.unique_people_id']);
  });
});
