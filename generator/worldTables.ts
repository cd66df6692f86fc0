/**
 * Loads the JS world (accounts, profile versions, subscription changes, invoices) and the text
 * pools into tables of the generator's in-memory DuckDB, where the SQL sources join them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { oneLine } from '../src/engine/duckdb/driverError.js';
import { DataError } from '../src/errors.js';
import { accessWindows } from './access.js';
import { replacedExpiry, unpackFirstCard, type Card } from './cards.js';
import { CATEGORIES, CURRENCIES, PRODUCTS } from './catalog.js';
import { tryParseDay } from './dates.js';
import { FX_FROM, FX_TO } from './fxSeed.js';
import { uniform } from './hash.js';
import { buildPools, domainOf } from './pools.js';
import type { Rules } from './rules.js';
import { utcOffsetSec } from './timeOfDay.js';
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
 * Loads the fx seed `file` (`shown` in messages) into table w_fx (day, currency, usd_per_unit) and
 * checks it: every currency the generator uses has one positive rate on every day FX_FROM ..
 * FX_TO. Every order is priced with its day's rate, so a missing one would drop that day's orders
 * and an empty one price them as null, silently. Throws DataError naming the file (and its line
 * where one is to blame) when it cannot be read as `rate_date,currency,usd_per_unit` or lacks a rate.
 */
