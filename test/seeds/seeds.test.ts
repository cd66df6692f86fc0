/**
 * The seeds as a dbt project: the root dbt_project.yml loads seeds/*.csv with the column types of
 * seeds/seeds.yml and runs their data tests (in seeds.yml and test/dbt/). Under Stratum every value
 * loads as its CSV writes it and every test passes; broken seeds fail the tests meant for them; and
 * dbt-core + dbt-duckdb load the same rows with the same types and give the same test statuses.
 * Each build runs on a copy of the project in a temp folder, so the checkout gets no target/.
 */
import { cpSync, readdirSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbtBuild, hasDbt, stratumBuild, testStatuses, warnIfNoDbt } from '../twoEngines.js';
import { fingerprints } from '../run/relationChecksums.js';
import { tempDir } from '../tempDir.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SEEDS = readdirSync(join(ROOT, 'seeds')).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4)).sort();
const DB = 'warehouse.duckdb';
warnIfNoDbt('seeds under dbt');

/** A copy of the project's dbt files (dbt_project.yml, profiles.yml, seeds/, test/dbt/) in a temp folder. */
function copyProject(): string {
  const dir = tempDir('stratum-seeds-');
  for (const p of ['dbt_project.yml', 'profiles.yml', 'seeds', join('test', 'dbt')]) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  return dir;
}

/** `stratum build` of the project in `dir`, into `dir/warehouse.duckdb`. */
async function buildWithStratum(dir: string): Promise<void> {
  await stratumBuild(dir, { ...process.env, STRATUM_DUCKDB_PATH: join(dir, DB) });
}

