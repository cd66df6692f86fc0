import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { onDuckDBFile } from '../project/helpers.js';

/** A project in which b reads a var, c is b's child, e is broken; a, d stand alone. */
function project(): string {
  return onDuckDBFile({
    'models/a.sql': 'select 1 as x\n',
    'models/b.sql': "select * from {{ ref('a') }} where {{ var('ok', 'false') }}\n",
    'models/c.sql': "select * from {{ ref('b') }}\n",
    'models/d.sql': 'select 2 as y\n',
    'models/e.sql': 'select nope\n',
  }).dir;
}

const statuses = (d: string) => (JSON.parse(readFileSync(join(d, 'target/run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] }).results
  .map((r) => `${r.unique_id.replace('model.demo.', '')}:${r.status}`).sort();

describe('stratum retry (dbt retry)', () => {
  it('runs again what errored or was skipped, with the recorded flags; flags given to retry override them', async () => {
    // dbt 1.10 on the same project: run (ok: tru) → a, d ok, b, e error, c skipped; e mended, retry →
    // b error (the recorded var), e ok, c skipped; retry --vars '{ok: "true"}' → b, c ok; retry → Nothing to do
    const d = project();
    const at = ['--project-dir', d, '--profiles-dir', d];
    expect((await cli('run', ...at, '--vars', '{ok: "tru"}')).code).toBe(1);
    expect(statuses(d)).toEqual(['a:success', 'b:error', 'c:skipped', 'd:success', 'e:error']);
    writeFileSync(join(d, 'models/e.sql'), 'select 5 as nope\n');
    const r1 = await cli('retry', ...at);
    expect(r1.code).toBe(1);
    expect(statuses(d)).toEqual(['b:error', 'c:skipped', 'e:success']);
    const recorded = JSON.parse(readFileSync(join(d, 'target/run_results.json'), 'utf8')) as { args: Record<string, unknown> };
    expect(recorded.args).toMatchObject({ which: 'run', vars: { ok: 'tru' }, full_refresh: false, target: 'dev' });
    const r2 = await cli('retry', ...at, '--vars', '{ok: "true"}');
    expect(r2.code).toBe(0);
    expect(statuses(d)).toEqual(['b:success', 'c:success']);
    const r3 = await cli('retry', ...at);
    expect(r3.code).toBe(0);
    expect(r3.out).toContain('Nothing to do. Try checking your model configs and model specification args');
  });

  it('a build retried runs its failed test again, and the children it skipped', async () => {
    const { dir: d, at } = onDuckDBFile({
      'models/m.sql': "select {{ var('v', 'null') }} as x\n",
      'models/child.sql': "select * from {{ ref('m') }}\n",
      'models/m.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: x\n        data_tests: [not_null]\n',
    });
    expect((await cli('build', ...at)).code).toBe(1);
    const results = () => (JSON.parse(readFileSync(join(d, 'target/run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] }).results.map((r) => `${r.unique_id.split('.')[2]}:${r.status}`).sort();
    expect(results()).toEqual(['child:skipped', 'm:success', 'not_null_m_x:fail']);
    // the test's model is not run again: the test still fails
    expect((await cli('retry', ...at, '--vars', '{v: 1}')).code).toBe(1);
    expect(results()).toEqual(['child:skipped', 'not_null_m_x:fail']);
    expect((await cli('build', ...at, '-s', 'm', '--vars', '{v: 1}')).code).toBe(0);
  });

  it('no previous run, or one retry does not run again, is a usage error (2)', async () => {
    const d = project();
    const at = ['--project-dir', d, '--profiles-dir', d];
    expect(await cli('retry', ...at)).toMatchObject({ code: 2, err: `Error: stratum retry: no previous run to retry: target/run_results.json not found in ${d}\n` });
    expect((await cli('run', ...at, '-s', 'a')).code).toBe(0);
    const file = join(d, 'target/run_results.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"which": "run"', '"which": "compile"'));
    expect(await cli('retry', ...at)).toMatchObject({ code: 2, err: `Error: stratum retry: the previous command (compile, in ${file}) is not one retry runs again: run, test, seed, snapshot, build\n` });
    // a bad flag given to retry is retry's, with or without a run to retry
    writeFileSync(file, readFileSync(file, 'utf8').replace('"which": "compile"', '"which": "run"'));
    expect(await cli('retry', ...at, '--threads', 'abc')).toEqual({ code: 2, out: '', err: "Error: stratum retry: --threads must be an integer, got 'abc'\n" });
    expect((await cli('retry', ...at, '--vars', '{a: [}')).err).toMatch(/^Error: stratum retry: --vars is not valid YAML: /);
  });
});
