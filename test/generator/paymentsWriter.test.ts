/**
 * processor/payments as JSON lines comes from PaymentsWriter (generator/paymentsWriter.ts and its
 * WebAssembly, generator/assembly/payments.ts), which must write exactly what the source's SQL
 * writes through writer.ts: the lakes of both paths are compared byte for byte, files and truth
 * manifests, over batches that hand late records on, across the unit change (the test rules put
 * it inside the range), with defect rates high enough that every kind shows many times, and with
 * none.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDay, tryParseDay } from '../../generator/dates.js';
import { ORDER_RETRIES } from '../../generator/declines.js';
import { paymentsAccounts, paymentsInput, PaymentsWriter } from '../../generator/paymentsWriter.js';
import { loadRules } from '../../generator/rules.js';
import { NESTED_COLUMNS } from '../../generator/sources/index.js';
import { universeOrders } from '../../generator/sources/orderUniverse.js';
import { payments } from '../../generator/sources/payments.js';
import { buildWorld } from '../../generator/world.js';
import { loadAccountWorldTables, loadOrderWorldTables } from '../../generator/worldTables.js';
import { writeSource } from '../../generator/writer.js';
import { CancelledError } from '../../src/errors.js';
import { tempDir } from '../tempDir.js';
import { defectRates, digest, generateLake, testRulesFile, truth, withBatch } from './fixture.js';

const PAYMENTS = 'processor/payments/';

/**
 * Generates the test lake both ways and expects the same bytes in every file; returns how many
 * processor/payments records each defect kind has over the lake.
 */
async function sameBothWays(extraRules: string, batchDays?: number, paymentsPiece?: number): Promise<Map<string, number>> {
  const wasm = await generateLake(undefined, undefined, extraRules, batchDays, { paymentsPiece });
  const sql = await generateLake(undefined, undefined, extraRules, batchDays, { paymentsInSql: true });
  const a = digest(wasm.dir);
  const b = digest(sql.dir);
  expect([...a.keys()]).toEqual([...b.keys()]);
  const files = [...a.keys()].filter((f) => f.startsWith(PAYMENTS));
  expect(files.length).toBeGreaterThan(9);
  for (const [f, h] of b) expect(a.get(f), f).toBe(h);
  // the files on both sides of the unit change: major units with decimals before it, whole minor units from it
  const drift = formatDay(wasm.rules.drift.payments_unit_change);
  const amounts = (f: string) => [...readFileSync(join(wasm.dir, f), 'latin1').matchAll(/"amount":([^,]*),/g)].map((m) => m[1]).filter((v) => v !== 'null');
  const before = files.filter((f) => f < `${PAYMENTS}dt=${drift}`).flatMap(amounts);
  const after = files.filter((f) => f >= `${PAYMENTS}dt=${drift}`).flatMap(amounts);
  expect(before.length).toBeGreaterThan(100);
  expect(after.length).toBeGreaterThan(100);
  expect(before.every((v) => v.includes('.'))).toBe(true);
  expect(after.some((v) => v.includes('.'))).toBe(false);
  // the comparison covers records of every defect kind the rules allow
  const kinds = new Map<string, number>();
  for (const f of a.keys()) {
    const day = /^_truth\/dt=(.*)\/truth\.json$/.exec(f)?.[1];
    if (!day) continue;
    for (const [k, v] of Object.entries(truth(wasm.dir, day).sources['processor/payments'].defects)) kinds.set(k, (kinds.get(k) ?? 0) + (v?.count ?? 0));
  }
  return kinds;
}

