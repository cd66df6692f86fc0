/**
 * Accounts use the app (app pages and feature_used) only while they trial or subscribe
 * (generator/access.ts), and visit the public site on other days: read back as a warehouse user
 * would, joining a clean lake's product/events with billing/subscriptions' CDC rows, and checked
 * to change what a session does, never how many sessions there are or when.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessWindows, packedAccess } from '../../generator/access.js';
import { eventsInput, EventsWriter } from '../../generator/eventsWriter.js';
import { loadRules } from '../../generator/rules.js';
import { APP_PAGES, SITE_PAGES } from '../../generator/sources/events.js';
import { wasmAccounts, type WasmAccounts } from '../../generator/wasmLines.js';
import type { SubscriptionChange } from '../../generator/world.js';
import { tempDir } from '../tempDir.js';
import { cleanLake, countOf, defectRates, duck, withBatch } from './fixture.js';

const list = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
/** The site's pages but the marketplace's front page, which browsing and checkout sessions enter by too. */
const SITE_ONLY = SITE_PAGES.filter((p) => p !== '/marketplace');

let con: DuckDBConnection;

beforeAll(async () => {
  // the default dataset's quarter, every defect rate 0: every change of a subscription up to the
  // last day is one CDC row arriving on its day, and every timestamp is the UTC instant it happened
  const { raw } = await cleanLake('2024-01-01', '2024-03-31');
  con = await duck();
  await con.run(`create table events as select account_id, event_type, occurred_at::timestamp as at, coalesce(properties.page_path, properties.path) as page
    from read_json('${raw}/product/events/*/*.jsonl', format = 'newline_delimited', union_by_name = true)`);
  // A subscription gives access from its first row (its insert: a trial's or reactivation's start,
  // a migrated account's migration) to its expired or canceled row, if any; past_due keeps it. The
  // background sessions use the app only on days the account has access all through: from the day
  // after the start (the start's own day when it is midnight) to the day before the end.
  await con.run(`create table access as
    select customer_id, start_at, end_at,
      start_at::date + case when start_at = start_at::date then 0 else 1 end as first_day,
      coalesce(end_at::date, date '9999-12-31') as end_day
    from (select subscription_id, any_value(customer_id) as customer_id, min(updated_at::timestamp) as start_at,
        min(updated_at::timestamp) filter (where status in ('expired', 'canceled')) as end_at
      from read_csv('${raw}/billing/subscriptions/*/*.csv', header = true, all_varchar = true) group by subscription_id)`);
});

/** Events of `where` (a condition on e) with or without (`has`) a window of access in which `inWindow` (a condition on e and a). */
const accessCount = (where: string, inWindow: string, has: boolean) => countOf(con, `select count(*) as n from events e
  where ${where} and ${has ? '' : 'not'} exists (select 1 from access a where a.customer_id = e.account_id and ${inWindow})`);
const bySecond = 'e.at >= a.start_at and (a.end_at is null or e.at < a.end_at)';
const byDay = 'e.at::date >= a.first_day and e.at::date < a.end_day';

describe('access to the app', () => {
  it('has an account use the app only while its trial or subscription gives access, to the second', async () => {
    const app = `(e.event_type = 'feature_used' or e.page like '/app/%')`;
    expect(await accessCount(app, bySecond, true)).toBeGreaterThan(50_000);
    expect(await accessCount(app, bySecond, false)).toBe(0);
  });

  it('has its background sessions use the app only on days of access all through: none on the day a trial ends or a subscription starts or is canceled', async () => {
    const background = `(e.event_type = 'feature_used' or e.page in (${list(APP_PAGES)}))`;
    expect(await accessCount(background, byDay, true)).toBeGreaterThan(50_000);
    expect(await accessCount(background, byDay, false)).toBe(0);
  });

  it('has an account without access visit the public site instead, under its account, and one with access never', async () => {
    const site = `e.account_id is not null and e.page in (${list(SITE_ONLY)})`;
    // churned, never converted and on the edge days alike
    expect(await accessCount(site, byDay, false)).toBeGreaterThan(10_000);
    expect(await countOf(con, `select count(*) as n from events e where ${site} and e.at::date in (select end_day from access a where a.customer_id = e.account_id)`)).toBeGreaterThan(100);
    expect(await accessCount(site, byDay, true)).toBe(0);
  });
});

