import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import type { NodeFinishedEvent, RunEvent } from '../../src/run/events.js';
import { runCommand } from '../../src/run/runner.js';
import type { RunResultsArtifact } from '../../src/run/runResults.js';
import { testStatus } from '../../src/run/testExecutor.js';
import { miniCompile, miniProject, type MiniModel, type MiniTest } from './miniProject.js';

let dir: string;
let db: DuckDBAdapter;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-build-'));
  db = new DuckDBAdapter({ path: join(dir, 'w.duckdb'), threads: 2 });
  await db.connect();
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const nullsTest = (model: string, config: MiniTest['config'] = {}): MiniTest => ({ sql: `select * from {{ ref('${model}') }} where x is null`, on: [model], config });

async function build(spec: Parameters<typeof miniProject>[1], command: 'build' | 'test' | 'seed' | 'run' = 'build') {
  const project = miniProject(dir, spec);
  const events: RunEvent[] = [];
  const summary = await runCommand({ command, project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), onEvent: (e) => events.push(e) });
  const finished = new Map(events.filter((e): e is NodeFinishedEvent => e.type === 'node_finished').map((e) => [e.name, e]));
  return { summary, events, finished };
}

describe('tests: severity, thresholds, store_failures', () => {
  const models: Record<string, MiniModel> = { m: { sql: 'select case when range < 12 then null else range end as x from range(20)', config: { materialized: 'table' } } };

  it('counts failing rows and applies severity / warn_if / error_if / limit like dbt', async () => {
    const { finished, summary } = await build(
      {
        models,
        tests: {
          t_default: nullsTest('m'),
          t_warn_severity: nullsTest('m', { severity: 'warn' }),
          t_error_if_high: nullsTest('m', { error_if: '>20', warn_if: '>10' }),
          t_quiet: nullsTest('m', { error_if: '>20', warn_if: '>100' }),
          t_limited: nullsTest('m', { limit: 5 }),
          t_passing: { sql: "select * from {{ ref('m') }} where x < 0", on: ['m'] },
        },
      },
      'build',
    );
    expect(finished.get('t_default')).toMatchObject({ status: 'fail', failures: 12, message: 'Got 12 results, configured to fail if != 0' });
    expect(finished.get('t_warn_severity')).toMatchObject({ status: 'warn', failures: 12 });
    expect(finished.get('t_error_if_high')).toMatchObject({ status: 'warn', failures: 12, message: 'Got 12 results, configured to warn if > 10' });
    expect(finished.get('t_quiet')).toMatchObject({ status: 'pass', failures: 12 });
    expect(finished.get('t_limited')).toMatchObject({ status: 'fail', failures: 5 });
    expect(finished.get('t_passing')).toMatchObject({ status: 'pass', failures: 0 });
    expect(summary.counts).toEqual({ pass: 3, warn: 2, error: 2, skip: 0, total: 7 });
  });

  it('store_failures keeps the failing rows in the audit schema', async () => {
    const { finished } = await build({ models, tests: { t_stored: nullsTest('m', { store_failures: true }) } });
    expect(finished.get('t_stored')?.status).toBe('fail');
    expect((await db.query('select count(*) from main_dbt_test__audit.t_stored')).rows).toEqual([[12]]);
  });

  it('--store-failures stores every test whose config says nothing of it, as a table; store_failures: false still wins', async () => {
    const project = miniProject(dir, { models, tests: { t_flagged: nullsTest('m'), t_refused: nullsTest('m', { store_failures: false }), t_view: nullsTest('m', { store_failures_as: 'view' }) } });
    const events: RunEvent[] = [];
    await runCommand({ command: 'build', project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), storeFailures: true, onEvent: (e) => events.push(e) });
    expect(events.filter((e): e is NodeFinishedEvent => e.type === 'node_finished' && e.name.startsWith('t_')).map((e) => e.status)).toEqual(['fail', 'fail', 'fail']);
    const stored = await db.query("select table_name, table_type from information_schema.tables where table_schema = 'main_dbt_test__audit' order by 1");
    expect(stored.rows).toEqual([['t_flagged', 'BASE TABLE'], ['t_view', 'VIEW']]);
    expect((await db.query('select count(*) from main_dbt_test__audit.t_flagged')).rows).toEqual([[12]]);
  });

  it('a bad threshold is a ConfigError naming the key', async () => {
    const { finished } = await build({ models, tests: { t_bad: nullsTest('m', { warn_if: 'lots' }) } });
    expect(finished.get('t_bad')?.status).toBe('error');
    expect(finished.get('t_bad')?.message).toMatch(/tests\/t_bad\.sql \(t_bad\.config\.warn_if\): warn_if must be/);
  });

  it('testStatus follows dbt: warn severity never fails', () => {
    expect(testStatus('error', true, true)).toBe('fail');
    expect(testStatus('warn', true, true)).toBe('warn');
    expect(testStatus('error', true, false)).toBe('warn');
    expect(testStatus('error', false, false)).toBe('pass');
  });
});

