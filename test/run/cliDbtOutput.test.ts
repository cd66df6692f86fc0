/**
 * `stratum run | test | build | seed` as a dbt user reads them: the progress lines, the end-of-run
 * summary, exit codes and the run flags (--fail-fast, --warn-error, --threads, -f), each as
 * dbt-core 1.10 with dbt-duckdb 1.10 prints or does it on the same small project.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import { cli } from '../cli.js';
import { queryFile } from '../duckdbFile.js';
import { tempProject } from '../project/helpers.js';
import { tempDir } from '../tempDir.js';

let dir: string;

const files: Record<string, string> = {
  'dbt_project.yml': 'name: mini\nprofile: mini\nconfig-version: 2\nmodel-paths: [models]\nseed-paths: [seeds]\ntest-paths: [tests]\n',
  'profiles.yml': 'mini:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'OUTPUT_DB\') }}"\n      threads: 1\n',
  'seeds/people.csv': 'id,name\n1,ann\n2,bob\n3,\n',
  'models/people_clean.sql': "{{ config(materialized='table') }}\nselect id, coalesce(name, 'unknown') as name from {{ ref('people') }}\n",
  'models/people_names.sql': "select name from {{ ref('people_clean') }}\n",
  'models/people_count.sql': "select count(*) as n from {{ ref('people_names') }}\n",
  'models/other.sql': 'select 1 as x\n',
  'models/schema.yml': 'version: 2\nmodels:\n  - name: people_clean\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n  - name: other\n    columns:\n      - name: x\n        data_tests: [not_null]\n',
  'tests/no_unknown_names.sql': "{{ config(severity='warn') }}\nselect * from {{ ref('people_clean') }} where name = 'unknown'\n",
  'tests/ids_below_three.sql': "select * from {{ ref('people_clean') }} where id >= 3\n",
};

beforeAll(async () => {
  dir = tempDir('stratum-output-');
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), text);
  }
  process.env.OUTPUT_DB = join(dir, 'mini.duckdb');
});
afterAll(() => {
  delete process.env.OUTPUT_DB;
});

const at = () => ['--project-dir', dir, '--profiles-dir', dir];

/** The output without its clock: no timestamps, every duration 0.00s, the compiled paths from the project. */
function plain(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, '').replace(/\d+\.\d\d(s\b| seconds)/g, '0.00$1').replace(/compiled code at .*target\//, 'compiled code at target/'))
    .slice(0, -1);
}

/** `left ....... [right]` as dbt pads it: the left part and a space, dotted out to 80 columns. */
const line = (left: string, right: string) => `${`${left} `.padEnd(80, '.')} [${right}]`;

async function relations(): Promise<string[]> {
  const db = new DuckDBAdapter({ path: join(dir, 'mini.duckdb') });
  await db.connect();
  try {
    return (await db.relations()).map((r) => r.name).sort();
  } finally {
    await db.close();
  }
}