/** Runs `fn` on a read-only connection to the warehouse built in `dir`. */
async function withWarehouse<T>(dir: string, fn: (sql: (q: string) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(join(dir, DB), { access_mode: 'READ_ONLY' });
  const con = await db.connect();
  try {
    return await fn(async (q) => (await con.runAndReadAll(q)).getRowsJS());
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

const relations = SEEDS.map((name) => ({ schema: 'main', name }));

describe('the seeds as dbt seeds', () => {
  let built: string;
  beforeAll(async () => {
    built = copyProject();
    await buildWithStratum(built);
  });

  it('load every value as its CSV writes it, with the column types seeds.yml sets', async () => {
    expect(SEEDS).toEqual(['currencies', 'fx_rates', 'iso_countries', 'marketing_channels', 'plans', 'product_categories']);
    await withWarehouse(built, async (sql) => {
      for (const seed of SEEDS) {
        // numbers compare as exact decimals (the CSV's 1.00000 is the loaded 1.00000000), the rest as text
        const columns = await sql(`select column_name, data_type from information_schema.columns where table_name = '${seed}' order by ordinal_position`);
        const value = (col: string, type: string, text: boolean) => /^(DECIMAL|DOUBLE|INTEGER|BIGINT)/.test(type) ? `${col}::decimal(38, 10)` : text ? col : `${col}::varchar`;
        const csv = `select ${columns.map(([c, t]) => value(String(c), String(t), true)).join(', ')} from read_csv('${join(ROOT, 'seeds', `${seed}.csv`)}', header = true, all_varchar = true)`;
        const loaded = `select ${columns.map(([c, t]) => value(String(c), String(t), false)).join(', ')} from main.${seed}`;
        const [[lines, rows, onlyCsv, onlyLoaded]] = await sql(`select (select count(*) from (${csv})), (select count(*) from main.${seed}),
          (select count(*) from (${csv} except all ${loaded})), (select count(*) from (${loaded} except all ${csv}))`);
        expect({ seed, rows: Number(rows), onlyCsv: Number(onlyCsv), onlyLoaded: Number(onlyLoaded) }).toEqual({ seed, rows: Number(lines), onlyCsv: 0, onlyLoaded: 0 });
      }
      expect(await sql(`select numeric_code from main.iso_countries where alpha_2 in ('AF', 'AD') order by alpha_2`)).toEqual([['020'], ['004']]);
      // negative and quarter-hour offsets load as the integers the CSV writes
      expect(await sql(`select alpha_2, utc_offset_minutes from main.iso_countries where alpha_2 in ('NP', 'US', 'GB') order by alpha_2`))
        .toEqual([['GB', 0], ['NP', 345], ['US', -360]]);
      const types = await sql(`select table_name || '.' || column_name, data_type from information_schema.columns
        where (table_name, column_name) in (('iso_countries', 'numeric_code'), ('iso_countries', 'utc_offset_minutes'), ('fx_rates', 'usd_per_unit'), ('fx_rates', 'rate_date'), ('plans', 'list_price'), ('product_categories', 'min_price_usd'), ('marketing_channels', 'is_paid'))
        order by 1`);
      expect(types).toEqual([
        ['fx_rates.rate_date', 'DATE'], ['fx_rates.usd_per_unit', 'DECIMAL(18,8)'], ['iso_countries.numeric_code', 'VARCHAR'], ['iso_countries.utc_offset_minutes', 'INTEGER'],
        ['marketing_channels.is_paid', 'BOOLEAN'], ['plans.list_price', 'DECIMAL(12,2)'], ['product_categories.min_price_usd', 'DECIMAL(12,2)'],
      ]);
    });
  });

  it('pass every data test of seeds.yml and test/dbt/', async () => {
    const statuses = await testStatuses(built);
    expect(Object.keys(statuses)).toContain('assert_fx_rates_one_per_currency_per_day');
    expect(Object.keys(statuses)).toContain('relationships_plans_currency__currency_code__ref_currencies_');
    expect(Object.keys(statuses).length).toBeGreaterThan(30);
    expect(Object.entries(statuses).filter(([, s]) => s !== 'pass')).toEqual([]);
  });

  it('fail the tests meant for them when broken: a second rate for a day, a plan in an unknown currency, an inverted price range, an offset off the quarter hours', async () => {
    const dir = copyProject();
    await appendFile(join(dir, 'seeds', 'fx_rates.csv'), '2024-03-15,EUR,1.09000\n');
    const plans = join(dir, 'seeds', 'plans.csv');
    await writeFile(plans, (await readFile(plans, 'utf8')).replace('starter_monthly_gbp,Starter Monthly (GBP),starter,monthly,22.91,GBP', 'starter_monthly_gbp,Starter Monthly (GBP),starter,monthly,22.91,XXX'));
    const categories = join(dir, 'seeds', 'product_categories.csv');
    await writeFile(categories, (await readFile(categories, 'utf8')).replace('templates,5.00,60.00', 'templates,60.00,5.00'));
    const countries = join(dir, 'seeds', 'iso_countries.csv');
    await writeFile(countries, (await readFile(countries, 'utf8')).replace('NP,NPL,524,Nepal,Asia,Southern Asia,345', 'NP,NPL,524,Nepal,Asia,Southern Asia,340'));
    await buildWithStratum(dir);
    const failed = Object.entries(await testStatuses(dir)).filter(([, s]) => s !== 'pass').map(([name, s]) => `${name}: ${s}`).sort();
    expect(failed).toEqual([
      'assert_fx_rates_one_per_currency_per_day: fail',
      'assert_iso_countries_utc_offsets: fail',
      'assert_product_category_price_ranges: fail',
      'relationships_plans_currency__currency_code__ref_currencies_: fail',
    ]);
  });

  it('fail the fx test when a day is missing for every currency, or one currency ends early', async () => {
    // a calendar read from the rates themselves would not see a day that no currency has
    for (const [what, keep] of [['2024-03-16 for every currency', (l: string) => !l.startsWith('2024-03-16,')],
      ['2025-12-31 for JPY', (l: string) => !l.startsWith('2025-12-31,JPY,')]] as const) {
      const dir = copyProject();
      const fx = join(dir, 'seeds', 'fx_rates.csv');
      const lines = (await readFile(fx, 'utf8')).split('\n');
      await writeFile(fx, lines.filter(keep).join('\n'));
      expect(lines.filter((l) => !keep(l)).length, what).toBeGreaterThan(0);
      await buildWithStratum(dir);
      const failed = Object.entries(await testStatuses(dir)).filter(([, s]) => s !== 'pass').map(([name, s]) => `${name}: ${s}`);
      expect(failed, what).toEqual(['assert_fx_rates_one_per_currency_per_day: fail']);
    }
  });

  it.skipIf(!hasDbt)('load under dbt-core + dbt-duckdb with the same rows, types and test statuses', async () => {
    const dir = copyProject();
    dbtBuild(dir, { STRATUM_DUCKDB_PATH: join(dir, DB) });
    const theirs = await fingerprints(join(dir, DB), relations);
    const ours = await fingerprints(join(built, DB), relations);
    expect(Object.values(theirs).filter((f) => f === 'missing')).toEqual([]);
    expect(ours).toEqual(theirs);
    expect(await testStatuses(built)).toEqual(await testStatuses(dir));
  });
});