describe('build', () => {
  it('runs seeds, models and tests in DAG order; a failing test skips the model\'s children; warn does not', async () => {
    const seedCsv = join(dir, 'people.csv');
    await writeFile(seedCsv, 'id,name\n1,a\n2,b\n');
    const { summary, finished, events } = await build({
      seeds: { people: seedCsv },
      models: {
        base: { sql: "select id, case when id = 2 then null else name end as x from {{ ref('people') }}", config: { materialized: 'table' } },
        child: { sql: "select * from {{ ref('base') }}", config: { materialized: 'table' } },
        grandchild: { sql: "select * from {{ ref('child') }}", config: { materialized: 'view' } },
        other: { sql: "select * from {{ ref('people') }}", config: { materialized: 'view' } },
        other_child: { sql: "select * from {{ ref('other') }}", config: { materialized: 'view' } },
        broken: { sql: 'select * from nowhere', config: { materialized: 'view' } },
        after_broken: { sql: "select * from {{ ref('broken') }}", config: { materialized: 'view' } },
      },
      tests: {
        base_not_null: nullsTest('base'),
        other_warns: { sql: "select * from {{ ref('other') }}", on: ['other'], config: { severity: 'warn' } },
      },
    });
    expect(finished.get('people')?.status).toBe('success');
    expect(finished.get('base')?.status).toBe('success');
    expect(finished.get('base_not_null')?.status).toBe('fail');
    expect(finished.get('child')?.status).toBe('skipped');
    expect(finished.get('grandchild')?.status).toBe('skipped');
    expect(finished.get('other_warns')?.status).toBe('warn');
    expect(finished.get('other_child')?.status).toBe('success');
    expect(finished.get('broken')?.status).toBe('error');
    expect(finished.get('after_broken')?.status).toBe('skipped');
    expect(summary.counts).toEqual({ pass: 4, warn: 1, error: 2, skip: 3, total: 10 });
    // order: a node never starts before its parents finished
    const finishedAt = new Map<string, number>();
    events.forEach((e, i) => {
      if (e.type === 'node_finished') finishedAt.set(e.name, i);
      if (e.type === 'node_started' && e.name === 'base') expect(finishedAt.has('people')).toBe(true);
      if (e.type === 'node_started' && e.name === 'other_child') expect(finishedAt.has('other_warns')).toBe(true);
    });
    expect(events[0].type).toBe('run_started');
    expect(events.at(-1)).toMatchObject({ type: 'run_finished', cancelled: false });
  });

  it('a node waits for, and is skipped by, a selected ancestor through nodes not selected, as in dbt', async () => {
    // dbt run -s a c (a -> b -> c, a broken) printed: ERROR a, SKIP c; dbt build -s not_null_m c
    // (m -> b -> c, the test failing) skipped c too. Both ran c before, with two threads at once.
    const chain: Record<string, MiniModel> = { a: { sql: 'select nope', config: { materialized: 'view' } }, b: { sql: "select * from {{ ref('a') }}", config: { materialized: 'view' } }, c: { sql: "select 1 as z -- {{ ref('b') }}", config: { materialized: 'view' } } };
    const project = miniProject(dir, { models: chain, threads: 2 });
    const events: RunEvent[] = [];
    await runCommand({ command: 'run', project, adapter: db, compile: miniCompile, selected: ['model.mini.a', 'model.mini.c'], onEvent: (e) => events.push(e) });
    const status = (evs: RunEvent[]) => Object.fromEntries(evs.filter((e): e is NodeFinishedEvent => e.type === 'node_finished').map((e) => [e.name, e.status]));
    expect(status(events)).toEqual({ a: 'error', c: 'skipped' });
    const tested = miniProject(dir, {
      models: { m: { sql: 'select null as x', config: { materialized: 'table' } }, b: { sql: "select * from {{ ref('m') }}", config: { materialized: 'view' } }, c: { sql: "select * from {{ ref('b') }}", config: { materialized: 'view' } } },
      tests: { not_null_m: nullsTest('m') },
      threads: 2,
    });
    const built: RunEvent[] = [];
    await runCommand({ command: 'build', project: tested, adapter: db, compile: miniCompile, selected: ['model.mini.m', 'test.mini.not_null_m', 'model.mini.c'], onEvent: (e) => built.push(e) });
    expect(status(built)).toEqual({ m: 'success', not_null_m: 'fail', c: 'skipped' });
  });

  it('runs independent nodes concurrently up to threads', async () => {
    const slow = (n: number): MiniModel => ({ sql: `select count(*) as x from range(${n}) a, range(3000) b`, config: { materialized: 'table' } });
    const { events } = await build({ models: { a: slow(20000), b: slow(20000), c: slow(20000) }, threads: 2 }, 'run');
    let running = 0;
    let peak = 0;
    for (const e of events) {
      if (e.type === 'node_started') peak = Math.max(peak, ++running);
      if (e.type === 'node_finished') running--;
    }
    expect(peak).toBe(2);
  });

  it('writes run_results.json with dbt field names', async () => {
    const { summary } = await build({ models: { m: { sql: 'select 1 as x', config: { materialized: 'table' } } }, tests: { t: nullsTest('m') } });
    const artifact = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResultsArtifact;
    expect(summary.artifactPath).toBe(join(dir, 'target', 'run_results.json'));
    expect(artifact.metadata).toMatchObject({ dbt_schema_version: expect.stringContaining('run-results'), invocation_id: summary.invocationId });
    expect(artifact.args).toMatchObject({ which: 'build' });
    expect(typeof artifact.elapsed_time).toBe('number');
    const model = artifact.results.find((r) => r.unique_id === 'model.mini.m')!;
    // dbt-duckdb answers every statement with {_message: 'OK'}, and a model's message is OK
    expect(model).toMatchObject({ status: 'success', adapter_response: { _message: 'OK' }, message: 'OK', relation_name: '"w"."main"."m"', compiled_code: 'select 1 as x', failures: null });
    expect(model.timing.map((t) => t.name)).toEqual(['compile', 'execute']);
    expect(Date.parse(model.timing[1].completed_at)).toBeGreaterThanOrEqual(Date.parse(model.timing[1].started_at));
    expect(model.execution_time).toBeGreaterThan(0);
    const test = artifact.results.find((r) => r.unique_id === 'test.mini.t')!;
    expect(test).toMatchObject({ status: 'pass', failures: 0 });
  });
});

