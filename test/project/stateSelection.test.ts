/**
 * `state:` and `result:` selection against an earlier run's artifacts (`--state`), checked against
 * dbt 1.10's `dbt ls` on the same project and changes: the expected lists below are what dbt
 * printed, with the earlier run's target folder written by dbt or by Stratum alike.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { dbtEnv, hasDbt, warnIfNoDbt } from '../twoEngines.js';
import { onDuckDBFile } from './helpers.js';

/** A project of six models (f broken, c calling a macro), a test on d, on a DuckDB file of its own. */
function project(): string {
  return onDuckDBFile({
    'models/a.sql': 'select 1 as id\n',
    'models/b.sql': "{{ config(materialized='table') }} select * from {{ ref('a') }}\n",
    'models/c.sql': 'select {{ two() }} as x\n',
    'models/d.sql': 'select 3 as y\n',
    'models/e.sql': "select * from {{ ref('b') }}\n",
    'models/f.sql': 'select nope\n',
    'macros/two.sql': '{% macro two() %}2{% endmacro %}\n',
    'models/d.yml': 'version: 2\nmodels:\n  - name: d\n    columns:\n      - name: y\n        data_tests: [not_null]\n',
  }).dir;
}

/** After the earlier run: a's body, b's materialization and the macro change; n is new; d gets a description and a second test. */
function change(dir: string): void {
  writeFileSync(join(dir, 'models/a.sql'), 'select 11 as id\n');
  writeFileSync(join(dir, 'models/b.sql'), "{{ config(materialized='view') }} select * from {{ ref('a') }}\n");
  writeFileSync(join(dir, 'macros/two.sql'), '{% macro two() %}22{% endmacro %}\n');
  writeFileSync(join(dir, 'models/n.sql'), 'select 9 as n\n');
  writeFileSync(join(dir, 'models/d.yml'), 'version: 2\nmodels:\n  - name: d\n    description: now described\n    columns:\n      - name: y\n        data_tests: [not_null, unique]\n');
}

/** What dbt ls -s <selector> --state prod printed (sorted), for the change above. */
const DBT_LS: Record<string, string[]> = {
  'state:modified': ['demo.a', 'demo.b', 'demo.c', 'demo.n', 'demo.unique_d_y'],
  'state:new': ['demo.n', 'demo.unique_d_y'],
  'state:modified.body': ['demo.a', 'demo.b', 'demo.n', 'demo.unique_d_y'],
  'state:modified.configs': ['demo.b', 'demo.n', 'demo.unique_d_y'],
  'state:modified.macros': ['demo.c'],
  'state:modified.relation': ['demo.n', 'demo.unique_d_y'],
  'state:modified+': ['demo.a', 'demo.b', 'demo.c', 'demo.e', 'demo.n', 'demo.unique_d_y'],
  'state:unmodified': ['demo.d', 'demo.e', 'demo.f', 'demo.not_null_d_y', 'demo.unique_d_y'],
  'result:error+': ['demo.f'],
};

const ls = async (dir: string, selector: string) => {
  const r = await cli('ls', '-s', selector, '--state', join(dir, 'prod'), '--project-dir', dir, '--profiles-dir', dir);
  expect(r.code, `${selector}: ${r.err}`).toBe(0);
  return r.out.split('\n').filter((l) => l !== '').sort();
};

describe('state: and result: selection (--state)', () => {
  it("selects what dbt selects, against an earlier Stratum run's target folder", async () => {
    const dir = project();
    expect((await cli('run', '--project-dir', dir, '--profiles-dir', dir)).code).toBe(1);
    cpSync(join(dir, 'target'), join(dir, 'prod'), { recursive: true });
    change(dir);
    for (const [selector, expected] of Object.entries(DBT_LS)) expect(await ls(dir, selector), selector).toEqual(expected);
    // and builds it: the modified nodes and their children
    const b = await cli('build', '-s', 'state:modified+', '--state', join(dir, 'prod'), '--project-dir', dir, '--profiles-dir', dir);
    expect(b.code).toBe(0);
    expect(b.out).toContain('Done. PASS=6 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=6');
  });

  it.skipIf(!hasDbt)("selects what dbt selects, against an earlier dbt run's target folder (dbt run for real)", () => {
    const dir = project();
    const dbt = (...args: string[]) => spawnSync('dbt', [...args, '--project-dir', dir, '--profiles-dir', dir], { cwd: dir, encoding: 'utf8', env: dbtEnv({}), timeout: 300_000 });
    dbt('run');
    cpSync(join(dir, 'target'), join(dir, 'prod'), { recursive: true });
    change(dir);
    return (async () => {
      for (const selector of ['state:modified', 'state:modified.macros', 'state:unmodified', 'result:error+']) {
        const live = dbt('ls', '-s', selector, '--state', join(dir, 'prod'), '--quiet').stdout.split('\n').filter((l) => l !== '').sort();
        expect(live, selector).toEqual(DBT_LS[selector]);
        expect(await ls(dir, selector), selector).toEqual(live);
      }
    })();
  }, 300_000);
  warnIfNoDbt('state selection: dbt live');

  it('without --state, with a folder that has no artifacts, or with a value dbt does not take, is a usage error (2)', async () => {
    const dir = project();
    const at = ['--project-dir', dir, '--profiles-dir', dir];
    expect(await cli('ls', '-s', 'state:modified', ...at)).toMatchObject({ code: 2, err: 'Error: state:modified compares with an earlier run: pass --state DIR (a target folder with its manifest.json)\n' });
    expect(await cli('ls', '-s', 'result:fail', ...at)).toMatchObject({ code: 2, err: "Error: result:fail reads an earlier run's results: pass --state DIR with its run_results.json\n" });
    expect((await cli('ls', '-s', 'state:modified', '--state', join(dir, 'nowhere'), ...at)).err).toBe(`Error: --state ${join(dir, 'nowhere')}: no manifest.json or run_results.json there (the target folder of an earlier run, e.g. --state prod-target/)\n`);
    expect((await cli('ls', '-s', 'state:changed', ...at)).err).toBe("Error: invalid selector 'state:changed': state: takes new, old, modified, unmodified, modified.body, modified.configs, modified.relation, modified.persisted_descriptions, modified.macros, modified.contract\n");
  });
});