describe('stratum build prints what dbt build prints', () => {
  it('START and result lines per resource type, skips when their turn comes, and the end-of-run summary', async () => {
    const res = await cli('build', ...at());
    expect(res.code).toBe(1);
    expect(plain(res.out)).toEqual([
      'Found 4 models, 5 data tests, 1 seed',
      '',
      "Concurrency: 1 threads (target='dev')",
      '',
      line('1 of 10 START seed file main.people', 'RUN'),
      line('1 of 10 OK loaded seed file main.people', 'INSERT 3 in 0.00s'),
      line('2 of 10 START sql view model main.other', 'RUN'),
      line('2 of 10 OK created sql view model main.other', 'CREATE VIEW in 0.00s'),
      line('3 of 10 START sql table model main.people_clean', 'RUN'),
      line('3 of 10 OK created sql table model main.people_clean', 'CREATE TABLE 3 in 0.00s'),
      line('4 of 10 START test ids_below_three', 'RUN'),
      line('4 of 10 FAIL 1 ids_below_three', 'FAIL 1 in 0.00s'),
      line('5 of 10 START test no_unknown_names', 'RUN'),
      line('5 of 10 WARN 1 no_unknown_names', 'WARN 1 in 0.00s'),
      line('6 of 10 START test not_null_other_x', 'RUN'),
      line('6 of 10 PASS not_null_other_x', 'PASS in 0.00s'),
      line('7 of 10 START test not_null_people_clean_id', 'RUN'),
      line('7 of 10 PASS not_null_people_clean_id', 'PASS in 0.00s'),
      line('8 of 10 START test unique_people_clean_id', 'RUN'),
      line('8 of 10 PASS unique_people_clean_id', 'PASS in 0.00s'),
      line('9 of 10 SKIP relation main.people_names', 'SKIP'),
      line('10 of 10 SKIP relation main.people_count', 'SKIP'),
      '',
      'Finished running 1 seed, 1 table model, 5 data tests, 3 view models in 0 hours 0 minutes and 0.00 seconds (0.00s).',
      '',
      'Completed with 1 error, 0 partial successes, and 1 warning:',
      '',
      'Failure in test ids_below_three (tests/ids_below_three.sql)',
      '  Got 1 result, configured to fail if != 0',
      '',
      '  compiled code at target/compiled/mini/tests/ids_below_three.sql',
      '',
      'Warning in test no_unknown_names (tests/no_unknown_names.sql)',
      'Got 1 result, configured to warn if != 0',
      '',
      '  compiled code at target/compiled/mini/tests/no_unknown_names.sql',
      '',
      'Done. PASS=6 WARN=1 ERROR=1 SKIP=2 NO-OP=0 TOTAL=10',
    ]);
  });

  it('a run that succeeds says so; a model that fails is a Failure block; a skipped test is SKIP test', async () => {
    const ok = await cli('run', ...at(), '-s', 'other');
    expect(ok.code).toBe(0);
    expect(plain(ok.out).slice(-5)).toEqual(['Finished running 1 view model in 0 hours 0 minutes and 0.00 seconds (0.00s).', '', 'Completed successfully', '', 'Done. PASS=1 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=1']);
    await writeFile(join(dir, 'models', 'broken.sql'), "{{ config(materialized='table') }}\nselect nope from {{ ref('other') }}\n");
    await writeFile(join(dir, 'models', 'broken.yml'), 'version: 2\nmodels:\n  - name: broken\n    columns:\n      - name: nope\n        data_tests: [not_null]\n');
    try {
      const res = await cli('build', ...at(), '-s', 'broken');
      expect(res.code).toBe(1);
      const out = plain(res.out);
      expect(out).toContain(line('1 of 2 ERROR creating sql table model main.broken', 'ERROR in 0.00s'));
      expect(out).toContain(line('2 of 2 SKIP test not_null_broken_nope', 'SKIP'));
      const failure = out.indexOf('Failure in model broken (models/broken.sql)');
      expect(out.slice(failure - 2, failure)).toEqual(['Completed with 1 error, 0 partial successes, and 0 warnings:', '']);
      expect(out[failure + 1]).toMatch(/^ {2}model\.mini\.broken in models\/broken\.sql: Binder Error: Referenced column "nope" not found/);
      expect(out.slice(failure + 2, failure + 4)).toEqual(['', '  compiled code at target/compiled/mini/models/broken.sql']);
      // the error is said once, in the summary, as dbt does
      expect(out.filter((l) => l.includes('Binder Error'))).toHaveLength(1);
    } finally {
      await writeFile(join(dir, 'models', 'broken.sql'), 'select 1 as nope\n');
      await writeFile(join(dir, 'models', 'broken.yml'), 'version: 2\n');
    }
  });

  it('a failing test that stores its failures says where, as dbt does', async () => {
    await writeFile(join(dir, 'tests', 'ids_below_three.sql'), "{{ config(store_failures=true) }}\nselect * from {{ ref('people_clean') }} where id >= 3\n");
    try {
      const res = await cli('test', ...at(), '-s', 'ids_below_three');
      expect(res.code).toBe(1);
      const out = plain(res.out);
      const at_ = out.indexOf('  compiled code at target/compiled/mini/tests/ids_below_three.sql');
      const border = '  ' + '-'.repeat(61);
      expect(out.slice(at_ + 1, at_ + 6)).toEqual(['', '  See test failures:', border, '  select * from "mini"."main_dbt_test__audit"."ids_below_three"', border]);
    } finally {
      await writeFile(join(dir, 'tests', 'ids_below_three.sql'), files['tests/ids_below_three.sql']!);
    }
  });

  it('--store-failures stores a failing test whose config says nothing of it, and says where; templates see flags.STORE_FAILURES', async () => {
    await writeFile(join(dir, 'tests', 'ids_below_three.sql'), "select * from {{ ref('people_clean') }} where id >= 3 and {{ flags.STORE_FAILURES }}\n");
    try {
      const res = await cli('test', ...at(), '-s', 'ids_below_three', '--store-failures');
      expect(res.code).toBe(1);
      expect(plain(res.out)).toContain('  select * from "mini"."main_dbt_test__audit"."ids_below_three"');
      const plainRun = await cli('test', ...at(), '-s', 'ids_below_three');
      // without the flag the condition reads False: no rows, and nothing stored
      expect(plainRun.code).toBe(0);
      expect(plain(plainRun.out)).not.toContain('See test failures');
    } finally {
      await writeFile(join(dir, 'tests', 'ids_below_three.sql'), files['tests/ids_below_three.sql']!);
    }
  });

  it('a selection with nothing to run says "Nothing to do" and exits 0 (2 with --warn-error)', async () => {
    const none = await cli('run', ...at(), '-s', 'tag:nothing');
    expect(none.code).toBe(0);
    expect(none.err).toContain("the selection criterion 'tag:nothing' does not match any enabled nodes");
    expect(plain(none.out)).toContain('Nothing to do. Try checking your model configs and model specification args');
    expect(none.out).not.toContain('Done.');
    // a seed selected for run: nodes, but none that run runs
    const seedOnly = await cli('run', ...at(), '-s', 'people');
    expect(seedOnly.code).toBe(0);
    expect(plain(seedOnly.out)).toContain('Nothing to do. Try checking your model configs and model specification args');
    const strict = await cli('run', ...at(), '-s', 'people', '--warn-error');
    expect(strict.code).toBe(2);
    expect(strict.err).toBe('Error: stratum run: Nothing to do. Try checking your model configs and model specification args (--warn-error makes this warning an error)\n');
    const strictUnmatched = await cli('run', ...at(), '-s', 'tag:nothing', '--warn-error');
    expect(strictUnmatched.code).toBe(2);
    expect(strictUnmatched.err).toBe("Error: stratum run: the selection criterion 'tag:nothing' does not match any enabled nodes (--warn-error makes this warning an error)\n");
  });
});

