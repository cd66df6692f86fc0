import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import type { RunEvent } from '../../src/run/events.js';
import { runCommand, type RunRequest } from '../../src/run/runner.js';
import { miniCompile, miniProject, type MiniModel } from './miniProject.js';

let dir: string;
let db: DuckDBAdapter;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-mat-'));
  db = new DuckDBAdapter({ path: join(dir, 'w.duckdb'), threads: 2 });
  await db.connect();
  await db.execute('create table main.raw_events as select range as id, date \'2024-01-01\' + (range % 3)::int as event_date, \'a\' as v from range(30)');
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(models: Record<string, MiniModel>, extra: Partial<RunRequest> = {}) {
  const project = miniProject(dir, { models });
  const events: RunEvent[] = [];
  const summary = await runCommand({ command: 'run', project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), onEvent: (e) => events.push(e), ...extra });
  return { summary, events };
}
const rows = async (sql: string) => (await db.query(sql)).rows;

describe('materializations', () => {
  it('view, table and ephemeral (inlined, not built)', async () => {
    const { summary } = await run({
      v: { sql: 'select * from main.raw_events', config: { materialized: 'view' } },
      t: { sql: "select id, v from {{ ref('v') }} where id < 10", config: { materialized: 'table', schema: 'core' } },
    });
    expect(summary.counts).toMatchObject({ pass: 2, error: 0 });
    expect((await db.relationInfo({ schema: 'main', name: 'v' }))?.kind).toBe('view');
    expect((await db.relationInfo({ schema: 'core', name: 't' }))?.kind).toBe('table');
    expect(summary.results.find((r) => r.unique_id === 'model.mini.t')?.adapter_response.rows_affected).toBe(10);
    const eph = await run({ e: { sql: 'select 1 as x', config: { materialized: 'ephemeral' } } });
    expect(eph.summary.counts.total).toBe(0);
    expect(await db.relationInfo({ schema: 'main', name: 'e' })).toBeUndefined();
  });

  it('table swap failure keeps the previous table and reports error', async () => {
    await run({ t: { sql: 'select 1 as x', config: { materialized: 'table' } } });
    const { summary } = await run({ t: { sql: "select error('nope') as x", config: { materialized: 'table' } } });
    expect(summary.counts.error).toBe(1);
    expect(summary.results[0].message).toMatch(/model\.mini\.t in models\/t\.sql: .*nope/);
    expect(await rows('select x from main.t')).toEqual([[1]]);
    expect((await db.relations('main')).map((r) => r.name)).not.toContain('t__stratum_tmp');
  });

  const incr = (strategy?: string, extra: Record<string, unknown> = {}): MiniModel => ({
    sql: `select id, event_date, v from main.raw_events {% if is_incremental() %} where id >= (select max(id) - 5 from {{ this }}) {% endif %}`,
    config: { materialized: 'incremental', ...(strategy ? { incremental_strategy: strategy as never } : {}), ...extra },
  });

  it('incremental append: first run builds, second appends', async () => {
    await run({ m: incr('append') });
    expect(await rows('select count(*) from main.m')).toEqual([[30]]);
    await db.execute("insert into main.raw_events select range, date '2024-01-04', 'b' from range(30, 40)");
    const { summary } = await run({ m: incr('append') });
    expect(summary.results[0].adapter_response.rows_affected).toBe(16); // ids 24..39
    expect(await rows('select count(*), count(distinct id) from main.m')).toEqual([[46, 40]]);
  });

  it('incremental delete+insert on unique_key (default strategy with a key)', async () => {
    await run({ m: incr(undefined, { unique_key: 'id' }) });
    await db.execute("update main.raw_events set v = 'changed' where id >= 28");
    await db.execute("insert into main.raw_events select range, date '2024-01-04', 'b' from range(30, 40)");
    await run({ m: incr(undefined, { unique_key: 'id' }) });
    expect(await rows("select count(*), count(distinct id), count(*) filter (where v = 'changed') from main.m")).toEqual([[40, 40, 2]]);
  });

  it('--full-refresh rebuilds; full_refresh: false config wins over the flag', async () => {
    await run({ m: incr('append') });
    await run({ m: incr('append') }, { fullRefresh: true });
    expect(await rows('select count(*) from main.m')).toEqual([[30]]);
    await run({ m: incr('append', { full_refresh: false }) }, { fullRefresh: true });
    expect(await rows('select count(*) from main.m')).toEqual([[36]]);
  });

  it('on_schema_change: ignore drops new columns, append_new_columns adds them, fail fails clearly', async () => {
    await run({ m: incr('append') });
    const wider = (osc: string): MiniModel => ({
      sql: `select id, event_date, v, 'new' as extra from main.raw_events {% if is_incremental() %} where id >= 29 {% endif %}`,
      config: { materialized: 'incremental', incremental_strategy: 'append', on_schema_change: osc as never },
    });
    await run({ m: wider('ignore') });
    expect((await db.columns({ schema: 'main', name: 'm' })).map((c) => c.name)).toEqual(['id', 'event_date', 'v']);
    const failed = await run({ m: wider('fail') });
    expect(failed.summary.results[0].status).toBe('error');
    expect(failed.summary.results[0].message).toMatch(/out of sync.*added: extra/);
    await run({ m: wider('append_new_columns') });
    expect((await db.columns({ schema: 'main', name: 'm' })).map((c) => c.name)).toEqual(['id', 'event_date', 'v', 'extra']);
    expect(await rows("select count(*) filter (where extra = 'new') from main.m")).toEqual([[1]]);
  });

  it('merge without a unique_key inserts every row, as dbt-duckdb (MERGE on false) does', async () => {
    await run({ m: incr('merge') });
    const { summary } = await run({ m: incr('merge') });
    expect(summary.results[0].status).toBe('success');
    expect(await rows('select count(*), count(distinct id) from main.m')).toEqual([[36, 30]]);
  });

  it("merge updates matched rows in place: a column the model dropped keeps its value, every duplicate of a key is updated", async () => {
    const merge = { materialized: 'incremental', incremental_strategy: 'merge', unique_key: 'id' } as const;
    await run({ m: { sql: "select id, event_date, v from main.raw_events where id < 3 union all select 1, date '2024-01-09', 'dup'", config: merge } });
    const { summary } = await run({ m: { sql: "select id, 'new' as v from main.raw_events where id in (1, 5)", config: merge } });
    expect(summary.results[0].status).toBe('success');
    expect(await rows('select id, event_date::varchar, v from main.m order by id, event_date')).toEqual([
      [0, '2024-01-01', 'a'],
      [1, '2024-01-02', 'new'],
      [1, '2024-01-09', 'new'],
      [2, '2024-01-03', 'a'],
      [5, null, 'new'],
    ]);
  });

  it('incremental_predicates narrow what delete+insert and merge replace; merge_update_columns / merge_exclude_columns what a match updates', async () => {
    const models = (v: string): Record<string, MiniModel> => {
      const sql = `select id, '${v}' as v, '${v}' as w from main.raw_events where id < 4`;
      return {
        di: { sql, config: { materialized: 'incremental', unique_key: ['id'], incremental_predicates: ['DBT_INCREMENTAL_TARGET.id > 1'] } },
        mp: { sql, config: { materialized: 'incremental', incremental_strategy: 'merge', unique_key: 'id', incremental_predicates: 'DBT_INTERNAL_DEST.id > 1' } },
        mu: { sql, config: { materialized: 'incremental', incremental_strategy: 'merge', unique_key: 'id', merge_update_columns: ['v'] } },
        mx: { sql, config: { materialized: 'incremental', incremental_strategy: 'merge', unique_key: 'id', merge_exclude_columns: ['W'] } },
      };
    };
    await run(models('old'));
    const { summary } = await run(models('new'));
    expect(summary.counts).toMatchObject({ pass: 4, error: 0 });
    const narrowed = [[0, 'new'], [0, 'old'], [1, 'new'], [1, 'old'], [2, 'new'], [3, 'new']];
    expect(await rows('select id, v from main.di order by all')).toEqual(narrowed);
    expect(await rows('select id, v from main.mp order by all')).toEqual(narrowed);
    for (const m of ['mu', 'mx']) expect(await rows(`select distinct v, w from main.${m}`)).toEqual([['new', 'old']]);
  });

  it('delete+insert with a string unique_key uses it as an expression (dbt-duckdb: where (key) in (select (key) ...))', async () => {
    const model: MiniModel = {
      sql: "select id, event_date, v from main.raw_events {% if is_incremental() %} where id >= 28 {% endif %}",
      config: { materialized: 'incremental', incremental_strategy: 'delete+insert', unique_key: 'id, event_date' },
    };
    await run({ m: model });
    await db.execute("update main.raw_events set v = 'changed' where id >= 28");
    const { summary } = await run({ m: model });
    expect(summary.results[0].status).toBe('success');
    expect(await rows("select count(*), count(distinct id), count(*) filter (where v = 'changed') from main.m")).toEqual([[30, 30, 2]]);
  });

  it("on_schema_change: a changed column type fails 'fail' and is applied by sync_all_columns", async () => {
    await run({ m: incr('append') });
    const retyped = (osc: string): MiniModel => ({
      sql: `select id::varchar as id, event_date, v from main.raw_events {% if is_incremental() %} where id >= 29 {% endif %}`,
      config: { materialized: 'incremental', incremental_strategy: 'append', on_schema_change: osc as never },
    });
    const failed = await run({ m: retyped('fail') });
    expect(failed.summary.results[0].status).toBe('error');
    expect(failed.summary.results[0].message).toMatch(/out of sync.*type changed: id BIGINT -> VARCHAR/);
    expect(await rows('select count(*) from main.m')).toEqual([[30]]);
    const synced = await run({ m: retyped('sync_all_columns') });
    expect(synced.summary.results[0].status).toBe('success');
    expect((await db.columns({ schema: 'main', name: 'm' })).map((c) => `${c.name} ${c.type}`)).toEqual(['id VARCHAR', 'event_date DATE', 'v VARCHAR']);
    expect(await rows('select count(*) from main.m')).toEqual([[31]]);
  });

  it("on_schema_change 'ignore' fails an append or delete+insert when the model dropped a column, as dbt's insert does", async () => {
    for (const extra of [{ incremental_strategy: 'append' }, { unique_key: 'id' }]) {
      await run({ m: incr(undefined, extra) }, { fullRefresh: true });
      const narrower: MiniModel = { sql: 'select id, event_date from main.raw_events', config: { materialized: 'incremental', ...extra } as never };
      const { summary } = await run({ m: narrower });
      expect(summary.results[0].status).toBe('error');
      expect(summary.results[0].message).toMatch(/column v of "w"\."main"\."m" is not in the model's columns any more, and on_schema_change is 'ignore'/);
      expect(await rows('select count(*), count(v) from main.m')).toEqual([[30, 30]]);
    }
  });

  it('insert_overwrite replaces only touched partitions of a partitioned table', async () => {
    const model: MiniModel = {
      sql: `select id, event_date, v from main.raw_events {% if is_incremental() %} where event_date >= date '2024-01-03' {% endif %}`,
      config: { materialized: 'incremental', incremental_strategy: 'insert_overwrite', partition_by: { field: 'event_date', data_type: 'date' }, cluster_by: 'id' },
    };
    await run({ m: model });
    expect((await db.relationInfo({ schema: 'main', name: 'm' }))?.kind).toBe('external');
    await db.execute("update main.raw_events set v = 'new' where event_date = date '2024-01-03'");
    await db.execute("update main.raw_events set v = 'not picked' where event_date = date '2024-01-01'");
    const { summary } = await run({ m: model });
    expect(summary.results[0].status).toBe('success');
    expect(await rows('select event_date::varchar, v, count(*) from main.m group by all order by 1')).toEqual([
      ['2024-01-01', 'a', 10],
      ['2024-01-02', 'a', 10],
      ['2024-01-03', 'new', 10],
    ]);
  });

  it('delete+insert on a partitioned table rewrites it atomically', async () => {
    const model: MiniModel = {
      sql: `select id, event_date, v from main.raw_events {% if is_incremental() %} where id >= 25 {% endif %}`,
      config: { materialized: 'incremental', unique_key: 'id', partition_by: { field: 'event_date' } },
    };
    await run({ m: model });
    await db.execute("update main.raw_events set v = 'z' where id >= 25");
    await run({ m: model });
    expect(await rows("select count(*), count(distinct id), count(*) filter (where v = 'z') from main.m")).toEqual([[30, 30, 5]]);
  });

  it('an aborted run leaves the previous relation intact and reports cancelled', async () => {
    await run({ t: { sql: 'select 1 as x', config: { materialized: 'table' } } });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    const { summary } = await run({ t: { sql: 'select count(*) as x from range(1000000000) a, range(1000) b', config: { materialized: 'table' } } }, { signal: ctl.signal });
    expect(summary.cancelled).toBe(true);
    expect(summary.results[0]).toMatchObject({ status: 'error', message: 'cancelled' });
    expect(await rows('select x from main.t')).toEqual([[1]]);
    expect((await db.relations()).map((r) => r.name)).toEqual(['raw_events', 't']);
  });
});

describe('delete+insert keyed on the partition field', () => {
  it('rewrites only the touched partitions (same as insert_overwrite)', async () => {
    const model: MiniModel = {
      sql: `select id, event_date, v from main.raw_events {% if is_incremental() %} where event_date >= date '2024-01-03' {% endif %}`,
      config: { materialized: 'incremental', incremental_strategy: 'delete+insert', unique_key: 'event_date', partition_by: { field: 'event_date' } },
    };
    await run({ m: model });
    const { readdir, stat } = await import('node:fs/promises');
    const before = (await db.partitionDirectory({ schema: 'main', name: 'm' }))!;
    const file = (await readdir(join(before, 'event_date=2024-01-01')))[0];
    const inode = (await stat(join(before, 'event_date=2024-01-01', file))).ino;
    const rewritten = (await readdir(join(before, 'event_date=2024-01-03')))[0];
    await db.execute("update main.raw_events set v = 'new' where event_date = date '2024-01-03'");
    await run({ m: model });
    const after = (await db.partitionDirectory({ schema: 'main', name: 'm' }))!;
    expect(after).not.toBe(before);
    // the untouched partition's file is linked (same inode), the touched one is new
    expect(await rows('select event_date::varchar, v, count(*) from main.m group by all order by 1')).toEqual([
      ['2024-01-01', 'a', 10],
      ['2024-01-02', 'a', 10],
      ['2024-01-03', 'new', 10],
    ]);
    expect((await stat(join(after, 'event_date=2024-01-01', file))).ino).toBe(inode);
    expect(await readdir(join(after, 'event_date=2024-01-03'))).not.toContain(rewritten);
  });
});