describe('PaymentsWriter', () => {
  it('writes processor/payments byte for byte as its SQL does, in one batch and in batches that hand records on', async () => {
    await sameBothWays('');
    await sameBothWays('', 5);
  });

  it('writes every defect kind as the SQL does, at high rates, late records handed on over batches of three days, in small pieces', async () => {
    const rates = defectRates({
      late_arrival: 0.3, duplicate: 0.05, null_required: 0.05, orphan_fk: 0.05, invalid_code: 0.05, malformed: 0.02,
      mixed_timestamp: 0.3, future_timestamp: 0.05, payment_partial: 0.1, payment_double: 0.1,
    });
    // each day's file in pieces of 4 KB
    const kinds = await sameBothWays(`${rates}arrival:\n  max_lag_days: 3\n`, 3, 4096);
    expect([...kinds.keys()].sort()).toEqual(['duplicate', 'future_timestamp', 'invalid_code', 'late_arrival', 'malformed', 'mixed_timestamp',
      'null_required', 'orphan_fk', 'payment_double', 'payment_partial']);
    for (const [k, n] of kinds) expect(n, k).toBeGreaterThan(20);
  });

  it('writes clean payments as the SQL does, with every defect rate 0', async () => {
    const kinds = await sameBothWays(defectRates(), 4);
    for (const [k, n] of kinds) expect(n, k).toBe(0);
  });

  it('orders the records of one second and order by their id, as the SQL sorts them: orders paid in the last seconds of their days', async () => {
    // charges, declined charges (a buyer's retries too) and second charges are kept inside their order's day, so those of
    // an order near midnight share its last second and its place among the records of that second:
    // writer.ts's sort then falls back on the id (rkey), which the rules' orders tie on seldom
    const rules = loadRules(testRulesFile(tempDir('stratum-payments-'), defectRates({ payment_double: 0.5, duplicate: 0.05, malformed: 0.02 })));
    const from = tryParseDay('2024-01-20')!;
    const ctx = { rules, scale: 1, from, to: from + 2, universe: from };
    const world = buildWorld(rules, 1, ctx.to + 30);
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    const con = await db.connect();
    try {
      await loadOrderWorldTables(con, rules, world);
      await loadAccountWorldTables(con, rules, world);
      // the universe's columns that payments read, of types as orderUniverse.ts makes them
      await con.run(`create table ${universeOrders(ctx)} as select d::integer as day, i, hash(${rules.seed}, 3, d::integer, i) as k,
          'ord_' || strftime(date '1970-01-01' + d::integer, '%y%m%d') || '_' || printf('%06d', i) as order_id, c.n, c.customer_id, c.currency, c.utc_offset,
          (86370 + i % 30)::bigint as sec, false as is_cancelled, (10 + i % 97 * 1.37)::double as total,
          -- declined attempts for one order in five, every one for some (unpaid)
          case when i % 5 = 0 then i % ${ORDER_RETRIES + 2} else 0 end as declines, declines > ${ORDER_RETRIES} as is_unpaid
        from range(${ctx.from}, ${ctx.to + 1}) t(d), range(3000) s(i), w_customers c where c.n = i % 100`);
      const ties = await con.runAndReadAll(`select count(*)::integer from (select dt, seq from (${payments.records(ctx)}) group by all having count(*) > 1)`);
      expect(ties.getRows()[0][0] as number).toBeGreaterThan(20);
      const sqlRoot = tempDir('stratum-payments-');
      const wasmRoot = tempDir('stratum-payments-');
      const bySql = await writeSource(con, payments, ctx, 'jsonl', sqlRoot, NESTED_COLUMNS);
      const byWasm = new PaymentsWriter(rules, paymentsAccounts(world)).writeBatch(await paymentsInput(con, ctx, rules), ctx, wasmRoot);
      expect([...byWasm]).toEqual([...bySql]);
      const a = digest(wasmRoot);
      expect([...a.keys()]).toEqual([...digest(sqlRoot).keys()]);
      for (const [f, h] of digest(sqlRoot)) expect(a.get(f), f).toBe(h);
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });

  it('stops before a day when told to (a cancelled or failed run), having written the days before it', async () => {
    const rules = loadRules();
    await withBatch(rules, tryParseDay('2024-01-20')!, 6, async (con, ctx, world) => {
      const root = tempDir('stratum-payments-');
      // asked before each arrival day of the batch
      let asked = 0;
      const writer = new PaymentsWriter(rules, paymentsAccounts(world));
      const input = await paymentsInput(con, ctx, rules);
      expect(() => writer.writeBatch(input, ctx, root, () => ++asked > 2)).toThrow(CancelledError);
      expect(readdirSync(join(root, 'processor/payments')).sort()).toEqual([ctx.from, ctx.from + 1].map((d) => `dt=${formatDay(d)}`));
    });
  });
});