describe('project hooks print as dbt prints them', () => {
  it('START and OK hook lines, a blank line around them, and the hooks counted in the summary', async () => {
    const project = files['dbt_project.yml']!;
    await writeFile(join(dir, 'dbt_project.yml'), `${project}on-run-start:\n  - "select 1"\n  - "select 2"\non-run-end:\n  - "select 3"\n`);
    try {
      const res = await cli('run', ...at(), '-s', 'other');
      expect(res.code).toBe(0);
      expect(plain(res.out).slice(1)).toEqual([
        '',
        "Concurrency: 1 threads (target='dev')",
        '',
        line('1 of 2 START hook: mini.on-run-start.0', 'RUN'),
        line('1 of 2 OK hook: mini.on-run-start.0', 'OK in 0.00s'),
        line('2 of 2 START hook: mini.on-run-start.1', 'RUN'),
        line('2 of 2 OK hook: mini.on-run-start.1', 'OK in 0.00s'),
        '',
        line('1 of 1 START sql view model main.other', 'RUN'),
        line('1 of 1 OK created sql view model main.other', 'CREATE VIEW in 0.00s'),
        '',
        line('1 of 1 START hook: mini.on-run-end.0', 'RUN'),
        line('1 of 1 OK hook: mini.on-run-end.0', 'OK in 0.00s'),
        '',
        'Finished running 3 project hooks, 1 view model in 0 hours 0 minutes and 0.00 seconds (0.00s).',
        '',
        'Completed successfully',
        '',
        'Done. PASS=4 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=4',
      ]);
      await writeFile(join(dir, 'dbt_project.yml'), `${project}on-run-start:\n  - "select * from no_such_table"\n  - "select 2"\n`);
      const failed = await cli('run', ...at(), '-s', 'other');
      expect(failed.code).toBe(1);
      const out = plain(failed.out);
      expect(out.slice(4, 7)).toEqual([
        line('1 of 2 START hook: mini.on-run-start.0', 'RUN'),
        line('1 of 2 ERROR hook: mini.on-run-start.0', 'ERROR in 0.00s'),
        line('2 of 2 SKIP hook: mini.on-run-start.1', 'SKIP in 0.00s'),
      ]);
      const failure = out.indexOf('Failure in operation mini-on-run-start-0 (./dbt_project.yml)');
      expect(out[failure + 1]).toBe('  mini.on-run-start.0 failed, error:');
      expect(out[failure + 2]).toMatch(/^ operation\.mini\.mini-on-run-start-0 in dbt_project\.yml: Catalog Error: Table with name no_such_table does not exist/);
      // as dbt 1.10 by default, the model still runs after the failed hook (the rest of the hooks are skipped)
      expect(out).toContain(line('1 of 1 OK created sql view model main.other', 'CREATE VIEW in 0.00s'));
      expect(out.at(-1)).toBe('Done. PASS=1 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=3');
    } finally {
      await writeFile(join(dir, 'dbt_project.yml'), project);
    }
  });
});