describe('seeds', () => {
  it('infers dbt types and honours column_types', async () => {
    await mkdir(join(dir, 'seeds'));
    const csv = join(dir, 'seeds', 'mixed.csv');
    // agate's two date-time types: '%Y-%m-%d %H:%M:%S' exactly, or ISO 8601 with a T; a column
    // mixing them, or with fractions of a second after a space, is text under dbt
    await writeFile(
      csv,
      'i,d,day,ts,iso,mixed,frac,b,s,code\n' +
        '1,1.5,2024-01-01,2024-01-01 10:00:00,2024-01-01T10:00:00,2024-01-01 10:00:00,2024-01-01 10:00:00.5,true,x,007\n' +
        '2,,2024-02-29,2024-01-01 11:00:00,2024-01-01T11:00:00.25Z,2024-01-01T11:00:00,2024-01-01 11:00:00,False,y,010\n',
    );
    const project = miniProject(dir, { seeds: { mixed: csv } });
    const seed = project.nodes.get('seed.mini.mixed')!;
    (project.nodes as Map<string, typeof seed>).set(seed.uniqueId, { ...seed, config: { ...seed.config, column_types: { code: 'varchar' } } });
    const summary = await runCommand({ command: 'seed', project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), targetDir: false });
    expect(summary.results[0]).toMatchObject({ status: 'success', adapter_response: { rows_affected: 2 } });
    expect((await db.columns({ schema: 'main', name: 'mixed' })).map((c) => `${c.name}:${c.type}`)).toEqual([
      'i:INTEGER',
      'd:DOUBLE',
      'day:DATE',
      'ts:TIMESTAMP',
      'iso:TIMESTAMP',
      'mixed:VARCHAR',
      'frac:VARCHAR',
      'b:BOOLEAN',
      's:VARCHAR',
      'code:VARCHAR',
    ]);
    expect((await db.query('select code, d from main.mixed order by i')).rows).toEqual([
      ['007', 1.5],
      ['010', null],
    ]);
  });
});
