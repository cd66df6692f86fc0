/**
 * The company is consistent: with every defect rate at 0, no record is impossible (an order before
 * its buyer signed up, a ticket solved before its first response, a refund above the charge, a
 * CDC row extracted before the change it carries, ...). Dirt comes only from the defects, which
 * the manifest records. Also the world's subscription lifecycles: changes in order, invoices at
 * the plan in force, and renewal outcomes at the rules' rates.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COUNTRIES, PLAN_TIERS } from '../../generator/catalog.js';
import { tryParseDay, weekday } from '../../generator/dates.js';
import { DUNNING_DAYS, ORDER_FIRST_ATTEMPT, ORDER_RETRIES, ORDER_RETRY_GAP } from '../../generator/declines.js';
import { loadRules, type Rules } from '../../generator/rules.js';
import { ANNUAL_CHURN_SHARE, buildWorld } from '../../generator/world.js';
import { cleanLake, countOf, duck, rows, withinBinomial } from './fixture.js';

let raw: string;
let con: DuckDBConnection;

beforeAll(async () => {
  // January from the founding day, no defects (and no drift inside it): every record is clean,
  // but for many partial payments, which must still be refunded no more than was paid
  ({ raw } = await cleanLake('2024-01-01', '2024-01-31', { rates: { payment_partial: 0.3 } }));
  con = await duck();
  const ts = (col: string) => `strptime(${col}, '%Y-%m-%dT%H:%M:%SZ')`;
  await con.run(`create table customers as select * replace (${ts('created_at')} as created_at, ${ts('updated_at')} as updated_at, ${ts('_extracted_at')} as _extracted_at)
    from read_csv('${raw}/crm/customers/*/*.csv', header = true, all_varchar = true, hive_partitioning = true)`);
  await con.run(`create table subscriptions as select * replace (${ts('started_at')} as started_at, ${ts('trial_ends_at')} as trial_ends_at,
      ${ts('canceled_at')} as canceled_at, ${ts('updated_at')} as updated_at, ${ts('_extracted_at')} as _extracted_at)
    from read_csv('${raw}/billing/subscriptions/*/*.csv', header = true, all_varchar = true, hive_partitioning = true)`);
  await con.run('create table accounts as select customer_id, min(created_at) as created_at from customers group by all');
  await con.run(`create table events as select * replace (occurred_at::timestamp as occurred_at)
    from read_json('${raw}/product/events/*/*.jsonl', format = 'newline_delimited', hive_partitioning = true)`);
  await con.run(`create table payments as select * replace (created::timestamp as created)
    from read_json('${raw}/processor/payments/*/*.jsonl', format = 'newline_delimited', hive_partitioning = true)`);
});

const count = (sql: string) => countOf(con, sql);

