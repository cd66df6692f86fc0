import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDay } from '../../generator/dates.js';
import { loadRules } from '../../generator/rules.js';
import type { SourceDef } from '../../generator/sources/source.js';
import { dateOf, type SqlContext } from '../../generator/sqlRandom.js';
import { ROW_GROUP_ROWS, whileRunning, writeSource } from '../../generator/writer.js';
import { CancelledError } from '../../src/errors.js';
import { tempDir } from '../tempDir.js';

/** A source of rows numbered by day, `perDay` rows on day d (an SQL expression of `d`), with no defects. */
function numberedRows(perDay: (d: string) => string): SourceDef {
  return {
    name: 'shop/orders', description: 'rows numbered by day', defects: [], uniqueSeq: true,
    records: (ctx) => `select ${dateOf('d')} as dt, i as seq, d || '_' || i as rkey, hash(d, i) as v
      from (select d, unnest(range(${perDay('d')})) as i from range(${ctx.from}, ${ctx.to + 1}) t(d))`,
    variants: () => [{ columns: ['seq', 'v'] }],
  };
}

/** Runs `work` on a connection of a new one-thread in-memory DuckDB, closed after it. */
async function withConnection(work: (con: DuckDBConnection) => Promise<void>): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  try {
    await work(con);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe('writeSource', () => {
  it('writes a Parquet day of several row groups with the same bytes wherever the day starts in its batch', async () => {
    // the first day's rows are not a whole number of DuckDB's vectors (2048 rows), so the second
    // day starts part way into one; the second day has more rows than a row group
    const first = 19800;
    const src = numberedRows((d) => `case when ${d} = ${first} then 3001 else ${ROW_GROUP_ROWS + 4000} end`);
    const rules = loadRules();
    const dir = tempDir('stratum-writer-');
    await withConnection(async (con) => {
      const write = async (name: string, from: number, to: number) => {
        const ctx: SqlContext = { rules, scale: 1, from, to, universe: from };
        const truth = await writeSource(con, src, ctx, 'parquet', join(dir, name));
        return { rows: truth.get(first + 1)!.rows, file: join(dir, name, `shop/orders/dt=${formatDay(first + 1)}/part-00000.parquet`) };
      };
      const inBatch = await write('batch', first, first + 1);
      const alone = await write('alone', first + 1, first + 1);
      expect(inBatch.rows).toBeGreaterThan(ROW_GROUP_ROWS);
      const groups = await con.runAndReadAll(`select row_group_id, any_value(row_group_num_rows) from parquet_metadata('${inBatch.file}') group by 1 order by 1`);
      expect(groups.getRows()).toEqual([[0n, BigInt(ROW_GROUP_ROWS)], [1n, BigInt(inBatch.rows - ROW_GROUP_ROWS)]]);
      expect(readFileSync(inBatch.file).equals(readFileSync(alone.file))).toBe(true);
    });
  });

  it('stops before its next statement when told to, having written only the days before', async () => {
    // interrupting a connection stops only the statement running then: a cancelled run (or one
    // whose other lane failed) must also stop a source between its per-day COPYs
    const src = numberedRows(() => '10');
    const rules = loadRules();
    const dir = tempDir('stratum-writer-');
    const first = 19800;
    const ctx: SqlContext = { rules, scale: 1, from: first, to: first + 5, universe: first };
    // asked before the staging statement, then before each day's COPY: the third day's stops it
    let asked = 0;
    const files = () => readdirSync(join(dir, 'shop/orders'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet')).sort();
    await withConnection(async (con) => {
      await expect(writeSource(con, src, ctx, 'parquet', dir, new Set(), {}, () => ++asked > 3)).rejects.toThrow(CancelledError);
      expect(files()).toEqual([`dt=${formatDay(first)}/part-00000.parquet`, `dt=${formatDay(first + 1)}/part-00000.parquet`]);
      expect(asked).toBe(4);
    });
  });
});

describe('whileRunning', () => {
  it('asks `stop` before the work starts, so work shorter than a poll is told too', async () => {
    const calls: string[] = [];
    await whileRunning(async () => {
      calls.push('work');
    }, () => true, () => calls.push('stop'));
    expect(calls).toEqual(['stop', 'work']);
  });

  it('asks again while the work runs, and not after it ends', async () => {
    let asked = 0;
    let stops = 0;
    await whileRunning(() => new Promise((resolve) => setTimeout(resolve, 100)), () => ++asked > 1, () => stops++);
    expect(stops).toBeGreaterThan(0);
    const after = asked;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked).toBe(after);
  });
});
