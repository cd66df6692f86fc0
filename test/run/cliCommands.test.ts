import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { tempProject } from '../project/helpers.js';

let dir: string;

const files: Record<string, string> = {
  'dbt_project.yml': 'name: mini\nprofile: mini\nconfig-version: 2\nmodel-paths: [models]\nseed-paths: [seeds]\ntest-paths: [tests]\nmacro-paths: [macros]\n',
  'profiles.yml': 'mini:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'MINI_DB\') }}"\n      threads: 2\n',
  'seeds/people.csv': 'id,name\n1,ann\n2,bob\n3,\n',
  'models/people_clean.sql': "{{ config(materialized='table') }}\nselect id, coalesce(name, 'unknown') as name from {{ ref('people') }}\n",
  'models/people_names.sql': "select name from {{ ref('people_clean') }}\n",
  'models/schema.yml':
    'version: 2\nmodels:\n  - name: people_clean\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n' +
    "      - name: name\n        data_tests:\n          - accepted_values:\n              arguments:\n                values: [ann, bob]\n              config:\n                where: 'id < 3'\n",
  'tests/no_unknown_names.sql': "{{ config(severity='warn') }}\nselect * from {{ ref('people_clean') }} where name = 'unknown'\n",
  'tests/ids_below_three.sql': "{{ config(tags=['strict']) }}\nselect * from {{ ref('people_clean') }} where id >= 3\n",
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-cli-'));
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), text);
  }
  process.env.MINI_DB = join(dir, 'warehouse', 'mini.duckdb');
});
afterAll(async () => {
  delete process.env.MINI_DB;
  await rm(dir, { recursive: true, force: true });
});

const at = () => ['--project-dir', dir, '--profiles-dir', dir];

describe('stratum run | seed | test | build', () => {
  it('seed + run exit 0 and print dbt-style lines', async () => {
    const seed = await cli('seed', ...at());
    expect(seed.code).toBe(0);
    expect(seed.out).toMatch(/1 of 1 OK loaded seed file main\.people \.+ \[INSERT 3 in \d+\.\d+s\]/);
    const run = await cli('run', ...at(), '--threads', '2');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/OK created sql table model main\.people_clean \.+ \[CREATE TABLE 3 in/);
    expect(run.out).toMatch(/Done\. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2/);
    const manifest = JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.nodes)).toContain('model.mini.people_clean');
  });

  it('test exits 1 when a test fails; a warn alone exits 0', async () => {
    const all = await cli('test', ...at());
    expect(all.code).toBe(1);
    expect(all.out).toMatch(/FAIL 1 ids_below_three/);
    expect(all.out).toMatch(/WARN 1 no_unknown_names/);
    const warnOnly = await cli('test', ...at(), '--select', 'no_unknown_names');
    expect(warnOnly.code).toBe(0);
    expect(warnOnly.out).toMatch(/Done\. PASS=0 WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL=1/);
    const excluded = await cli('test', ...at(), '--exclude', 'tag:strict');
    expect(excluded.code).toBe(0);
  });

  it('a test config `where` filters the tested rows', async () => {
    const res = await cli('test', ...at(), '--select', 'test_type:generic', '--json');
    const finished = res.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; name?: string; status?: string }).filter((e) => e.type === 'node_finished');
    const accepted = finished.find((e) => e.name?.startsWith('accepted_values'));
    expect(accepted?.status).toBe('pass');
  });

  it('build skips children of a model whose test failed, and --json prints events', async () => {
    const res = await cli('build', ...at(), '--json', '--vars', '{unused: 1}');
    expect(res.code).toBe(1);
    const events = res.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; name?: string; status?: string });
    expect(events[0].type).toBe('run_started');
    expect(events.find((e) => e.name === 'people_names')?.status).toBe('skipped');
    expect(events.at(-1)?.type).toBe('run_finished');
    // the README names each event type and key
    const readme = await readFile('README.md', 'utf8');
    for (const e of events as unknown as Record<string, unknown>[]) {
      for (const key of [String(e.type), ...Object.keys(e), ...Object.keys(e.counts ?? {})]) expect(readme, `${String(e.type)}.${key}`).toContain(`\`${key}\``);
    }
    const results = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8'));
    expect(results.results.map((r: { status: string }) => r.status).sort()).toContain('skipped');
  });

  it('a model that fails to build names the line of its SQL and where the compiled SQL is, which is written', async () => {
    await writeFile(join(dir, 'models', 'broken.sql'), "{{ config(materialized='table') }}\nselect\n  1 as a,,\n  2 as b\n");
    try {
      const res = await cli('run', ...at(), '-s', 'broken');
      expect(res.code).toBe(1);
      expect(res.out).toMatch(/\n.*  Failure in model broken \(models\/broken\.sql\)\n.*  model\.mini\.broken in models\/broken\.sql: Parser Error: syntax error at or near "," \(LINE 3: 1 as a,,\)\n\n.*  compiled code at (.*)\n/);
      const at_ = /compiled code at (.*)\n/.exec(res.out)![1]!;
      // the line DuckDB names is that line of the file
      expect((await readFile(join(process.cwd(), at_), 'utf8')).split('\n')[2]).toBe('  1 as a,,');
      const manifest = JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8'));
      expect(join(dir, manifest.nodes['model.mini.broken'].compiled_path)).toBe(join(process.cwd(), at_));
    } finally {
      await rm(join(dir, 'models', 'broken.sql'));
    }
  });

  it('compile reads the warehouse as dbt compile does: is_incremental() is true once the table exists', async () => {
    await writeFile(join(dir, 'models', 'inc.sql'), "{{ config(materialized='incremental') }}\nselect id from {{ ref('people_clean') }}\n{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n");
    try {
      const before = await cli('compile', ...at(), '-s', 'inc');
      expect(before.code).toBe(0);
      expect(before.out).not.toContain('max(id)');
      expect((await cli('run', ...at(), '-s', 'inc')).code).toBe(0);
      const after = await cli('compile', ...at(), '-s', 'inc');
      expect(after.out).toMatch(/where id > \(select max\(id\) from "mini"\."main"\."inc"\)/);
    } finally {
      await rm(join(dir, 'models', 'inc.sql'));
    }
  });

  it('exit 2 for usage and configuration errors, with one line naming the problem', async () => {
    const badFlag = await cli('run', '--no-such-flag');
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toMatch(/^Error: stratum run: unknown flag '--no-such-flag'/);
    // a dbt flag Stratum does not take is named so, not "unknown" with a misleading guess
    expect((await cli('run', ...at(), '--selector', 'nightly')).err).toBe("Error: stratum run: dbt's --selector is not supported by Stratum (see stratum run --help)\n");
    expect((await cli('build', ...at(), '-m', 'people_clean')).err).toBe("Error: stratum build: dbt's -m is not supported by Stratum; use --select (-s), its name since dbt 1.0 (see stratum build --help)\n");
    const badVars = await cli('run', ...at(), '--vars', '[1, 2]');
    expect(badVars.code).toBe(2);
    expect(badVars.err).toMatch(/--vars must be a mapping/);
    const badThreads = await cli('build', ...at(), '--threads', 'many');
    expect(badThreads.code).toBe(2);
    const noProject = await cli('run', '--project-dir', join(dir, 'nowhere'));
    expect(noProject.code).toBe(2);
    expect(noProject.err.trim().split('\n')).toHaveLength(1);
    const badNow = await cli('source freshness', ...at(), '--now', 'yesterday-ish');
    expect(badNow.code).toBe(2);
  });
});