describe('a lake without defects has no impossible record', () => {
  it('CDC extracts are taken after every change they carry, on their arrival day', async () => {
    expect(await count('select count(*) as n from customers')).toBeGreaterThan(2000);
    expect(await count(`select count(*) as n from customers where _extracted_at < updated_at or updated_at < created_at or _extracted_at::date <> dt`)).toBe(0);
    expect(await count(`select count(*) as n from subscriptions where _extracted_at < updated_at or _extracted_at::date <> dt`)).toBe(0);
  });

  it('subscriptions start when their account signs up, cancel when they say, and only first ones have a trial', async () => {
    expect(await count(`select count(*) as n from subscriptions s join accounts a using (customer_id)
      where s._version = '0' and s.subscription_id like '%\\_0' escape '\\' and s.started_at <> a.created_at`)).toBe(0);
    expect(await count(`select count(*) as n from subscriptions s join accounts a using (customer_id) where s.started_at < a.created_at`)).toBe(0);
    expect(await count(`select count(*) as n from subscriptions where status in ('canceled', 'expired') and canceled_at <> updated_at`)).toBe(0);
    // the accounts migrated in on the founding day bring their subscriptions, started before it, without a trial
    const migrated = `started_at < timestamp '2024-01-01'`;
    expect(await count(`select count(*) as n from subscriptions where (trial_ends_at is null) <> (subscription_id not like '%\\_0' escape '\\' or ${migrated})`)).toBe(0);
    expect(await count(`select count(distinct subscription_id) as n from subscriptions where ${migrated} and status = 'active' and _version = '0' and updated_at = timestamp '2024-01-01'`)).toBeGreaterThan(500);
    expect(await count(`select count(*) as n from subscriptions where updated_at < started_at`)).toBe(0);
    // the migrated accounts: inserted at midnight of the founding day, signed up before it, and
    // those that were paying are billed from their first renewal, not after a trial
    expect(await count(`select count(*) as n from customers where _version = '0' and dt = '2024-01-01' and (updated_at <> timestamp '2024-01-01' or created_at >= timestamp '2024-01-01')`)).toBe(0);
    expect(await count(`select count(*) as n from customers where _version = '0' and dt = '2024-01-01'`)).toBe(loadRules().company.initial_customers);
    expect(await count(`select count(*) as n from payments where metadata.invoice_id is not null and created < timestamp '2024-01-15'`)).toBeGreaterThan(200);
  });

  it('orders, tickets and product use come from accounts that exist by then', async () => {
    const orders = `read_parquet('${raw}/shop/orders/*/*.parquet', hive_partitioning = true)`;
    expect(await count(`select count(*) as n from ${orders}`)).toBeGreaterThan(50000);
    expect(await count(`select count(*) as n from ${orders} o left join accounts a using (customer_id) where a.created_at is null or o.ordered_at < a.created_at`)).toBe(0);
    // on the founding day too: the initial accounts are migrated in at midnight
    expect(await count(`select count(*) as n from ${orders} where dt = '2024-01-01'`)).toBeGreaterThan(1000);
    expect(await count(`select count(*) as n from ${orders} where updated_at < ordered_at or updated_at::date <> dt`)).toBe(0);
    const tickets = `read_parquet('${raw}/support/tickets/*/*.parquet', hive_partitioning = true)`;
    expect(await count(`select count(*) as n from ${tickets} t left join accounts a using (customer_id) where a.created_at is null or t.opened_at < a.created_at`)).toBe(0);
    expect(await count(`select count(*) as n from events e join accounts a on a.customer_id = e.account_id where e.occurred_at < a.created_at`)).toBe(0);
    expect(await count(`select count(*) as n from events where account_id is not null and account_id not in (select customer_id from accounts)`)).toBe(0);
  });

  it('tickets are answered before they are solved, and an open ticket has no answer yet', async () => {
    const tickets = `read_parquet('${raw}/support/tickets/*/*.parquet', hive_partitioning = true)`;
    expect(await count(`select count(*) as n from ${tickets} where status = 'solved'`)).toBeGreaterThan(1000);
    expect(await count(`select count(*) as n from ${tickets} where status = 'open' and (first_response_at is not null or solved_at is not null)`)).toBe(0);
    expect(await count(`select count(*) as n from ${tickets} where status = 'solved' and not (opened_at < first_response_at and first_response_at < solved_at and solved_at = updated_at)`)).toBe(0);
  });

  it('an order is charged 30 to 330 seconds after it is placed (declined tries from 20 on), on its day, and checked out when its charge succeeds', async () => {
    const orders = `read_parquet('${raw}/shop/orders/*/*.parquet', hive_partitioning = true)`;
    const charges = `(select metadata.order_id as order_id, status, created from payments where object = 'charge' and metadata.order_id is not null)`;
    const n = await count(`select count(*) as n from ${charges}`);
    expect(n).toBeGreaterThan(50000);
    expect(await count(`select count(*) as n from ${charges} join ${orders} using (order_id)`)).toBe(n);
    // the day's last second at the latest: a charge is cut there rather than moved to the next day
    const lastSecond = `o.ordered_at::date + interval 86399 second`;
    // a declined try: the first ORDER_FIRST_ATTEMPT seconds after the order, each retry 10 seconds to 2 minutes after the one before
    const lastTry = ORDER_FIRST_ATTEMPT + ORDER_RETRIES * (ORDER_RETRY_GAP[0] + ORDER_RETRY_GAP[1] - 1);
    expect(await count(`select count(*) as n from ${charges} c join ${orders} o using (order_id) where c.created::date <> o.ordered_at::date
      or (c.status = 'succeeded' and not (c.created between o.ordered_at + interval 30 second and o.ordered_at + interval 329 second or c.created = ${lastSecond}))
      or (c.status = 'failed' and not (c.created between o.ordered_at + interval ${ORDER_FIRST_ATTEMPT} second and o.ordered_at + interval ${lastTry} second or c.created = ${lastSecond}))`)).toBe(0);
    // the first declined try at ORDER_FIRST_ATTEMPT, a buyer's retry minutes later
    expect(await count(`select count(*) as n from ${charges} c join ${orders} o using (order_id) where c.status = 'failed' and c.created = o.ordered_at + interval ${ORDER_FIRST_ATTEMPT} second`)).toBeGreaterThan(500);
    expect(await count(`select count(*) as n from ${charges} c join ${orders} o using (order_id) where c.status = 'failed' and c.created > o.ordered_at + interval ${ORDER_FIRST_ATTEMPT + ORDER_RETRY_GAP[0] - 1} second`)).toBeGreaterThan(100);
    const checkouts = `(select properties.order_id as order_id, occurred_at from events where event_type = 'checkout_completed')`;
    const m = await count(`select count(*) as n from ${checkouts}`);
    expect(m).toBeGreaterThan(30000);
    expect(await count(`select count(*) as n from ${checkouts} join ${orders} using (order_id)`)).toBe(m);
    // at the second it is placed, or, after a declined charge, at the second of the buyer's retry that succeeded
    const retried = `(select order_id, created as paid_at from ${charges} where status = 'succeeded' and order_id in (select order_id from ${charges} where status = 'failed'))`;
    expect(await count(`select count(*) as n from ${checkouts} c join ${orders} o using (order_id) left join ${retried} r using (order_id)
      where c.occurred_at <> coalesce(r.paid_at, o.ordered_at)`)).toBe(0);
    expect(await count(`select count(*) as n from ${checkouts} c join ${retried} r using (order_id) where c.occurred_at = r.paid_at`)).toBeGreaterThan(300);
  });

  it('marketing touches come before the signup on the same device, and the account keeps that device', async () => {
    const signups = `(select account_id, anonymous_id, occurred_at from events where event_type = 'signed_up')`;
    expect(await count(`select count(*) as n from ${signups}`)).toBeGreaterThan(500);
    const touches = `events e join ${signups} s using (anonymous_id) where e.event_type = 'page_view' and e.properties.utm_source is not null`;
    expect(await count(`select count(*) as n from ${touches}`)).toBeGreaterThan(500);
    expect(await count(`select count(*) as n from ${touches} and e.occurred_at >= s.occurred_at`)).toBe(0);
    // every event of an account that signed up carries the device it signed up on
    expect(await count(`select count(*) as n from events e join ${signups} s using (account_id) where e.anonymous_id <> s.anonymous_id`)).toBe(0);
    expect(await count(`select count(*) as n from events where event_type = 'page_view' and properties.feature is not null`)).toBe(0);
    // a paid channel's campaigns bring signups as they spend (1 : 1/2 : 1/3); unpaid channels have none
    const byCampaign = await rows(con, `select right(properties.utm_campaign, 1) as c, count(*) as n from events
      where event_type = 'signed_up' and properties.utm_medium in ('cpc', 'paid_social', 'display') group by all order by c`);
    expect(byCampaign.map((r) => r.c)).toEqual(['0', '1', '2']);
    const [c0, c1, c2] = byCampaign.map((r) => Number(r.n));
    expect(c0).toBeGreaterThan(c1);
    expect(c1).toBeGreaterThan(c2);
    expect(await count(`select count(*) as n from events where properties.utm_medium in ('organic', 'referral', 'email', '(none)') and properties.utm_campaign is not null`)).toBe(0);
    expect(await count(`select count(*) as n from events where properties.utm_medium = 'organic'`)).toBeGreaterThan(100);
    // activation is a funnel: fewer accounts reach each step
    const steps = await rows(con, `select properties.step as step, count(*) as n from events where event_type = 'activation_step_completed' group by all order by step`);
    expect(steps.map((s) => Number(s.step))).toEqual([1, 2, 3]);
    expect(Number(steps[0].n)).toBeGreaterThan(Number(steps[1].n));
    expect(Number(steps[1].n)).toBeGreaterThan(Number(steps[2].n));
  });

  it('a refund is never more than the charge it refunds', async () => {
    const refunds = `payments r join payments c on c.id = r.charge where r.object = 'refund'`;
    expect(await count(`select count(*) as n from ${refunds}`)).toBeGreaterThan(500);
    expect(await count(`select count(*) as n from ${refunds} and (r.amount > c.amount or r.currency <> c.currency or r.created <= c.created)`)).toBe(0);
    // among them refunds of partial charges, which refund what was paid, not the order's total
    const orders = `read_parquet('${raw}/shop/orders/*/*.parquet', hive_partitioning = true)`;
    expect(await count(`select count(*) as n from ${refunds} and c.amount < (select order_total from ${orders} o where o.order_id = c.metadata.order_id)`)).toBeGreaterThan(100);
  });

  it('amounts in yen are whole: the yen has no minor unit', async () => {
    const items = `read_parquet('${raw}/shop/order_items/*/*.parquet', hive_partitioning = true) i join read_parquet('${raw}/shop/orders/*/*.parquet', hive_partitioning = true) o using (order_id)`;
    expect(await count(`select count(*) as n from ${items} where o.currency = 'JPY'`)).toBeGreaterThan(500);
    expect(await count(`select count(*) as n from ${items} where o.currency = 'JPY' and i.unit_price <> round(i.unit_price)`)).toBe(0);
    expect(await count(`select count(*) as n from payments where currency = 'jpy' and amount <> round(amount)`)).toBe(0);
    // and other currencies do have cents
    expect(await count(`select count(*) as n from ${items} where o.currency = 'EUR' and i.unit_price <> round(i.unit_price)`)).toBeGreaterThan(500);
  });
});