describe('stratum source freshness prints what dbt source freshness prints', () => {
  it('ERROR STALE and PASS lines, then the stale sources and Done.', async () => {
    const db = new DuckDBAdapter({ path: ':memory:' });
    await db.connect();
    try {
      await db.execute(`copy (select 1 as id, timestamp '2020-01-01 00:00:00' as loaded_at) to '${join(dir, 'events.parquet')}' (format parquet)`);
    } finally {
      await db.close();
    }
    const table = (name: string, freshness: string) => `      - name: ${name}\n        meta:\n          external_location: "read_parquet('${join(dir, 'events.parquet')}')"\n        loaded_at_field: loaded_at\n        freshness:\n${freshness}`;
    await writeFile(join(dir, 'models', 'src.yml'), `version: 2\nsources:\n  - name: raw\n    tables:\n${table('events', '          warn_after: {count: 1, period: day}\n          error_after: {count: 2, period: day}\n')}${table('events2', '          warn_after: {count: 10, period: day}\n')}`);
    try {
      const res = await cli('source', 'freshness', ...at(), '--now', '2020-01-04');
      expect(res.code).toBe(1);
      const out = plain(res.out).filter((l) => !l.startsWith('Freshness clock'));
      expect(out[0]).toMatch(/^Found \d+ models, 5 data tests, 1 seed, 2 sources$/);
      expect(out.slice(1)).toEqual([
        '',
        "Concurrency: 1 threads (target='dev')",
        '',
        line('1 of 2 START freshness of raw.events', 'RUN'),
        line('1 of 2 ERROR STALE freshness of raw.events', 'ERROR STALE in 0.00s'),
        line('2 of 2 START freshness of raw.events2', 'RUN'),
        line('2 of 2 PASS freshness of raw.events2', 'PASS in 0.00s'),
        '',
        'Finished running 2 sources in 0 hours 0 minutes and 0.00 seconds (0.00s).',
        '',
        'Failure in source events (models/src.yml)',
        '  max(loaded_at) = 2020-01-01 00:00:00, 72.0h old at 2020-01-04T00:00:00.000Z',
        'Done.',
      ]);
    } finally {
      await writeFile(join(dir, 'models', 'src.yml'), 'version: 2\n');
    }
  });
});