describe('a DuckDB target\'s settings (dbt-duckdb\'s settings:)', () => {
  // the path is absolute: a relative one resolves from the working folder, as in dbt-duckdb
  const profiles = (settings: string) => `demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var('DEMO_DB') }}"\n      settings:${settings}\n`;
  afterAll(() => {
    delete process.env.DEMO_DB;
  });
  // what DuckDB has, and what the project sees as target.settings, as in dbt-duckdb
  const model = { 'models/settings_seen.sql': "{{ config(materialized='table') }}\nselect current_setting('memory_limit') as memory_limit, current_setting('default_order') as default_order, '{{ target.settings.memory_limit }}' as in_target\n" };

  it('are given to DuckDB when the warehouse opens', async () => {
    const dir = tempProject({ ...model, 'profiles.yml': profiles('\n        memory_limit: 1GiB\n        default_order: desc') });
    process.env.DEMO_DB = join(dir, 'warehouse.duckdb');
    const r = await cli('run', '--project-dir', dir, '--profiles-dir', dir);
    expect(r.code, r.err).toBe(0);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'));
    const con = await db.connect();
    const rows = (await con.runAndReadAll('select * from settings_seen')).getRowObjectsJS();
    con.closeSync();
    db.closeSync();
    expect(rows).toEqual([{ memory_limit: '1.0 GiB', default_order: 'DESC', in_target: '1GiB' }]);
  });

  it('and the dbt-duckdb keys Stratum does not support are warned of, not dropped silently', async () => {
    const dir = tempProject({ ...model, 'profiles.yml': profiles('\n        memory_limit: 1GiB\n      extensions: [httpfs]\n      external_root: out\n      keep_open: true') });
    process.env.DEMO_DB = join(dir, 'warehouse.duckdb');
    const r = await cli('run', '--project-dir', dir, '--profiles-dir', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("Warning: profiles.yml (demo.outputs.dev.extensions): Stratum does not support dbt-duckdb's 'extensions'; it is ignored\n"
      + "Warning: profiles.yml (demo.outputs.dev.external_root): Stratum does not support dbt-duckdb's 'external_root'; it is ignored\n");
  });

  it('name the setting DuckDB refuses, or the key that is no mapping of values, in one line with exit 2', async () => {
    for (const [settings, err] of [
      ['\n        memory_limit: 1GiB\n        memory_limt: 1GB', "Error: profiles.yml (demo.outputs.dev.settings.memory_limt): DuckDB refuses memory_limt = '1GB': The following options were not recognized: memory_limt\n"],
      ['\n        memory_limit: lots', "Error: profiles.yml (demo.outputs.dev.settings.memory_limit): DuckDB refuses memory_limit = 'lots': Failed to set config\n"],
      [' 5', 'Error: profiles.yml:7 (demo.outputs.dev.settings): settings must be a mapping of DuckDB settings (name: value)\n'],
      ['\n        memory_limit: [1GB]', 'Error: profiles.yml:8 (demo.outputs.dev.settings.memory_limit): settings.memory_limit must be a string, number or boolean\n'],
    ]) {
      const dir = tempProject({ ...model, 'profiles.yml': profiles(settings) });
      process.env.DEMO_DB = join(dir, 'warehouse.duckdb');
      const r = await cli('run', '--project-dir', dir, '--profiles-dir', dir);
      expect(r.code, settings).toBe(2);
      expect(r.err.replace(dir + '/', '')).toBe(err);
    }
  });
});
