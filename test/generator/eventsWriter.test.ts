/**
 * product/events as JSON lines comes from EventsWriter (generator/eventsWriter.ts and its
 * WebAssembly, generator/assembly/events.ts), which must write exactly what the source's SQL
 * writes through writer.ts: the lakes of both paths are compared byte for byte, files and truth
 * manifests, over batches that hand late records on, with defect rates high enough that every
 * kind shows many times, and with none.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../generator/catalog.js';
import { formatDay } from '../../generator/dates.js';
import { CancelledError } from '../../src/errors.js';
import { eventsInput, EventsWriter, hundredthsTexts, type EventsBuffers } from '../../generator/eventsWriter.js';
import { wasmAccounts } from '../../generator/wasmLines.js';
import { loadRules } from '../../generator/rules.js';
import type { World } from '../../generator/world.js';
import { defectRates, digest, generateLake, truth, withBatch } from './fixture.js';
import { tempDir } from '../tempDir.js';

/**
 * Generates the test lake both ways and expects the same bytes in every file; returns how many
 * product/events records each defect kind has over the lake.
 */
async function sameBothWays(extraRules: string, batchDays?: number, eventsBuffers?: EventsBuffers, from?: string, to?: string): Promise<Map<string, number>> {
  const wasm = await generateLake(from, to, extraRules, batchDays, { eventsBuffers });
  const sql = await generateLake(from, to, extraRules, batchDays, { eventsInSql: true });
  const a = digest(wasm.dir);
  const b = digest(sql.dir);
  expect([...a.keys()]).toEqual([...b.keys()]);
  expect([...a.keys()].filter((f) => f.startsWith('product/events/')).length).toBeGreaterThan(9);
  for (const [f, h] of b) expect(a.get(f), f).toBe(h);
  // the comparison covers records of every defect kind the rules allow
  const kinds = new Map<string, number>();
  for (const f of a.keys()) {
    const day = /^_truth\/dt=(.*)\/truth\.json$/.exec(f)?.[1];
    if (!day) continue;
    for (const [k, v] of Object.entries(truth(wasm.dir, day).sources['product/events'].defects)) kinds.set(k, (kinds.get(k) ?? 0) + (v?.count ?? 0));
  }
  return kinds;
}

describe('EventsWriter', () => {
  it('writes product/events byte for byte as its SQL does, in one batch and in batches that hand records on', async () => {
    await sameBothWays('');
    await sameBothWays('', 5);
  });

  it('writes the company\'s first days as the SQL does, where the first signups\' touches are cut at the founding day', async () => {
    await sameBothWays('', undefined, undefined, '2024-01-01', '2024-01-12');
  });

  it('writes the days before a company with no initial accounts has any as the SQL does: no session without its account', async () => {
    // the first signups come on the day after the founding, and exist all through the day after that
    await sameBothWays('company:\n  initial_customers: 0\n', undefined, undefined, '2024-01-01', '2024-01-12');
  });

  it('writes every defect kind as the SQL does, at high rates, late records handed on over batches of three days, through small buffers', async () => {
    const rates = defectRates({
      late_arrival: 0.3, duplicate: 0.05, null_required: 0.05, orphan_fk: 0.05, invalid_code: 0.05, pii_in_json: 0.1,
      malformed: 0.02, mixed_timestamp: 0.3, future_timestamp: 0.05,
    });
    // and with small buffers: each day's file in pieces of 4 KB, its lines in chunks of 64 KB at most
    const kinds = await sameBothWays(`${rates}arrival:\n  max_lag_days: 3\n`, 3, { piece: 4096, chunk: 65536 });
    expect([...kinds.keys()].sort()).toEqual(['duplicate', 'future_timestamp', 'invalid_code', 'late_arrival', 'malformed', 'mixed_timestamp', 'null_required', 'orphan_fk', 'pii_in_json']);
    for (const [k, n] of kinds) expect(n, k).toBeGreaterThan(20);
  });

  it('writes clean events as the SQL does, with every defect rate 0', async () => {
    const kinds = await sameBothWays(defectRates(), 4);
    for (const [k, n] of kinds) expect(n, k).toBe(0);
  });

  it("writes the orders' totals as DuckDB writes a DECIMAL(14, 2) as text", async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      // whole amounts, a cent, tens of cents, ten-thousand-yen orders, DECIMAL(14, 2)'s largest, a minus
      const sql = `select v::decimal(14, 2)::varchar, (v::decimal(14, 2) * 100)::double from (values (0.0::double), (0.01), (0.05), (0.5), (0.99), (1), (9.99),
        (10), (12.3), (100.07), (431.555), (1000000.1), (999999999999.99), (-0.05), (-3.5), (-1234.56)) t(v)`;
      const rows = (await con.runAndReadAll(sql)).getRows() as [string, number][];
      const { totals, totalLength } = hundredthsTexts(Float64Array.from(rows, (r) => r[1]));
      const texts: string[] = [];
      let at = 0;
      for (const n of totalLength) texts.push(Buffer.from(totals.subarray(at, (at += n))).toString('latin1'));
      expect(at).toBe(totals.length);
      expect(texts).toEqual(rows.map((r) => r[0]));
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });

  it('takes a company of any size: 300,000 accounts, as at --scale 100', () => {
    // their ids are handed to the module as one list of texts
    const rules = loadRules();
    const customers = Array.from({ length: 300_000 }, (_, n) => ({
      n, id: `cus_${String(n).padStart(7, '0')}`, signupDay: rules.company.founded, signupSec: 0, isInitial: true, country: 'US', currency: 'USD',
      channel: CHANNELS[0].id, campaign: 0, industry: 'saas', companyIdx: 0, firstIdx: 0, lastIdx: 0, employees: 1,
    }));
    const accounts = wasmAccounts({ horizon: rules.company.founded, customers, cumulative: Int32Array.of(customers.length), subscriptionChanges: [] } as unknown as World);
    expect(() => new EventsWriter(rules, accounts)).not.toThrow();
  });

  it('stops before a day when told to (a cancelled or failed run), having written the days before it', async () => {
    const rules = loadRules();
    await withBatch(rules, rules.company.founded + 10, 6, async (con, ctx, world) => {
      const root = tempDir('stratum-events-');
      // asked before each event day: the 7 days looked back over, then the batch's days
      let asked = 0;
      const writer = new EventsWriter(rules, wasmAccounts(world));
      const input = await eventsInput(con, ctx, rules);
      expect(() => writer.writeBatch(input, ctx, root, () => ++asked > 7 + 2)).toThrow(CancelledError);
      expect(readdirSync(join(root, 'product/events')).sort()).toEqual([ctx.from, ctx.from + 1].map((d) => `dt=${formatDay(d)}`));
    });
  });
});
