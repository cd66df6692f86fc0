import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';
import { runCommand } from '../../src/run/runner.js';
import { miniCompile, miniProject } from './miniProject.js';

let dir: string;
let db: DuckDBAdapter;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-fresh-'));
  db = new DuckDBAdapter({ path: join(dir, 'w.duckdb') });
  await db.connect();
  // orders arrive daily up to 2024-03-10; events stopped arriving on 2024-03-07
  await mkdir(join(dir, 'raw', 'shop'), { recursive: true });
  await db.execute(`copy (select range as id, timestamp '2024-03-01 12:00:00' + to_days(range::int) as loaded_at, (date '2024-03-01' + range::int) as dt from range(10)) to '${dir}/raw/shop/orders' (format parquet, partition_by (dt))`);
  await db.execute(`copy (select range as id, timestamp '2024-03-01 06:00:00' + to_days(range::int) as loaded_at, (date '2024-03-01' + range::int) as dt from range(7)) to '${dir}/raw/shop/events' (format parquet, partition_by (dt))`);
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const sources = () => ({
  orders: { location: `${dir}/raw/shop/orders/dt=*/*.parquet`, loadedAtField: 'loaded_at', freshness: { warn_after: { count: 24, period: 'hour' as const }, error_after: { count: 2, period: 'day' as const } } },
  events: { location: `read_parquet('${dir}/raw/shop/events/dt=*/*.parquet', hive_partitioning = true)`, loadedAtField: 'loaded_at', freshness: { warn_after: { count: 1, period: 'day' as const }, error_after: { count: 3, period: 'day' as const } } },
  events_warn_only: { location: `${dir}/raw/shop/events/dt=*/*.parquet`, loadedAtField: 'loaded_at', freshness: { warn_after: { count: 12, period: 'hour' as const } } },
  unchecked: { location: `${dir}/raw/shop/events/dt=*/*.parquet` },
});

describe('source freshness', () => {
  it('defaults the clock to the newest dt= partition and applies warn_after/error_after', async () => {
    const project = miniProject(dir, { sources: sources() });
    const logs: string[] = [];
    const summary = await runCommand({ command: 'source freshness', project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), onEvent: (e) => e.type === 'log' && logs.push(e.message) });
    expect(logs).toContain("Freshness clock: 2024-03-11T00:00:00.000Z (the end of the sources' newest dt= partition)");
    const status = Object.fromEntries(summary.results.map((r) => [r.unique_id.split('.').at(-1), r.status]));
    // clock = 2024-03-11 00:00: orders 12h old (pass); events newest 03-07 06:00 → 3.75 days (error); warn-only → warn
    expect(status).toEqual({ orders: 'pass', events: 'error', events_warn_only: 'warn' });
    const artifact = JSON.parse(await readFile(join(dir, 'target', 'sources.json'), 'utf8'));
    const orders = artifact.results.find((r: { unique_id: string }) => r.unique_id.endsWith('orders'));
    expect(orders).toMatchObject({ max_loaded_at: '2024-03-10T12:00:00+00:00', snapshotted_at: '2024-03-11T00:00:00+00:00', max_loaded_at_time_ago_in_s: 43200, status: 'pass' });
  });

  it('takes no clock from a folder named like a day that is none', async () => {
    // copied in by hand, say: DuckDB reads its rows (dt '2024-13-45' as text), but it is no day
    await mkdir(join(dir, 'raw', 'shop', 'orders', 'dt=2024-13-45'));
    await db.execute(`copy (select 99 as id, timestamp '2024-03-01 12:00:00' as loaded_at) to '${dir}/raw/shop/orders/dt=2024-13-45/x.parquet' (format parquet)`);
    const project = miniProject(dir, { sources: sources() });
    const logs: string[] = [];
    const summary = await runCommand({ command: 'source freshness', project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), targetDir: false, onEvent: (e) => e.type === 'log' && logs.push(e.message) });
    expect(logs).toContain("Freshness clock: 2024-03-11T00:00:00.000Z (the end of the sources' newest dt= partition)");
    const status = Object.fromEntries(summary.results.map((r) => [r.unique_id.split('.').at(-1), r.status]));
    expect(status).toEqual({ orders: 'pass', events: 'error', events_warn_only: 'warn' });
  });

  it('--now moves the clock', async () => {
    const project = miniProject(dir, { sources: sources() });
    const summary = await runCommand({ command: 'source freshness', project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), now: new Date('2024-03-09T00:00:00Z'), targetDir: false });
    const status = Object.fromEntries(summary.results.map((r) => [r.unique_id.split('.').at(-1), r.status]));
    expect(status).toEqual({ orders: 'pass', events: 'warn', events_warn_only: 'warn' });
  });

  it('a source that cannot be read is a runtime error', async () => {
    const project = miniProject(dir, { sources: { gone: { location: `${dir}/raw/nope/*.parquet`, loadedAtField: 'x', freshness: { error_after: { count: 1, period: 'day' } } } } });
    const logs: string[] = [];
    const summary = await runCommand({ command: 'source freshness', project, adapter: db, compile: miniCompile, selected: project.nodes.keys(), targetDir: false, onEvent: (e) => e.type === 'log' && logs.push(e.message) });
    // no partition to take the clock from: it says the clock is now
    expect(logs.find((l) => l.startsWith('Freshness clock:'))).toMatch(/ \(now: the sources have no dt= partitions\)$/);
    expect(summary.results[0].status).toBe('runtime error');
    expect(summary.counts.error).toBe(1);
  });
});