describe('run flags as dbt takes them', () => {
  it('--warn-error makes a warning test fail (exit 1), as dbt does', async () => {
    expect((await cli('seed', ...at())).code).toBe(0);
    expect((await cli('run', ...at(), '-s', 'people_clean')).code).toBe(0);
    const warned = await cli('test', ...at(), '-s', 'no_unknown_names');
    expect(warned.code).toBe(0);
    const res = await cli('test', ...at(), '-s', 'no_unknown_names', '--warn-error');
    expect(res.code).toBe(1);
    const out = plain(res.out);
    expect(out).toContain(line('1 of 1 FAIL 1 no_unknown_names', 'FAIL 1 in 0.00s'));
    expect(out).toContain('  Got 1 result, configured to fail if != 0');
    expect(out.at(-1)).toBe('Done. PASS=0 WARN=0 ERROR=1 SKIP=0 NO-OP=0 TOTAL=1');
    // and before the command, where dbt takes it too
    const before = await cli('--warn-error', 'test', ...at(), '-s', 'no_unknown_names');
    expect(before.code, before.err).toBe(1);
    expect(plain(before.out)).toContain(line('1 of 1 FAIL 1 no_unknown_names', 'FAIL 1 in 0.00s'));
    expect((await cli('--fail-fast', 'ls', ...at())).err).toBe("Error: stratum ls: dbt's --fail-fast is not supported by Stratum (see stratum ls --help)\n");
  });

  it('--fail-fast (-x) stops at the first failure: nothing else starts, the rest is skipped', async () => {
    await writeFile(join(dir, 'models', 'a_broken.sql'), "{{ config(materialized='table') }}\nselect nope\n");
    await writeFile(join(dir, 'models', 'z_after.sql'), "{{ config(materialized='table') }}\nselect 1 as y\n");
    try {
      for (const flag of ['--fail-fast', '-x']) {
        const res = await cli('run', ...at(), '-s', 'a_broken', 'z_after', 'people_clean', flag);
        expect(res.code, flag).toBe(1);
        const out = plain(res.out);
        expect(out).toContain(line('1 of 3 ERROR creating sql table model main.a_broken', 'ERROR in 0.00s'));
        expect(out.filter((l) => / (START|OK) /.test(l))).toEqual([line('1 of 3 START sql table model main.a_broken', 'RUN')]);
        expect(out).toContain('Completed with 3 errors, 0 partial successes, and 0 warnings:');
        expect(out.at(-1)).toBe('Done. PASS=0 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=3');
        expect(await relations()).not.toContain('z_after');
      }
      const all = await cli('run', ...at(), '-s', 'a_broken', 'z_after');
      expect(all.code).toBe(1);
      expect(await relations()).toContain('z_after');
    } finally {
      await writeFile(join(dir, 'models', 'a_broken.sql'), 'select 1 as a\n');
    }
  });

  it('build --resource-type and --exclude-resource-type keep and leave out kinds of node, as dbt 1.10 does', async () => {
    const seeds = await cli('build', ...at(), '--resource-type', 'seed');
    expect(seeds.code, seeds.err).toBe(0);
    expect(plain(seeds.out).at(-1)).toBe('Done. PASS=1 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=1');
    const modelsAndTests = await cli('build', ...at(), '-s', 'people_clean', '--resource-type', 'model', 'test');
    expect(plain(modelsAndTests.out).filter((l) => / (OK|PASS|FAIL|WARN) /.test(l)).map((l) => l.split(' ').slice(3, 5).join(' '))).toEqual([
      'OK created', 'FAIL 1', 'WARN 1', 'PASS not_null_people_clean_id', 'PASS unique_people_clean_id',
    ]);
    const noTests = await cli('build', ...at(), '-s', 'people', 'people_clean', '--exclude-resource-type', 'test');
    expect(noTests.code, noTests.err).toBe(0);
    expect(plain(noTests.out).at(-1)).toBe('Done. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2');
    const bad = await cli('build', ...at(), '--resource-type', 'modle');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("Error: stratum build: --resource-type must be among analysis, exposure, metric, model, saved_query, seed, semantic_model, snapshot, source, test, unit_test, default, all; got 'modle' (see stratum build --help)\n");
  });

  it('--empty builds the models on no rows and loads the seeds whole, as dbt 1.10 does', async () => {
    const count = async (rel: string) => {
      const db = new DuckDBAdapter({ path: join(dir, 'mini.duckdb') });
      await db.connect();
      try {
        return Number((await db.query(`select count(*) from main.${rel}`)).rows[0]?.[0]);
      } finally {
        await db.close();
      }
    };
    const empty = await cli('build', ...at(), '-s', 'people', 'people_clean', 'people_names', '--empty');
    expect(empty.code, empty.out).toBe(0);
    expect(await count('people')).toBe(3);
    expect(await count('people_clean')).toBe(0);
    expect(await count('people_names')).toBe(0);
    const full = await cli('run', ...at(), '-s', 'people_clean', 'people_names');
    expect(full.code).toBe(0);
    expect(await count('people_clean')).toBe(3);
    expect(await count('people_names')).toBe(3);
  });

  it("--threads overrides the profile's threads, and -f is --full-refresh", async () => {
    const res = await cli('run', ...at(), '-s', 'other', '--threads', '3');
    expect(plain(res.out)).toContain("Concurrency: 3 threads (target='dev')");
    const seed = await cli('seed', ...at(), '-f');
    expect(seed.code, seed.err).toBe(0);
  });

  it('names the dbt flags it does not take, in each of the seven project commands', async () => {
    for (const cmd of ['run', 'test', 'build', 'seed', 'source freshness', 'compile', 'ls']) {
      const r = await cli(...cmd.split(' '), ...at(), '--selector', 'nightly');
      expect(r.code, cmd).toBe(2);
      expect(r.err, cmd).toBe(`Error: stratum ${cmd}: dbt's --selector is not supported by Stratum (see stratum ${cmd} --help)\n`);
    }
    for (const flag of ['--target-path', '--log-path', '--defer-state']) {
      expect((await cli('build', ...at(), flag, 'x')).err).toBe(`Error: stratum build: dbt's ${flag} is not supported by Stratum (see stratum build --help)\n`);
    }
    expect((await cli('ls', ...at(), '--fail-fast')).err).toBe("Error: stratum ls: dbt's --fail-fast is not supported by Stratum (see stratum ls --help)\n");
  });
});

