/**
 * Loads the JS world (accounts, profile versions, subscription changes, invoices) and the text
 * pools into tables of the generator's in-memory DuckDB, where the SQL sources join them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, PRODUCTS } from './catalog.js';
import { uniform } from './hash.js';
import { buildPools, domainOf } from './pools.js';
import type { Rules } from './rules.js';
import { poolOn, type World } from './world.js';

type ColType = 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';
type Cell = string | number | boolean | null;

/** Creates `name` with the given columns and appends the rows through DuckDB's appender. */
async function loadTable(con: DuckDBConnection, name: string, cols: readonly [string, ColType][], rows: Iterable<readonly Cell[]>): Promise<void> {
  await con.run(`create or replace table ${name} (${cols.map(([c, t]) => `${c} ${t}`).join(', ')})`);
  const app = await con.createAppender(name);
  for (const row of rows) {
    for (let i = 0; i < cols.length; i++) {
      const v = row[i];
      if (v === null) app.appendNull();
      else if (cols[i][1] === 'VARCHAR') app.appendVarchar(v as string);
      else if (cols[i][1] === 'BOOLEAN') app.appendBoolean(v as boolean);
      else if (cols[i][1] === 'DOUBLE') app.appendDouble(v as number);
      else if (cols[i][1] === 'BIGINT') app.appendBigInt(BigInt(v as number));
      else app.appendInteger(v as number);
    }
    app.endRow();
  }
  app.closeSync();
}

/** Path of a seed CSV. */
export function seedPath(file: string): string {
  return fileURLToPath(new URL(`../seeds/${file}`, import.meta.url));
}

/**
 * Creates the w_* tables the order universe reads: customers, the accounts that exist all
 * through each day (w_pool: buyers, ticket openers and product users are drawn from them),
 * products and fx rates. Every other source also reads w_customers or w_pool. No faker here: the
 * products' names (the text pools) wait for loadAccountWorldTables, which the main thread runs
 * while DuckDB builds the first universe (~0.15 s of faker that the universe, which every order
 * source and the events wait for, no longer waits for).
 */
export async function loadOrderWorldTables(con: DuckDBConnection, rules: Rules, world: World): Promise<void> {
  await con.run(`create or replace table w_fx as
    select (rate_date - date '1970-01-01')::integer as day, currency, usd_per_unit
    from read_csv('${seedPath('fx_rates.csv')}', header = true, columns = {'rate_date': 'date', 'currency': 'varchar', 'usd_per_unit': 'double'})`);
  await loadTable(con, 'w_products', [['idx', 'INTEGER'], ['product_id', 'VARCHAR'], ['category', 'VARCHAR'], ['price_usd', 'DOUBLE']],
    Array.from({ length: PRODUCTS }, (_, i) => {
      const cat = CATEGORIES[i % CATEGORIES.length];
      const price = cat.minUsd + Math.pow(uniform(rules.seed, 77, i), 2) * (cat.maxUsd - cat.minUsd);
      return [i, `prd_${String(i).padStart(5, '0')}`, cat.id, Math.round(price * 100) / 100];
    }));
  await loadTable(con, 'w_customers', [
    ['n', 'INTEGER'], ['customer_id', 'VARCHAR'], ['signup_day', 'INTEGER'], ['signup_sec', 'INTEGER'], ['is_initial', 'BOOLEAN'],
    ['country', 'VARCHAR'], ['currency', 'VARCHAR'], ['channel', 'VARCHAR'], ['campaign', 'INTEGER'], ['industry', 'VARCHAR'],
    ['company_idx', 'INTEGER'], ['first_idx', 'INTEGER'], ['last_idx', 'INTEGER'], ['employees', 'INTEGER'],
  ], world.customers.map((c) => [c.n, c.id, c.signupDay, c.signupSec, c.isInitial, c.country, c.currency, c.channel, c.campaign, c.industry, c.companyIdx, c.firstIdx, c.lastIdx, c.employees]));
  const founded = rules.company.founded;
  await loadTable(con, 'w_pool', [['day', 'INTEGER'], ['customers', 'INTEGER']],
    Array.from(world.cumulative, (_, i) => [founded + i, poolOn(world, founded, founded + i)]));
}

/**
 * Creates the other w_* tables: the products' names, the company, people and text pools, customer
 * profile versions, subscription changes and invoices (read by the CDC, support, order item and
 * payments sources).
 */
export async function loadAccountWorldTables(con: DuckDBConnection, rules: Rules, world: World): Promise<void> {
  const pools = buildPools(rules.seed);
  await loadTable(con, 'w_product_names', [['idx', 'INTEGER'], ['name', 'VARCHAR']], pools.products.map((name, i) => [i, name]));
  await loadTable(con, 'w_companies', [['idx', 'INTEGER'], ['name', 'VARCHAR'], ['domain', 'VARCHAR']],
    pools.companies.map((name, i) => [i, name, domainOf(name)]));
  await loadTable(con, 'w_people', [['idx', 'INTEGER'], ['first_name', 'VARCHAR'], ['last_name', 'VARCHAR']],
    pools.firstNames.map((f, i) => [i, f, pools.lastNames[i]]));
  await loadTable(con, 'w_text', [['kind', 'VARCHAR'], ['idx', 'INTEGER'], ['text', 'VARCHAR']], [
    ...pools.ticketSubjects.map((t, i) => ['subject', i, t] as const),
    ...pools.phrases.map((t, i) => ['phrase', i, t] as const),
  ]);
  await loadTable(con, 'w_versions', [
    ['n', 'INTEGER'], ['version', 'INTEGER'], ['day', 'INTEGER'], ['sec', 'INTEGER'], ['change', 'VARCHAR'],
    ['company_idx', 'INTEGER'], ['email_user', 'INTEGER'], ['country', 'VARCHAR'], ['currency', 'VARCHAR'], ['employees', 'INTEGER'],
  ], world.versions.map((v) => [v.n, v.version, v.day, v.sec, v.change, v.companyIdx, v.emailUser, v.country, v.currency, v.employees]));
  await loadTable(con, 'w_sub_changes', [
    ['subscription_id', 'VARCHAR'], ['n', 'INTEGER'], ['day', 'INTEGER'], ['sec', 'INTEGER'], ['seq', 'INTEGER'], ['status', 'VARCHAR'],
    ['plan_id', 'VARCHAR'], ['billing_period', 'VARCHAR'], ['started_day', 'INTEGER'], ['started_sec', 'INTEGER'], ['trial_end_day', 'INTEGER'], ['canceled_day', 'INTEGER'],
  ], world.subscriptionChanges.map((s) => [s.subscriptionId, s.n, s.day, s.sec, s.seq, s.status, s.planId, s.period, s.startedDay, s.startedSec, s.trialEndDay, s.canceledDay]));
  await loadTable(con, 'w_invoices', [
    ['invoice_id', 'VARCHAR'], ['subscription_id', 'VARCHAR'], ['n', 'INTEGER'], ['day', 'INTEGER'], ['sec', 'INTEGER'],
    ['plan_id', 'VARCHAR'], ['amount', 'DOUBLE'], ['currency', 'VARCHAR'],
  ], world.invoices.map((i) => [i.invoiceId, i.subscriptionId, i.n, i.day, i.sec, i.planId, i.amount, i.currency]));
}