describe('access windows', () => {
  it('runs from the day after a subscription starts (its day, at midnight) to the day before it expires or is canceled, past_due keeping it', () => {
    const change = (subscriptionId: string, n: number, day: number, sec: number, status: SubscriptionChange['status']) =>
      ({ subscriptionId, n, day, sec, status }) as SubscriptionChange;
    const world = { horizon: 100, subscriptionChanges: [
      // migrated at midnight and churned, then reactivated, in dunning at the horizon
      change('sub_0_0', 0, 10, 0, 'active'), change('sub_0_0', 0, 40, 0, 'canceled'),
      change('sub_0_1', 0, 60, 5_000, 'active'), change('sub_0_1', 0, 90, 5_000, 'past_due'),
      // a trial that expires, one that converts and is canceled by dunning, and one a day long
      change('sub_1_0', 1, 20, 3_600, 'trialing'), change('sub_1_0', 1, 34, 3_600, 'expired'),
      change('sub_2_0', 2, 20, 3_600, 'trialing'), change('sub_2_0', 2, 34, 3_600, 'active'), change('sub_2_0', 2, 64, 4_000, 'past_due'),
      change('sub_2_0', 2, 79, 4_000, 'canceled'),
      change('sub_4_0', 4, 20, 3_600, 'trialing'), change('sub_4_0', 4, 21, 3_600, 'expired'),
    ] };
    const windows = accessWindows(world);
    expect(windows).toEqual([{ n: 0, from: 10, to: 40 }, { n: 0, from: 61, to: 101 }, { n: 1, from: 21, to: 34 }, { n: 2, from: 21, to: 79 }]);
    // per account the index of its first window, then their count, then from and to each
    expect(Array.from(packedAccess(windows, 5))).toEqual([0, 2, 3, 4, 4, 4, 10, 40, 61, 101, 21, 34, 21, 79]);
  });

  it('changes what a session does, never how many sessions or events there are, when, or whose', async () => {
    const dir = tempDir('stratum-access-');
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, defectRates());
    const rules = loadRules(file);
    await withBatch(rules, rules.company.founded + 40, 5, async (batchCon, ctx, world) => {
      const input = await eventsInput(batchCon, ctx, rules);
      const real = wasmAccounts(world);
      // every account has access on every day
      const always: WasmAccounts = { ...real, access: packedAccess(world.customers.map((c) => ({ n: c.n, from: 0, to: 2 ** 31 - 1 })), world.customers.length) };
      const events = (accounts: WasmAccounts, name: string) => {
        const root = join(dir, name);
        new EventsWriter(rules, accounts).writeBatch(input, ctx, root);
        const days = join(root, 'product/events');
        return readdirSync(days).sort().flatMap((d) => readFileSync(join(days, d, 'part-00000.jsonl'), 'utf8').split('\n').filter(Boolean))
          .map((l) => JSON.parse(l) as Record<string, unknown> & { properties: Record<string, unknown> });
      };
      const [a, b] = [events(real, 'real'), events(always, 'always')];
      expect(a.length).toBe(b.length);
      expect(a.length).toBeGreaterThan(100_000);
      const page = (e: { properties: Record<string, unknown> }) => (e.properties.page_path ?? e.properties.path) as string;
      let moved = 0;
      let changed = 0;
      let other = 0;
      for (let i = 0; i < a.length; i++) {
        const [x, y] = [a[i], b[i]];
        // the same event of the same session, device and account at the same time
        if (['event_id', 'occurred_at', 'anonymous_id', 'account_id', 'session_id'].some((k) => x[k] !== y[k])) moved++;
        else if (JSON.stringify(x) === JSON.stringify(y)) continue;
        changed++;
        // an account's app event becomes a page view of the site, on a day it has no access
        if (x.event_type !== 'page_view' || x.properties.feature !== undefined || !SITE_PAGES.includes(page(x)) || typeof x.account_id !== 'string'
          || !(y.event_type === 'feature_used' || APP_PAGES.includes(page(y)))) other++;
      }
      expect([moved, other]).toEqual([0, 0]);
      expect(changed).toBeGreaterThan(1_000);
      // the windows end by the day after the world's horizon
      expect(accessWindows(world).every((w) => w.from < w.to && w.to <= world.horizon + 1)).toBe(true);
    });
  });
});
