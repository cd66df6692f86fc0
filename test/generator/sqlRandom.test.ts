/**
 * The SQL draws of the world model: uniform, and independent across the fields of one key and
 * across seeds (DuckDB's multi-argument hash() alone combines its arguments linearly).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { F, orphanCustomerId, orphanOrderId, ri, u, zeroPad } from '../../generator/sqlRandom.js';
import { duck, rows } from './fixture.js';

let con: DuckDBConnection;
beforeAll(async () => {
  con = await duck();
  await con.run(`create table keys as select hash(42, 6, 19750, i) as k, hash(43, 6, 19750, i) as k43, i from range(200000) t(i)`);
});

async function one(sql: string): Promise<number> {
  return Number(Object.values((await rows(con, sql))[0])[0]);
}

describe('SQL draws', () => {
  it('are uniform in [0, 1)', async () => {
    const got = await rows(con, `select min(x) as lo, max(x) as hi, avg(x) as mean, count(*) filter (where x < 0.1) / count(*) as tenth from (select ${u('k', F.late)} as x from keys)`);
    expect(Number(got[0].lo)).toBeGreaterThanOrEqual(0);
    expect(Number(got[0].hi)).toBeLessThan(1);
    expect(Number(got[0].mean)).toBeCloseTo(0.5, 2);
    expect(Number(got[0].tenth)).toBeCloseTo(0.1, 2);
  });

  it('of two fields of one key are independent', async () => {
    // pairs that were near-copies or mirrors of each other with hash(key, field) alone
    for (const [a, b] of [[F.null, F.future], [F.late, F.lag], [F.customer, F.sec], [F.dup, F.malformed], [F.ship, F.deliver]]) {
      const c = await one(`select corr(${u('k', a)}, ${u('k', b)}) from keys`);
      expect(Math.abs(c), `fields ${a} and ${b}`).toBeLessThan(0.02);
    }
    // a rare flag and a second draw of the same record: the lag of late records takes every value
    const lags = await one(`select count(distinct 1 + floor(pow(${u('k', F.lag)}, 2) * 7)) from keys where ${u('k', F.late)} < 0.04`);
    expect(lags).toBe(7);
    const both = await one(`select count(*) from keys where ${u('k', F.null)} < 0.05 and ${u('k', F.future)} < 0.05`);
    expect(both).toBeGreaterThan(200000 * 0.0025 * 0.6);
    expect(both).toBeLessThan(200000 * 0.0025 * 1.5);
  });

  it('differ between seeds, and between keys made of the seed and a day', async () => {
    expect(Math.abs(await one(`select corr(${u('k', F.sec)}, ${u('k43', F.sec)}) from keys`))).toBeLessThan(0.02);
    // the day-volume noise draws from (seed, salt, day): one seed must not mirror another
    expect(Math.abs(await one(`select corr(${u('42, 3, i', 1)}, ${u('43, 3, i', 1)}) from keys`))).toBeLessThan(0.02);
    const same = await one(`select count(*) from keys where ${ri('k', F.items, 5)} = ${ri('k43', F.items, 5)}`);
    expect(same / 200000).toBeCloseTo(0.2, 1);
  });
});

describe('ids', () => {
  it('are zero-padded without being cut to the width', async () => {
    const got = await rows(con, `select ${zeroPad('12::bigint', 6)} as a, ${zeroPad('1234567::bigint', 6)} as b`);
    expect(got[0]).toEqual({ a: '000012', b: '1234567' });
  });

  it('of orphans never take the shape of a real account or order', async () => {
    // a real account is cus_ and 7 digits, an orphan cus_9 and 7 more, every one of them drawn
    const got = await rows(con, `select count(*) filter (where not regexp_full_match(c, 'cus_9\\d{7}')) as bad_customers,
        count(*) filter (where not regexp_full_match(o, 'ord_000000_\\d{6}')) as bad_orders, count(distinct substr(c, 6, 1)) as second_digits
      from (select ${orphanCustomerId('k', F.orphan)} as c, ${orphanOrderId('k', F.orphan)} as o from keys)`);
    expect(got[0]).toEqual({ bad_customers: '0', bad_orders: '0', second_digits: '10' });
  });
});