describe('what templates print, as dbt prints it', () => {
  const strip = (out: string) => out.replace(/^\d\d:\d\d:\d\d {2}/gm, '');
  const logProject = () => tempProject({
    'dbt_project.yml': 'name: lg\nprofile: lg\nconfig-version: 2\n',
    'profiles.yml': 'lg:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'LOG_DB\') }}"\n',
    'models/lg.sql': "{{ log('info log ' ~ execute, info=True) }}{{ log('debug log') }}{{ print('printed ' ~ execute) }}{% do exceptions.warn('a warning ' ~ execute) %}\nselect 1 as x\n",
  });
  const inProject = async (d: string, ...args: string[]) => {
    process.env.LOG_DB = join(d, 'lg.duckdb');
    try {
      return await cli(...args, '--project-dir', d, '--profiles-dir', d);
    } finally {
      delete process.env.LOG_DB;
    }
  };

  it('log(info=True), print() and exceptions.warn() at parse time before Found, at run time after START; log() alone is not printed', async () => {
    // dbt run of the same model printed, after its timestamps: info log False / printed False (no
    // timestamp) / a warning False / Found ... / START ... / info log True / printed True / a warning True / OK ...
    const r = await inProject(logProject(), 'run');
    expect(r.code).toBe(0);
    const lines = strip(r.out).split('\n');
    expect(lines.slice(0, 4)).toEqual(['info log False', 'printed False', 'a warning False', 'Found 1 model']);
    const start = lines.findIndex((l) => l.startsWith('1 of 1 START'));
    expect(lines.slice(start + 1, start + 4)).toEqual(['info log True', 'printed True', 'a warning True']);
    expect(r.out).not.toContain('debug log');
    // print() has no timestamp, as in dbt
    expect(r.out).toMatch(/^printed True$/m);
    expect(r.out).toMatch(/^\d\d:\d\d:\d\d {2}info log True$/m);
  });

  it('with --warn-error, exceptions.warn() is a compilation error naming its file, in every command that renders templates', async () => {
    // dbt --warn-error run of the same model: "Compilation Error in model lg (models/lg.sql)\n  a
    // warning False", exit 2, at parse time; run-operation of a macro that warns failed too
    const d = logProject();
    for (const cmd of ['run', 'build', 'compile', 'ls', 'show -s lg']) {
      const r = await inProject(d, ...cmd.split(' '), '--warn-error');
      expect(r.code, cmd).toBe(2);
      expect(r.err, cmd).toBe('Error: models/lg.sql:1: a warning False\n');
    }
    await writeFile(join(d, 'models/lg.sql'), 'select 1 as x\n');
    await mkdir(join(d, 'macros'), { recursive: true });
    await writeFile(join(d, 'macros/w.sql'), "{% macro w() %}{% do exceptions.warn('careful') %}{% endmacro %}\n");
    const op = await inProject(d, 'run-operation', 'w', '--warn-error');
    expect(op.code).not.toBe(0);
    expect(op.err).toBe('Error: macros/w.sql: in macro w: careful\n');
    // without the flag it is printed and the operation succeeds
    const ok = await inProject(d, 'run-operation', 'w');
    expect(ok.code).toBe(0);
    expect(strip(ok.out)).toContain('careful\n');
  });

  it("a run_query result's print_table() prints agate's table where print() does, with its max_rows and max_columns", async () => {
    const d = tempProject({
      'dbt_project.yml': 'name: lg\nprofile: lg\nconfig-version: 2\n',
      'profiles.yml': 'lg:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'LOG_DB\') }}"\n',
      'models/pt.sql': `{% set r = run_query("select range as i, range * 1.5 as f, 'x' || range as s from range(3)") %}
{% if execute %}{% do r.print_table() %}{% do r.print_table(max_rows=2, max_columns=2) %}{% endif %}
select 1 as x
`,
    });
    // dbt compile of the same model printed these lines (run compiles against the warehouse, as dbt compile does)
    const r = await inProject(d, 'run');
    expect(r.out.split('\n').filter((l) => l.startsWith('|'))).toEqual([
      '| i |   f | s  |', '| - | --- | -- |', '| 0 | 0.0 | x0 |', '| 1 | 1.5 | x1 |', '| 2 | 3.0 | x2 |',
      '| i |   f | ... |', '| - | --- | --- |', '| 0 | 0.0 | ... |', '| 1 | 1.5 | ... |', '| ... | ... | ... |',
    ]);
  });

  it('an on-run-start hook prints what it logs before its START line', async () => {
    const d = tempProject({
      'dbt_project.yml': `name: lg\nprofile: lg\nconfig-version: 2\non-run-start:\n  - "{{ log('hook says hi', info=True) }}select 1"\n`,
      'profiles.yml': 'lg:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'LOG_DB\') }}"\n',
      'models/m.sql': 'select 1 as x\n',
    });
    const lines = strip((await inProject(d, 'run')).out).split('\n');
    const at = lines.indexOf('hook says hi');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^1 of 1 START hook: lg\.on-run-start\.0/);
  });

  it('compile prints them too; --json gives them as log events (print() as raw)', async () => {
    const d = logProject();
    const c = await inProject(d, 'compile');
    expect(strip(c.out).split('\n').slice(0, 6)).toEqual(['info log False', 'printed False', 'a warning False', 'info log True', 'printed True', 'a warning True']);
    const j = await inProject(d, 'run', '--json');
    const logs = j.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string }).filter((e) => e.type === 'log');
    expect(logs).toEqual([
      { type: 'log', level: 'info', message: 'info log False' },
      { type: 'log', level: 'info', message: 'printed False', raw: true },
      { type: 'log', level: 'warn', message: 'a warning False' },
      { type: 'log', level: 'info', message: 'info log True', uniqueId: 'model.lg.lg' },
      { type: 'log', level: 'info', message: 'printed True', raw: true, uniqueId: 'model.lg.lg' },
      { type: 'log', level: 'warn', message: 'a warning True', uniqueId: 'model.lg.lg' },
    ]);
  });
});

