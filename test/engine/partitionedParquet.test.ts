import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TableLayout } from '../../src/engine/adapter.js';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import { CancelledError, QueryError } from '../../src/errors.js';

let dir: string;
let db: DuckDBAdapter;
const rel = { schema: 'core', name: 'fct_events' };
const layout: TableLayout = { partitionBy: { field: 'event_date', dataType: 'date' }, clusterBy: ['customer_id'] };
/** 3 days x 100 rows, customer ids scrambled so cluster order is observable. */
const source = (days = 3, from = '2024-01-01', tag = 'v1') => `
  select range as event_id, (range * 7919) % 50 as customer_id,
         date '${from}' + (range % ${days})::int as event_date, '${tag}' as tag
  from range(${days * 100})`;

async function files(d: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const p of (await readdir(d)).sort()) out[p] = (await readdir(join(d, p))).filter((f) => f.endsWith('.parquet'));
  return out;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-parquet-'));
  db = new DuckDBAdapter({ path: join(dir, 'warehouse', 'w.duckdb'), threads: 2 });
  await db.connect();
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('partitioned tables as hive Parquet', () => {
  it('writes one directory per partition beside the database, with a typed view', async () => {
    expect(await db.replaceRelation(rel, 'table', source(), { layout })).toBe(300);
    const location = await db.partitionDirectory(rel);
    expect(location).toBeDefined();
    expect(location!.startsWith(join(dir, 'warehouse', 'parquet', 'core', 'fct_events'))).toBe(true);
    const layoutOnDisk = await files(location!);
    expect(Object.keys(layoutOnDisk)).toEqual(['event_date=2024-01-01', 'event_date=2024-01-02', 'event_date=2024-01-03']);
    for (const fs of Object.values(layoutOnDisk)) expect(fs.length).toBe(1);
    expect((await db.relationInfo(rel))?.kind).toBe('external');
    const cols = await db.columns(rel);
    expect(cols.map((c) => [c.name, c.type])).toEqual([
      ['event_id', 'BIGINT'],
      ['customer_id', 'BIGINT'],
      ['event_date', 'DATE'],
      ['tag', 'VARCHAR'],
    ]);
    const check = await db.query('select count(*), count(distinct event_date), sum(event_id) from core.fct_events');
    expect(check.rows).toEqual([[300, 3, 44850]]);
  });

  it('writes rows in cluster_by order within each partition file', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    const location = (await db.partitionDirectory(rel))!;
    const file = join(location, 'event_date=2024-01-02', (await files(location))['event_date=2024-01-02'][0]);
    const res = await db.query(`select bool_and(customer_id >= prev) from (select customer_id, lag(customer_id, 1, -1) over () as prev from read_parquet('${file}'))`);
    expect(res.rows).toEqual([[true]]);
  });

  it('a filter on the partition column prunes files (EXPLAIN ANALYZE)', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    const plan = await db.explain("select count(*) from core.fct_events where event_date = date '2024-01-02'", { analyze: true });
    expect(plan).toMatch(/Scanning Files:\s*1\/3/);
    const full = await db.explain('select count(*) from core.fct_events', { analyze: true });
    expect(full).toMatch(/Scanning Files:\s*3\/3|Total Files Read:\s*3/);
  });

  it('a failed rewrite leaves the old directory and view', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    const before = await db.partitionDirectory(rel);
    await expect(db.replaceRelation(rel, 'table', `select *, error('boom') as x from (${source()})`, { layout })).rejects.toBeInstanceOf(QueryError);
    expect(await db.partitionDirectory(rel)).toBe(before);
    expect((await db.query('select count(*) from core.fct_events')).rows).toEqual([[300]]);
    expect((await readdir(join(dir, 'warehouse', 'parquet', 'core', 'fct_events'))).map((d) => d)).toEqual([basename(before!)]);
  });

  it('a cancelled rewrite leaves the old directory and view', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    const before = await db.partitionDirectory(rel);
    const ctl = new AbortController();
    const slow = db.replaceRelation(rel, 'table', `select a.range as event_id, 1 as customer_id, date '2024-01-01' as event_date, 'x' as tag from range(100000) a, range(100000) b`, { layout, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 200);
    await expect(slow).rejects.toBeInstanceOf(CancelledError);
    expect(await db.partitionDirectory(rel)).toBe(before);
    expect((await db.query('select count(*) from core.fct_events')).rows).toEqual([[300]]);
  });

  it('overwrite rewrites only the partitions it touches; untouched files are the same inodes', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    const first = (await db.partitionDirectory(rel))!;
    const untouched = join(first, 'event_date=2024-01-01', (await files(first))['event_date=2024-01-01'][0]);
    const inode = (await stat(untouched)).ino;
    const res = await db.writePartitions(rel, source(2, '2024-01-03', 'v2'), { layout, mode: 'overwrite' });
    expect(res.partitions.sort()).toEqual(['event_date=2024-01-03', 'event_date=2024-01-04']);
    const by = await db.query('select event_date::varchar, tag, count(*) from core.fct_events group by all order by 1');
    expect(by.rows).toEqual([
      ['2024-01-01', 'v1', 100],
      ['2024-01-02', 'v1', 100],
      ['2024-01-03', 'v2', 100],
      ['2024-01-04', 'v2', 100],
    ]);
    const location = (await db.partitionDirectory(rel))!;
    expect(location).not.toBe(first);
    expect(Object.keys(await files(location))).toHaveLength(4);
    const relinked = join(location, 'event_date=2024-01-01', basename(untouched));
    expect((await stat(relinked)).ino).toBe(inode);
  });

  it('append adds files to touched partitions and keeps the old rows', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    await db.writePartitions(rel, source(1, '2024-01-03', 'v2'), { layout, mode: 'append' });
    const by = await db.query("select count(*) filter (where tag = 'v2'), count(*) from core.fct_events where event_date = date '2024-01-03'");
    expect(by.rows).toEqual([[100, 200]]);
  });

  it('writePartitions rejects new rows whose columns differ', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    await expect(db.writePartitions(rel, `select *, 1 as extra from (${source()})`, { layout, mode: 'overwrite' })).rejects.toThrow(/differ/);
    expect((await db.query('select count(*) from core.fct_events')).rows).toEqual([[300]]);
  });

  it('month granularity partitions by a derived key and keeps the columns', async () => {
    const monthly: TableLayout = { partitionBy: { field: 'event_date', dataType: 'date', granularity: 'month' } };
    await db.replaceRelation(rel, 'table', source(60, '2024-01-01'), { layout: monthly });
    const location = (await db.partitionDirectory(rel))!;
    expect(Object.keys(await files(location))).toEqual(['__stratum_partition=2024-01-01', '__stratum_partition=2024-02-01']);
    expect((await db.columns(rel)).map((c) => c.name)).toEqual(['event_id', 'customer_id', 'event_date', 'tag']);
  });

  it('an empty result still makes a queryable view', async () => {
    await db.replaceRelation(rel, 'table', `${source()} limit 0`, { layout });
    expect((await db.query('select count(*) from core.fct_events')).rows).toEqual([[0]]);
    await db.writePartitions(rel, source(1), { layout, mode: 'overwrite' });
    expect((await db.query('select count(*) from core.fct_events')).rows).toEqual([[100]]);
  });

  it('dropRelation removes view and directory; a table replaces a partitioned relation', async () => {
    await db.replaceRelation(rel, 'table', source(), { layout });
    await db.replaceRelation(rel, 'table', 'select 1 as event_id');
    expect((await db.relationInfo(rel))?.kind).toBe('table');
    await expect(readdir(join(dir, 'warehouse', 'parquet', 'core', 'fct_events'))).rejects.toThrow();
    await db.replaceRelation(rel, 'table', source(), { layout });
    await db.dropRelation(rel);
    expect(await db.relationInfo(rel)).toBeUndefined();
  });
});
