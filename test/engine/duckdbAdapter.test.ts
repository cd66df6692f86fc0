import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import { quoteIdent } from '../../src/engine/duckdb/quote.js';
import { CancelledError, QueryError } from '../../src/errors.js';

let dir: string;
let db: DuckDBAdapter;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-adapter-'));
  db = new DuckDBAdapter({ path: join(dir, 'nested', 'w.duckdb'), threads: 2 });
  await db.connect();
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDBAdapter', () => {
  it('creates the parent directory and reads typed pages', async () => {
    const res = await db.query('select range as i, range::double * 1.5 as d, date \'2024-01-01\' + range::int as day, 12.34::decimal(10,2) as amt from range(100)', { limit: 5, offset: 10 });
    expect(res.columns.map((c) => [c.name, c.type])).toEqual([
      ['i', 'BIGINT'],
      ['d', 'DOUBLE'],
      ['day', 'DATE'],
      ['amt', 'DECIMAL(10,2)'],
    ]);
    expect(res.rows).toEqual([
      [10, 15, '2024-01-11', '12.34'],
      [11, 16.5, '2024-01-12', '12.34'],
      [12, 18, '2024-01-13', '12.34'],
      [13, 19.5, '2024-01-14', '12.34'],
      [14, 21, '2024-01-15', '12.34'],
    ]);
  });

  it('reads intervals, times and timestamps as their SQL text', async () => {
    const res = await db.query("select interval 1 day as a, interval '1 month 2 days 03:04:05.5' as b, null::interval as c, time '10:11:12.5' as t, timestamp '2024-01-05 10:11:12.25' as ts");
    expect(res.rows).toEqual([['1 day', '1 month 2 days 03:04:05.5', null, '10:11:12.5', '2024-01-05 10:11:12.25']]);
  });

  it("reads nested dates, times and timestamps as their SQL text (the JS form's Date of a DATE is midnight UTC)", async () => {
    const res = await db.query("select [date '2024-01-01'] as ld, {'t': timestamp '2024-01-05 10:11:12.5', 'n': 5::bigint} as st, map {'k': date '2024-01-02'} as mp, [time '10:11:12.5'] as lt, [1.5::decimal(4,2)] as ldec");
    expect(res.rows).toEqual([[['2024-01-01'], { t: '2024-01-05 10:11:12.5', n: 5 }, [{ key: 'k', value: '2024-01-02' }], ['10:11:12.5'], [1.5]]]);
  });

  it('keeps a relation cache as dbt does, forgetting it whenever other SQL may have changed the catalog', async () => {
    const t = { schema: 'main', name: 'cached_t' };
    expect(await db.relationInfo(t)).toBeUndefined();
    // a DDL statement through query() (run_query), execute() (a hook) or executeMany() (an incremental step)
    await db.query('create table main.cached_t as select 1 as x');
    expect((await db.relationInfo(t))?.kind).toBe('table');
    await db.execute('drop table main.cached_t');
    expect(await db.relationInfo(t)).toBeUndefined();
    await db.executeMany(['create view main.cached_t as select 1 as x']);
    expect((await db.relationInfo(t))?.kind).toBe('view');
    // a WITH that leads into a CREATE is not read-only
    await db.query('drop view main.cached_t');
    await db.query('with s as (select 1 as x) select * from s');
    expect(await db.relationInfo(t)).toBeUndefined();
    // the adapter's own builds are recorded: a view, then a table in its place, then dropped
    await db.replaceRelation(t, 'view', 'select 1 as x');
    expect((await db.relationInfo(t))?.kind).toBe('view');
    await db.replaceRelation(t, 'table', 'select 2 as x');
    expect(await db.relationInfo(t)).toMatchObject({ kind: 'table', schema: 'main', name: 'cached_t' });
    // a post-hook that drops what was built is seen
    await db.replaceRelation({ schema: 'main', name: 'other' }, 'table', 'select 1 as x', { after: ['drop table main.cached_t'] });
    expect(await db.relationInfo(t)).toBeUndefined();
    await db.dropRelation({ schema: 'main', name: 'other' });
    expect(await db.relationInfo({ schema: 'main', name: 'other' })).toBeUndefined();
    // between writes the catalog is read once, whatever is looked up
    await db.execute('create table main.c0 as select 1 as x');
    const reads = vi.spyOn(db, 'query');
    for (const name of ['a', 'b', 'cached_t', 'c']) await db.relationInfo({ schema: 'main', name });
    expect(reads.mock.calls.filter(([sql]) => sql.includes('duckdb_tables()'))).toHaveLength(1);
    reads.mockRestore();
  });

  it('bounds non-select statements too (streamed, sliced)', async () => {
    await db.execute('create table t as select range as i from range(10000)');
    const res = await db.query('describe t', { limit: 1 });
    expect(res.rows).toEqual([['i', 'BIGINT', 'YES', null, null, null]]);
  });

  it('binds parameters instead of interpolating them', async () => {
    const evil = "x'; drop table t; --";
    await db.execute('create table t (s varchar)');
    await db.execute('insert into t values ($s)', { params: { s: evil } });
    const res = await db.query('select s, count(*) over () from t where s = $s', { params: { s: evil } });
    expect(res.rows).toEqual([[evil, 1]]);
  });

  it('quotes identifiers through one helper', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(db.relationName({ database: 'w', schema: 'main', name: 'we"ird' })).toBe('"w"."main"."we""ird"');
  });

  it('turns driver errors into QueryError with node, file and sql', async () => {
    const err = await db
      .query('select * from missing_table', { context: { node: 'model.p.m', file: 'models/m.sql' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    const q = err as QueryError;
    expect(q.context).toMatchObject({ node: 'model.p.m', file: 'models/m.sql', sql: 'select * from missing_table' });
    expect(q.message).toMatch(/^model\.p\.m in models\/m\.sql: .*missing_table/);
    expect(q.message).not.toContain('\n');
  });

  it('replaceRelation swaps tables atomically and leaves the old one on failure', async () => {
    const rel = { schema: 'core', name: 'orders' };
    expect(await db.replaceRelation(rel, 'table', 'select range as id from range(3)')).toBe(3);
    await expect(db.replaceRelation(rel, 'table', "select range as id, error('boom') as x from range(5)")).rejects.toBeInstanceOf(QueryError);
    const res = await db.query('select count(*) from core.orders');
    expect(res.rows).toEqual([[3]]);
    const rels = await db.relations('core');
    expect(rels.map((r) => [r.name, r.kind])).toEqual([['orders', 'table']]);
    // table -> view -> table
    await db.replaceRelation(rel, 'view', 'select 42 as id');
    expect((await db.relationInfo(rel))?.kind).toBe('view');
    await db.replaceRelation(rel, 'table', 'select 7 as id');
    expect((await db.query('select id from core.orders')).rows).toEqual([[7]]);
  });

  it('columns() lists columns in order and rejects for a missing relation', async () => {
    await db.replaceRelation({ schema: 's', name: 't' }, 'table', 'select 1::int as a, \'x\' as b');
    expect(await db.columns({ schema: 's', name: 't' })).toEqual([
      { name: 'a', type: 'INTEGER', nullable: true },
      { name: 'b', type: 'VARCHAR', nullable: true },
    ]);
    await expect(db.columns({ schema: 's', name: 'nope' })).rejects.toBeInstanceOf(QueryError);
  });

  it('executeMany in a transaction rolls everything back on failure', async () => {
    await db.execute('create table t (i int)');
    await expect(db.executeMany(['insert into t values (1)', 'insert into t values (\'not an int\')'], { transaction: true })).rejects.toBeInstanceOf(QueryError);
    expect((await db.query('select count(*) from t')).rows).toEqual([[0]]);
    // the connection is usable afterwards
    expect(await db.executeMany(['insert into t values (1)', 'insert into t values (2)'], { transaction: true })).toEqual([1, 1]);
  });

  it('an aborted signal interrupts the running statement with CancelledError and keeps the old table', async () => {
    const rel = { schema: 'main', name: 'big' };
    await db.replaceRelation(rel, 'table', 'select 1 as x');
    const ctl = new AbortController();
    const slow = db.replaceRelation(rel, 'table', 'select count(*) as x from range(1000000000) a, range(1000) b', { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 200);
    await expect(slow).rejects.toBeInstanceOf(CancelledError);
    expect((await db.query('select x from main.big')).rows).toEqual([[1]]);
    const names = (await db.relations('main')).map((r) => r.name);
    expect(names).toEqual(['big']);
  });

  it('cancel() interrupts every running statement', async () => {
    const slow = db.query('select count(*) from range(1000000000) a, range(1000) b');
    setTimeout(() => void db.cancel(), 200);
    await expect(slow).rejects.toBeInstanceOf(CancelledError);
  });

  it('attachRaw exposes hive-partitioned files as a view', async () => {
    const raw = join(dir, 'raw', 'shop', 'orders');
    await mkdir(join(dir, 'raw', 'shop'), { recursive: true });
    await db.execute(`copy (select range as id, date '2024-01-01' + (range % 2)::int as dt from range(4)) to '${raw}' (format parquet, partition_by (dt))`);
    await db.attachRaw({ relation: { schema: 'raw_shop', name: 'orders' }, location: `${raw}/dt=*/*.parquet`, format: 'parquet' });
    expect((await db.query('select count(*), count(distinct dt) from raw_shop.orders')).rows).toEqual([[4, 2]]);
  });
});