describe('stratum run-operation, as dbt run-operation', () => {
  const opProject = () => tempProject({
    'dbt_project.yml': 'name: ops\nprofile: ops\nconfig-version: 2\n',
    'profiles.yml': 'ops:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var(\'OPS_DB\') }}"\n',
    'models/m.sql': 'select 1 as x\n',
    'macros/ops.sql': `{% macro make_table(name, n=3) %}
  {% do run_query('create or replace table main.' ~ name ~ ' as select range as i from range(' ~ n ~ ')') %}
  {% set r = run_query('select count(*) from main.' ~ name) %}
  {{ log('made ' ~ name ~ ' with ' ~ r.columns[0].values()[0] ~ ' rows', info=True) }}
{% endmacro %}
{% macro boom() %}
  {{ exceptions.raise_compiler_error('boom happened') }}
{% endmacro %}
`,
  });
  const op = async (d: string, ...args: string[]) => {
    process.env.OPS_DB = join(d, 'ops.duckdb');
    try {
      return await cli('run-operation', ...args, '--project-dir', d, '--profiles-dir', d);
    } finally {
      delete process.env.OPS_DB;
    }
  };

  it('runs the macro with --args against the warehouse and prints its logs', async () => {
    const d = opProject();
    // dbt run-operation make_table --args '{name: t_ops, n: 5}' printed: Found ..., made t_ops with 5 rows
    const r = await op(d, 'make_table', '--args', '{name: t_ops, n: 5}');
    expect(r.code, r.err).toBe(0);
    expect(r.out.replace(/^\d\d:\d\d:\d\d {2}/gm, '').split('\n')).toEqual(['Found 1 model', 'made t_ops with 5 rows', '']);
    expect(await queryFile(join(d, 'ops.duckdb'), 'select count(*) from main.t_ops')).toEqual([[5]]);
  });

  it('an unknown macro, a raised error, a missing name and bad --args are one-line errors', async () => {
    const d = opProject();
    expect(await op(d, 'make_tabel')).toMatchObject({ code: 2, err: "Error: dbt_project.yml: no macro named 'make_tabel' in project 'ops'; did you mean 'make_table'?\n" });
    expect(await op(d, 'boom')).toMatchObject({ code: 2, err: 'Error: macros/ops.sql: in macro boom: boom happened\n' });
    expect((await op(d)).err).toBe('Error: stratum run-operation: name the macro to run (stratum run-operation MACRO)\n');
    expect((await op(d, 'make_table', '--args', '[1]')).err).toBe("Error: stratum run-operation: --args must be a mapping such as '{key: value}'\n");
  });
});