export async function loadFxRates(con: DuckDBConnection, file = seedPath('fx_rates.csv'), shown = 'seeds/fx_rates.csv'): Promise<void> {
  try {
    // the file's dialect is known: no sniffing, whose failure on a ragged row names no line
    await con.run(`create or replace table w_fx as
      select (rate_date - date '1970-01-01')::integer as day, currency, usd_per_unit
      from read_csv('${file}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {'rate_date': 'date', 'currency': 'varchar', 'usd_per_unit': 'double'})`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // what the file holds; memory, a cancel and the like stop the run as they do elsewhere
    if (!/^(Invalid Input Error|Conversion Error|IO Error): /.test(message)) throw e;
    const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
    throw new DataError(`cannot be read as rate_date,currency,usd_per_unit: ${oneLine(message)}`, line ? `${shown}:${line}` : shown);
  }
  const gap = await con.runAndReadAll(`select strftime(date '1970-01-01' + w.day, '%Y-%m-%d'), w.currency, count(f.currency)::integer, min(f.usd_per_unit)
    from (select range::integer as day, currency from range(${tryParseDay(FX_FROM)!}, ${tryParseDay(FX_TO)! + 1}), unnest([${CURRENCIES.map((c) => `'${c}'`).join(', ')}]) as c(currency)) w
    left join w_fx f on f.day = w.day and f.currency = w.currency
    group by all having count(f.currency) <> 1 or count(f.usd_per_unit) <> 1 or not isfinite(min(f.usd_per_unit)) or min(f.usd_per_unit) <= 0
    order by 1, 2 limit 1`);
  const [row] = gap.getRows();
  if (!row) return;
  const [day, currency, rates] = row as [string, string, number, number | null];
  const need = `the generator prices every order with its day's rate: one positive rate per currency for every day ${FX_FROM} .. ${FX_TO}`;
  if (rates === 0) throw new DataError(`no rate for ${currency} on ${day} (${need})`, shown);
  // the offending line, by its text: the second one of a day given twice
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.map((l, i) => (l.startsWith(`${day},${currency},`) ? i + 1 : 0)).filter((i) => i > 0);
  const where = at.length > 0 ? `${shown}:${at[at.length - 1]}` : shown;
  if (rates > 1) throw new DataError(`${rates} rates for ${currency} on ${day} (${need})`, where);
  throw new DataError(`the rate for ${currency} on ${day} is ${lines[at[0] - 1]?.split(',')[2]?.trim() || 'empty'} (${need})`, where);
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
  await loadFxRates(con);
  await loadTable(con, 'w_products', [['idx', 'INTEGER'], ['product_id', 'VARCHAR'], ['category', 'VARCHAR'], ['price_usd', 'DOUBLE']],
    Array.from({ length: PRODUCTS }, (_, i) => {
      const cat = CATEGORIES[i % CATEGORIES.length];
      const price = cat.minUsd + Math.pow(uniform(rules.seed, 77, i), 2) * (cat.maxUsd - cat.minUsd);
      return [i, `prd_${String(i).padStart(5, '0')}`, cat.id, Math.round(price * 100) / 100];
    }));
  await loadTable(con, 'w_customers', [
    ['n', 'INTEGER'], ['customer_id', 'VARCHAR'], ['signup_day', 'INTEGER'], ['signup_sec', 'INTEGER'], ['is_initial', 'BOOLEAN'],
    ['country', 'VARCHAR'], ['currency', 'VARCHAR'], ['channel', 'VARCHAR'], ['campaign', 'INTEGER'], ['industry', 'VARCHAR'],
    ['company_idx', 'INTEGER'], ['first_idx', 'INTEGER'], ['last_idx', 'INTEGER'], ['employees', 'INTEGER'], ['converts', 'BOOLEAN'],
    ['utc_offset', 'INTEGER'],
  ], world.customers.map((c) => [c.n, c.id, c.signupDay, c.signupSec, c.isInitial, c.country, c.currency, c.channel, c.campaign, c.industry, c.companyIdx, c.firstIdx, c.lastIdx, c.employees, c.converts,
    utcOffsetSec(c.country)]));
  const founded = rules.company.founded;
  await loadTable(con, 'w_pool', [['day', 'INTEGER'], ['customers', 'INTEGER']],
    Array.from(world.cumulative, (_, i) => [founded + i, poolOn(world, founded, founded + i)]));
}

/**
 * Creates the other w_* tables: the products' names, the company, people and text pools, customer
 * profile versions, subscription changes, invoices, cards and the days accounts may use the app on
 * (read by the CDC, support, order item, payments and events sources).
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
    ['failure_code', 'VARCHAR'], ['declines', 'INTEGER'], ['paid_day', 'INTEGER'], ['paid_sec', 'INTEGER'],
  ], world.invoices.map((i) => [i.invoiceId, i.subscriptionId, i.n, i.day, i.sec, i.planId, i.amount, i.currency, i.failureCode, i.declines, i.paidDay, i.paidSec]));
  // every account's first card, from before its first charge (at -1), and the cards updated to,
  // from their second on (day * 86400 + sec), with the card each replaced (cards.ts's shownCardSql)
  const row = (c: Card, at: number, old: Card | null) => [c.n, at, c.brand, c.last4, c.issued, c.life,
    old?.brand ?? null, old?.last4 ?? null, old ? replacedExpiry(old, c.day) : null] as const;
  const first = world.customers.map((c) => unpackFirstCard(c.n, world.firstCards[c.n]));
  await loadTable(con, 'w_cards', [['n', 'INTEGER'], ['from_sec', 'BIGINT'], ['brand', 'INTEGER'], ['last4', 'INTEGER'], ['issued', 'INTEGER'], ['life', 'INTEGER'],
    ['prev_brand', 'INTEGER'], ['prev_last4', 'INTEGER'], ['prev_exp', 'INTEGER']], [
    ...first.map((c) => row(c, -1, null)),
    // the world's cards are in account order, each account's in time order
    ...world.cards.map((c, i) => row(c, c.day * 86_400 + c.sec, i > 0 && world.cards[i - 1].n === c.n ? world.cards[i - 1] : first[c.n])),
  ]);
  // days [from_day, to_day) on which account n may use the app (access.ts)
  await loadTable(con, 'w_access', [['n', 'INTEGER'], ['from_day', 'INTEGER'], ['to_day', 'INTEGER']], accessWindows(world).map((w) => [w.n, w.from, w.to]));
}