describe('subscription lifecycles', () => {
  const rules: Rules = loadRules();
  const founded = rules.company.founded;
  // two years and a bit, so that annual plans renew
  const world = buildWorld(rules, 2, founded + 800);

  it('move an account to another country when its CRM profile changes country, never to the one it leaves', () => {
    const moves = world.versions.filter((v) => v.change === 'country');
    expect(moves.length).toBeGreaterThan(1000);
    const before = new Map(world.versions.map((v) => [`${v.n}:${v.version}`, v]));
    expect(moves.filter((v) => before.get(`${v.n}:${v.version - 1}`)!.country === v.country).length).toBe(0);
    // and to every country, in proportion to its weight among the others
    expect(new Set(moves.map((v) => v.country)).size).toBe(COUNTRIES.length);
  });

  it('change at their start second (but for dunning), after their account signs up, and raise invoices at the plan in force', () => {
    const byId = new Map(world.customers.map((c) => [c.n, c]));
    const changes = new Map<string, typeof world.subscriptionChanges>();
    const bad: string[] = [];
    // dunning's changes come at its invoice's charges: past due at the first attempt, active again
    // when paid, canceled at the last retry
    const dunning = new Set<string>();
    for (const inv of world.invoices.filter((i) => i.declines > 0)) {
      dunning.add(`${inv.subscriptionId}@${inv.day * 86400 + inv.sec}`);
      dunning.add(`${inv.subscriptionId}@${inv.paidDay === null ? (inv.day + DUNNING_DAYS) * 86400 + inv.sec : inv.paidDay * 86400 + inv.paidSec!}`);
    }
    for (const ch of world.subscriptionChanges) {
      const c = byId.get(ch.n)!;
      const list = changes.get(ch.subscriptionId) ?? [];
      const last = list[list.length - 1];
      const migration = c.isInitial && ch.seq === 0 && ch.subscriptionId.endsWith('_0');
      if (migration && (ch.day !== founded || ch.sec !== 0 || ch.status !== 'active' || ch.startedDay >= founded)) bad.push(`${ch.subscriptionId}: not migrated at midnight of the founding day`);
      if (!migration && ch.sec !== ch.startedSec && !dunning.has(`${ch.subscriptionId}@${ch.day * 86400 + ch.sec}`)) bad.push(`${ch.subscriptionId}@${ch.seq}: not at its start second`);
      if (ch.startedDay * 86400 + ch.startedSec < c.signupDay * 86400 + c.signupSec) bad.push(`${ch.subscriptionId}: starts before its account`);
      if ((ch.trialEndDay === null) !== (!ch.subscriptionId.endsWith('_0') || c.isInitial)) bad.push(`${ch.subscriptionId}: trial end`);
      if ((ch.status === 'canceled' || ch.status === 'expired') && ch.canceledDay !== ch.day) bad.push(`${ch.subscriptionId}: canceled day`);
      if (last && ch.day * 86400 + ch.sec <= last.day * 86400 + last.sec) bad.push(`${ch.subscriptionId}@${ch.seq}: not after the change before it`);
      list.push(ch);
      changes.set(ch.subscriptionId, list);
    }
    expect(world.invoices.length).toBeGreaterThan(20000);
    for (const inv of world.invoices) {
      const at = inv.day * 86400 + inv.sec;
      const before = changes.get(inv.subscriptionId)!.filter((ch) => ch.day * 86400 + ch.sec < at);
      const inForce = before[before.length - 1];
      if (inForce?.status !== 'active' || inForce.planId !== inv.planId) bad.push(`${inv.invoiceId}: not at the plan in force`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('renew up, down or out at the rules\' rates: monthly per month, annual compounded over 12 (churn at a third)', () => {
    const tierOf = (planId: string) => PLAN_TIERS.findIndex((t) => planId.startsWith(`${t.tier}_`));
    // renewal outcomes from consecutive invoices of a subscription, and its cancellation
    const outcomes = new Map<string, { renewals: number; up: number; down: number; out: number }>();
    const tally = (period: string, tier: number) => {
      const key = `${period}/${tier}`;
      const t = outcomes.get(key) ?? { renewals: 0, up: 0, down: 0, out: 0 };
      outcomes.set(key, t);
      return t;
    };
    const bySub = new Map<string, typeof world.invoices>();
    for (const inv of world.invoices) bySub.set(inv.subscriptionId, [...(bySub.get(inv.subscriptionId) ?? []), inv]);
    const canceled = new Map(world.subscriptionChanges.filter((c) => c.status === 'canceled').map((c) => [c.subscriptionId, c]));
    for (const [sub, invs] of bySub) {
      const period = invs[0].planId.includes('_annual_') ? 'annual' : 'monthly';
      for (let p = 1; p < invs.length; p++) {
        const from = tierOf(invs[p - 1].planId);
        const to = tierOf(invs[p].planId);
        const t = tally(period, from);
        t.renewals++;
        if (to > from) t.up++;
        if (to < from) t.down++;
      }
      // a cancellation at a renewal; not dunning's (its last invoice unpaid: dunning.test.ts)
      const c = canceled.get(sub);
      if (c && invs[invs.length - 1].paidDay !== null) {
        const t = tally(period, tierOf(invs[invs.length - 1].planId));
        t.renewals++;
        t.out++;
      }
    }
    const r = rules.company;
    const share = (key: string, what: 'up' | 'down' | 'out') => {
      const t = outcomes.get(key)!;
      return t[what] / t.renewals;
    };
    // the top tier cannot upgrade, and downgrades at the downgrade rate, not at upgrade + downgrade
    expect(share('monthly/2', 'up')).toBe(0);
    expect(share('monthly/2', 'down')).toBeCloseTo(r.downgrade_rate, 1.6);
    expect(share('monthly/0', 'up')).toBeCloseTo(r.upgrade_rate, 1.6);
    expect(share('monthly/0', 'out')).toBeCloseTo(r.monthly_churn, 1.6);
    // the middle tier goes either way
    expect(share('monthly/1', 'up')).toBeCloseTo(r.upgrade_rate, 1.6);
    expect(share('monthly/1', 'down')).toBeCloseTo(r.downgrade_rate, 1.6);
    // annual: the monthly rates compounded over a year, churn at a third of its monthly rate (the
    // tier draw comes after surviving churn)
    const year = (m: number) => 1 - Math.pow(1 - m, 12);
    expect(ANNUAL_CHURN_SHARE).toBe(1 / 3);
    expect(share('annual/0', 'out')).toBeCloseTo(year(r.monthly_churn * ANNUAL_CHURN_SHARE), 1);
    expect(share('annual/0', 'up')).toBeCloseTo((1 - year(r.monthly_churn * ANNUAL_CHURN_SHARE)) * year(r.upgrade_rate), 1);
    expect(outcomes.get('annual/0')!.renewals).toBeGreaterThan(300);
  });

  /** Each subscription's changes, in order. */
  const changesOf = new Map<string, typeof world.subscriptionChanges>();
  for (const ch of world.subscriptionChanges) {
    const list = changesOf.get(ch.subscriptionId);
    if (list) list.push(ch);
    else changesOf.set(ch.subscriptionId, [ch]);
  }

  it('migrate as many of the initial load as trials convert; a trial lasts trial_days and ends paid or expired', () => {
    const initial = world.customers.filter((c) => c.isInitial);
    expect(initial.length).toBe(rules.company.initial_customers * 2); // the initial load grows with the scale
    const migrated = new Set(world.subscriptionChanges.filter((ch) => world.customers[ch.n].isInitial).map((ch) => ch.n));
    expect(withinBinomial(migrated.size, initial.length, rules.company.trial_conversion), `${migrated.size} of ${initial.length}`).toBe(true);
    const bad: string[] = [];
    let ended = 0;
    let expired = 0;
    for (const [id, list] of changesOf) {
      const first = list[0];
      if (first.status !== 'trialing') continue;
      if (first.trialEndDay! - first.startedDay !== rules.company.trial_days) bad.push(`${id}: trial of ${first.trialEndDay! - first.startedDay} days`);
      if (first.trialEndDay! > world.horizon) continue;
      ended++;
      const next = list[1];
      if (next?.day !== first.trialEndDay || (next.status !== 'active' && next.status !== 'expired')) bad.push(`${id}: no outcome at its trial's end`);
      if (next?.status === 'expired') expired++;
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect(withinBinomial(expired, ended, 1 - rules.company.trial_conversion), `${expired} of ${ended} expired`).toBe(true);
    // the world reaches its horizon day inclusive: trials convert and profiles change on it too
    expect(world.subscriptionChanges.some((ch) => ch.day === world.horizon && ch.status === 'active' && ch.trialEndDay === world.horizon)).toBe(true);
    expect(world.versions.some((v) => v.day === world.horizon && v.version > 0)).toBe(true);
  });

  it('reactivate churned accounts at the rules\' rate, 10 to 59 days after they cancel, without a trial', () => {
    const bad: string[] = [];
    let churned = 0;
    let back = 0;
    for (const ch of world.subscriptionChanges) {
      if (ch.status !== 'canceled' || ch.canceledDay! + 59 > world.horizon) continue;
      churned++;
      const [, account, k] = /^(sub_\d+)_(\d+)$/.exec(ch.subscriptionId)!;
      const next = changesOf.get(`${account}_${Number(k) + 1}`)?.[0];
      if (!next) continue;
      back++;
      const gap = next.startedDay - ch.canceledDay!;
      if (gap < 10 || gap > 59 || next.status !== 'active' || next.trialEndDay !== null) bad.push(`${next.subscriptionId}: ${next.status} ${gap} days after ${ch.subscriptionId} canceled`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect(churned).toBeGreaterThan(1000);
    expect(withinBinomial(back, churned, rules.company.reactivation_rate), `${back} of ${churned} came back`).toBe(true);
  });

  it('invoice each period at plans.csv\'s list price, in the plan\'s currency, every plan', () => {
    const plans = new Map(readFileSync('seeds/plans.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map((p) => [p[0], { price: Number(p[4]), currency: p[5] }]));
    const bad = world.invoices.filter((inv) => plans.get(inv.planId)?.price !== inv.amount || plans.get(inv.planId)?.currency !== inv.currency);
    expect(bad.slice(0, 5)).toEqual([]);
    expect([...plans.keys()].filter((id) => !world.invoices.some((inv) => inv.planId === id))).toEqual([]);
  });

  it('sign accounts up fewer at weekends (Saturday and Sunday), and in each campaign in proportion to its spend', () => {
    expect(weekday(tryParseDay('2024-01-06')!)).toBe(6); // a Saturday
    expect(weekday(tryParseDay('2024-01-07')!)).toBe(0);
    const perWeekday = Array.from({ length: 7 }, () => ({ days: new Set<number>(), signups: 0 }));
    for (const c of world.customers) {
      if (c.isInitial) continue;
      perWeekday[weekday(c.signupDay)].days.add(c.signupDay);
      perWeekday[weekday(c.signupDay)].signups++;
    }
    const mean = perWeekday.map((w) => w.signups / w.days.size);
    const midweek = (mean[1] + mean[2] + mean[3] + mean[4]) / 4;
    // each weekday's mean is of some 114 days of ±30% noise: within a few percent of its expectation
    expect(mean[6] / midweek).toBeCloseTo(rules.skew.weekend_factor, 1);
    expect(mean[0] / midweek).toBeCloseTo(rules.skew.weekend_factor, 1);
    expect(mean[5] / midweek).toBeCloseTo(1, 1);
    // a paid channel's campaign c is spent on as 1 / (1 + c), and brings signups likewise
    const perCampaign = [0, 0, 0];
    for (const c of world.customers) if (c.campaign !== null) perCampaign[c.campaign]++;
    expect(perCampaign[1] / perCampaign[0]).toBeCloseTo(1 / 2, 1.5);
    expect(perCampaign[2] / perCampaign[0]).toBeCloseTo(1 / 3, 1.5);
  });

  it('change a profile one field at a time: an email a new address, a country its currency', () => {
    const currencyOf = new Map(COUNTRIES.map((c) => [c.code, c.currency]));
    const kinds = new Set<string>();
    const bad: string[] = [];
    let prev: (typeof world.versions)[number] | undefined;
    for (const v of world.versions) {
      kinds.add(v.change);
      if (currencyOf.get(v.country) !== v.currency) bad.push(`${v.n}@${v.version}: ${v.country} in ${v.currency}`);
      if (v.version > 0 && prev) {
        const changed = (['emailUser', 'country', 'companyIdx', 'employees'] as const).filter((f) => v[f] !== prev![f]);
        const allowed: readonly string[] = { email: ['emailUser'], country: ['country'], rename: ['companyIdx'], size: ['employees'], create: [] }[v.change];
        if (changed.some((f) => !allowed.includes(f))) bad.push(`${v.n}@${v.version}: ${v.change} changed ${changed.join(', ')}`);
        if (v.change === 'email' && v.emailUser !== prev.emailUser + 1) bad.push(`${v.n}@${v.version}: email user ${prev.emailUser} -> ${v.emailUser}`);
      }
      prev = v;
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect([...kinds].sort()).toEqual(['country', 'create', 'email', 'rename', 'size']);
  });
});
