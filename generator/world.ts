/**
 * The JS half of the world model: accounts, their CRM profile history and their subscription
 * lifecycles. Everything is a pure function of (seed, rules, scale, day): customer n signs up on
 * a day fixed by the per-day signup counts since the founding day, and every later change is a
 * hash of (seed, customer, field). The high-volume sources are generated in SQL from these
 * tables (see sources/).
 */
import { getHeapStatistics } from 'node:v8';
import { LimitError } from '../src/errors.js';
import { CHANNELS, COUNTRIES, INDUSTRIES, PLAN_CURRENCIES, PLAN_TIERS, planId, weightedIndex } from './catalog.js';
import { formatDay, weekday } from './dates.js';
import { cardExpiry, firstCard, monthOf, packCard, updatedCard, type Card } from './cards.js';
import { DUNNING_DAYS, EXPIRED_CARD, FAILURE_CODES, invoiceDunning } from './declines.js';
import { Field, pick, uniform } from './hash.js';
import type { Rules } from './rules.js';
import { secondOfDay, TIME_DRAW, utcOffsetSec } from './timeOfDay.js';

/**
 * One account. `n` is its number in signup order; `id` is `cus_` + n. An account of the initial
 * load (`isInitial`) is migrated in at midnight of the founding day; its `signupDay` is when it
 * signed up in the system it came from, up to two years before.
 */
export interface Customer {
  n: number; id: string; signupDay: number; signupSec: number; isInitial: boolean;
  /** `campaign` is the paid channel's campaign the account came through (null for an unpaid channel). */
  country: string; currency: string; channel: string; campaign: number | null; industry: string;
  companyIdx: number; firstIdx: number; lastIdx: number; employees: number;
  /** Whether its trial converts (an account of the initial load: whether it was paying). */
  converts: boolean;
}

/** A CRM profile version: what the customers CDC extract carries when the profile changes. */
export interface CustomerVersion {
  n: number; version: number; day: number; sec: number; change: 'create' | 'email' | 'country' | 'rename' | 'size';
  companyIdx: number; emailUser: number; country: string; currency: string; employees: number;
}

/** A subscription state change: one row of the subscriptions CDC extract. */
export interface SubscriptionChange {
  subscriptionId: string; n: number; day: number; sec: number; seq: number;
  status: 'trialing' | 'active' | 'past_due' | 'canceled' | 'expired'; planId: string; period: 'monthly' | 'annual';
  /**
   * When the subscription started; every later change of it happens at this second of its day, but
   * dunning's (at its invoice's charges' times). A cancellation's `canceled_at` is the change's time.
   */
  startedDay: number; startedSec: number; trialEndDay: number | null; canceledDay: number | null;
}

/**
 * An invoice raised at the start of a paid period; the processor reports its charges: declined
 * ones first for some (see declines.ts's invoiceDunning), then the one that pays it, if any.
 */
export interface Invoice {
  invoiceId: string; subscriptionId: string; n: number; day: number; sec: number; planId: string; amount: number; currency: string;
  failureCode: string | null; declines: number; paidDay: number | null; paidSec: number | null;
}

/** The world up to a horizon day. */
export interface World {
  readonly horizon: number;
  readonly customers: Customer[];
  /**
   * cumulative[d - founded] = customers that joined on or before day d (the initial load joins on
   * the founding day). Customers are numbered in joining order, so the first
   * cumulative[d - founded - 1] exist all through day d (see poolOn).
   */
  readonly cumulative: Int32Array;
  readonly versions: CustomerVersion[];
  readonly subscriptionChanges: SubscriptionChange[];
  readonly invoices: Invoice[];
  /**
   * The cards customers updated to (cards.ts), each account's in time order: an account's first
   * card is in firstCards, and each of these its card from its day and second on.
   */
  readonly cards: Card[];
  /**
   * Each account's first card (cards.ts's firstCard), by its number, packed (packCard: 4 bytes an
   * account): drawn once here, read by the lifecycle, the payments' WebAssembly and w_cards.
   */
  readonly firstCards: Int32Array;
}

/**
 * An account's head count from a uniform draw: a heavy tail over small businesses, as a SaaS with
 * plans of $29-299 a month sells to (median 13, a quarter above 35, one in a hundred above 3,000,
 * at most 20,000).
 */
export function employeesOf(u: number): number {
  return Math.min(20_000, Math.round(5 * Math.pow(1 - u, -1.4)));
}

/**
 * Signups on a day: the initial load on the founding day, a noisy count after, lower at weekends and
 * higher on the hot day (a promotion: its ad spend is as many times a day's too).
 */
export function signupsOn(rules: Rules, scale: number, day: number): number {
  const c = rules.company;
  if (day < c.founded) return 0;
  if (day === c.founded) return Math.round(c.initial_customers * scale);
  const wd = weekday(day);
  const weekend = wd === 0 || wd === 6 ? rules.skew.weekend_factor : 1;
  const hot = day === rules.skew.hot_day ? rules.skew.hot_day_multiplier : 1;
  return Math.round(c.signups_per_day * scale * weekend * hot * (0.7 + 0.6 * uniform(rules.seed, Field.signups, day)));
}

/** The accounts of the world built to `horizon` (buildWorld's customers): the signups of every day to it. */
export function accountsThrough(rules: Rules, scale: number, horizon: number): number {
  let accounts = 0;
  for (let d = rules.company.founded; d <= horizon; d++) accounts += signupsOn(rules, scale, d);
  return accounts;
}

/** Share of the JS heap's limit the world may fill; past it the build stops with a LimitError. */
const HEAP_SHARE = 0.6;

/**
 * A check, called every few thousand accounts, that throws a LimitError while the world being
 * built still fits in the JS heap: past its limit Node aborts with a fatal error and a native
 * stack, and leaves a staging folder behind.
 */
function heapGuard(rules: Rules, scale: number, horizon: number): (making: string, n: number) => void {
  const limit = getHeapStatistics().heap_size_limit;
  const mb = (b: number) => `${Math.round(b / 2 ** 20).toLocaleString('en-US')} MB`;
  return (making, n) => {
    if ((n & 8191) !== 0) return;
    const used = getHeapStatistics().used_heap_size;
    if (used <= HEAP_SHARE * limit) return;
    throw new LimitError(`the company at scale ${scale} does not fit in memory: its world (${accountsThrough(rules, scale, horizon).toLocaleString('en-US')} accounts, `
      + `${formatDay(rules.company.founded)} to ${formatDay(horizon)}) had filled ${mb(used)} of the ${mb(limit)} Node may use at account `
      + `${n.toLocaleString('en-US')} (making ${making}); generate at a smaller scale or an earlier range`);
  };
}

const countryWeights = COUNTRIES.map((c) => c.weight);
/** Per country, the countries' weights with its own 0: where an account moving from it goes. */
const movingFrom = new Map(COUNTRIES.map((from) => [from.code, COUNTRIES.map((c) => (c === from ? 0 : c.weight))]));
const channelWeights = CHANNELS.map((c) => c.weight);
/** The last world built: a range run and the single days after it reuse it. */
let last: { key: string; world: World } | undefined;

/** Builds the world from the founding day up to `horizon` inclusive (the last one is kept). */
export function buildWorld(rules: Rules, scale: number, horizon: number): World {
  const key = `${JSON.stringify(rules)}|${scale}|${horizon}`;
  if (last?.key === key) return last.world;
  const s = rules.seed;
  const founded = rules.company.founded;
  const days = Math.max(0, horizon - founded + 1);
  const cumulative = new Int32Array(days);
  // a paid channel's campaign c brings signups in proportion to its spend, which is 1 / (1 + c)
  const campaignWeights = Array.from({ length: rules.volume.campaigns_per_channel }, (_, c) => 1 / (1 + c));
  const customers: Customer[] = [];
  const guard = heapGuard(rules, scale, horizon);
  for (let d = founded; d <= horizon; d++) {
    const count = signupsOn(rules, scale, d);
    for (let j = 0; j < count; j++) {
      const n = customers.length;
      guard('accounts', n);
      const ci = weightedIndex(countryWeights, uniform(s, Field.country, n));
      const chi = weightedIndex(channelWeights, uniform(s, Field.channel, n));
      customers.push({
        // the initial load is migrated in at midnight of the founding day (so those accounts exist
        // all through it), keeping when each signed up in the system it came from
        n, id: `cus_${String(n).padStart(7, '0')}`, signupDay: d === founded ? d - 1 - pick(730, s, Field.signupSecond, n, 1) : d,
        // in the business hours of its country (timeOfDay.ts), as is every later act of the account
        isInitial: d === founded, signupSec: secondOfDay(pick(TIME_DRAW, s, Field.signupSecond, n), utcOffsetSec(COUNTRIES[ci].code)),
        country: COUNTRIES[ci].code, currency: COUNTRIES[ci].currency, channel: CHANNELS[chi].id,
        campaign: CHANNELS[chi].paid ? weightedIndex(campaignWeights, uniform(s, Field.channel, n, 1)) : null,
        industry: INDUSTRIES[pick(INDUSTRIES.length, s, Field.industry, n)],
        companyIdx: pick(4096, s, Field.company, n), firstIdx: pick(512, s, Field.person, n), lastIdx: pick(512, s, Field.person, n, 1),
        employees: employeesOf(uniform(s, Field.size, n)),
        converts: uniform(s, Field.converts, n) < rules.company.trial_conversion,
      });
    }
    cumulative[d - founded] = customers.length;
  }
  const world: World = { horizon, customers, cumulative, versions: [], subscriptionChanges: [], invoices: [], cards: [], firstCards: new Int32Array(customers.length) };
  for (const c of customers) {
    guard('profile versions', c.n);
    for (const v of profileVersions(rules, c, horizon)) world.versions.push(v);
  }
  for (const c of customers) {
    guard('subscriptions', c.n);
    const first = firstCard(s, c.n, c.signupDay);
    world.firstCards[c.n] = packCard(first);
    lifecycle(rules, c, horizon, first, world.subscriptionChanges, world.invoices, world.cards);
  }
  last = { key, world };
  return world;
}

/**
 * What a profile change changes, and how often: mostly a new contact email or a new head count,
 * seldom the company's name, and a move of its headquarters to another country (and currency)
 * rarest of all.
 */
export const PROFILE_CHANGES: readonly { kind: 'email' | 'size' | 'rename' | 'country'; weight: number }[] = [
  { kind: 'email', weight: 60 }, { kind: 'size', weight: 30 }, { kind: 'rename', weight: 7 }, { kind: 'country', weight: 3 },
];

const profileChangeWeights = PROFILE_CHANGES.map((k) => k.weight);

/**
 * The CRM versions of one account: creation (for the initial load, the migration at midnight of
 * the founding day), then changes at geometric gaps.
 */
function profileVersions(rules: Rules, c: Customer, horizon: number): CustomerVersion[] {
  const s = rules.seed;
  const [day0, sec0] = c.isInitial ? [rules.company.founded, 0] : [c.signupDay, c.signupSec];
  const out: CustomerVersion[] = [{
    n: c.n, version: 0, day: day0, sec: sec0, change: 'create', companyIdx: c.companyIdx,
    emailUser: 0, country: c.country, currency: c.currency, employees: c.employees,
  }];
  const rate = rules.company.profile_change_rate;
  if (rate <= 0) return out;
  let day = day0;
  // a person edits the profile in the business hours of the account's country (its first one)
  const offset = utcOffsetSec(c.country);
  for (let v = 1; ; v++) {
    day += 1 + Math.floor(-Math.log(1 - uniform(s, Field.versionDay, c.n, v)) / rate);
    if (day > horizon) break;
    const prev = out[out.length - 1];
    const kind = PROFILE_CHANGES[weightedIndex(profileChangeWeights, uniform(s, Field.versionKind, c.n, v))].kind;
    // an object literal, not a spread of the version before (see lifecycle)
    const next: CustomerVersion = {
      n: prev.n, version: v, day, sec: secondOfDay(pick(TIME_DRAW, s, Field.versionDay, c.n, v, 1), offset), change: kind,
      companyIdx: prev.companyIdx, emailUser: prev.emailUser, country: prev.country, currency: prev.currency, employees: prev.employees,
    };
    if (kind === 'email') next.emailUser = prev.emailUser + 1;
    if (kind === 'country') {
      // a move is to another country: the one it leaves is not drawn (a sixth of moves stayed put)
      const ci = weightedIndex(movingFrom.get(prev.country)!, uniform(s, Field.country, c.n, v));
      next.country = COUNTRIES[ci].code;
      next.currency = COUNTRIES[ci].currency;
    }
    if (kind === 'rename') next.companyIdx = pick(4096, s, Field.company, c.n, v);
    if (kind === 'size') next.employees = Math.max(1, Math.round(prev.employees * (0.8 + 0.6 * uniform(s, Field.size, c.n, v))));
    out.push(next);
  }
  return out;
}

/** Price of a plan in its currency for one period. */
function planPrice(tier: number, period: 'monthly' | 'annual', factor: number): number {
  const monthly = PLAN_TIERS[tier].monthlyUsd * factor;
  return Math.round((period === 'annual' ? monthly * 10 : monthly) * 100) / 100;
}

/**
 * Accounts that exist all through day `day`, and so may buy, open tickets and use the product at
 * any time of it: those signed up before it, and on the founding day the initial load (migrated
 * in at midnight). Accounts signing up during the day act only in their own signup events.
 */
export function poolOn(world: Pick<World, 'cumulative'>, founded: number, day: number): number {
  return day <= founded ? world.cumulative[0] : world.cumulative[day - founded - 1];
}

/**
 * The share of the monthly churn rate an annual plan churns at each month, compounded over its
 * 12 months at its renewal: a customer who commits for a year is the likelier to stay (at 5% a
 * month, 18% of annual plans end at their renewal; at the full rate 46% would).
 */
export const ANNUAL_CHURN_SHARE = 1 / 3;

/** A monthly rate compounded over a billing period of `months`. */
function perPeriod(monthly: number, months: number): number {
  return 1 - Math.pow(1 - monthly, months);
}

/**
 * One account's subscription lifecycle: a trial, then (if it converts) paid periods with churn,
 * upgrades and downgrades decided at each renewal (an annual plan's chances are the monthly rates
 * compounded over 12 months, its churn's a third of them: ANNUAL_CHURN_SHARE), and reactivations as new subscriptions without a trial. Every change
 * of a subscription happens at the second of the day it started (its billing anchor), and each
 * period's invoice a few minutes after that period's change, but for dunning's: an invoice whose
 * charge is declined makes the subscription past_due at its time, active again when a retry or a
 * card update pays it (a new card from then on: cards.ts), or canceled when the last retry fails (declines.ts; an
 * invoice is declined expired_card only when the card on file expired since the charge before). An account of the initial load that
 * was paying (as many as trials convert) is migrated in with its subscription: active, started
 * when it signed up, no trial, its first row at the migration and its first invoice at its next
 * renewal; the others have none.
 */
function lifecycle(rules: Rules, c: Customer, horizon: number, first: Card, changes: SubscriptionChange[], invoices: Invoice[], cards: Card[]): void {
  const s = rules.seed;
  const r = rules.company;
  const billingCcy = PLAN_CURRENCIES.find((p) => p.currency === c.currency) ?? PLAN_CURRENCIES[0];
  let k = 0; // subscription number of this account
  let start = c.signupDay;
  let startSec = c.signupSec;
  const migrated = c.isInitial;
  if (migrated && !c.converts) return;
  // the card on file: the account's first (`first`), until it updates it (cards.ts), in its business hours
  let card = first;
  const offset = utcOffsetSec(c.country);
  while (start <= horizon) {
    const subId = `sub_${String(c.n).padStart(7, '0')}_${k}`;
    const trialEnd = start + r.trial_days;
    let seq = 0;
    let tier = weightedIndex([50, 35, 15], uniform(s, Field.plan, c.n, k));
    const period: 'monthly' | 'annual' = uniform(s, Field.billing, c.n, k) < 0.25 ? 'annual' : 'monthly';
    const plan = () => planId(PLAN_TIERS[tier].tier, period, billingCcy.currency);
    // a reactivated or migrated subscription has no trial
    const trialing = k === 0 && !migrated;
    // an object literal, not a spread of shared fields: spreading took about half of buildWorld
    const push = (day: number, status: SubscriptionChange['status'], canceledDay: number | null, sec = startSec) => changes.push({
      subscriptionId: subId, n: c.n, day, sec, seq: seq++, status, planId: plan(), period,
      startedDay: start, startedSec: startSec, trialEndDay: trialing ? trialEnd : null, canceledDay,
    });
    const periodDays = period === 'annual' ? 365 : 30;
    let day = start;
    if (k === 0 && migrated) {
      // the migration's row, then the first renewal on or after the founding day
      const founded = r.founded;
      push(founded, 'active', null, 0);
      day = start + Math.ceil((founded - start) / periodDays) * periodDays;
      if (day === founded && startSec === 0) day += periodDays; // not at the migration's own second
    } else if (trialing) {
      push(start, 'trialing', null);
      if (!c.converts) {
        if (trialEnd <= horizon) push(trialEnd, 'expired', trialEnd);
        return;
      }
      day = trialEnd;
      if (day > horizon) return;
    }
    if (!(k === 0 && migrated)) push(day, 'active', null);
    const months = period === 'annual' ? 12 : 1;
    const churn = perPeriod(period === 'annual' ? r.monthly_churn * ANNUAL_CHURN_SHARE : r.monthly_churn, months);
    // an upgrade and a downgrade exclude each other: their chances share one draw, scaled down
    // when together above 1
    const up = perPeriod(r.upgrade_rate, months);
    const down = perPeriod(r.downgrade_rate, months);
    const shrink = Math.max(1, up + down);
    let canceled = false;
    // the day the subscription's card was last charged
    let charged: number | null = null;
    for (let p = 0; day <= horizon; p++) {
      // a renewal: it may churn, upgrade or downgrade. Every day after the first invoice is one,
      // and so is a migrated subscription's first day in the world, which renews a subscription
      // paid for since before the founding (draw -1: the others keep the draws they had)
      if (p > 0 || (k === 0 && migrated)) {
        const draw = p - 1;
        if (uniform(s, Field.lifecycleKind, c.n, k, draw) < churn) {
          push(day, 'canceled', day);
          canceled = true;
          break;
        }
        const v = uniform(s, Field.lifecycleKind, c.n, k, draw, 1) * shrink;
        if (v < up) {
          if (tier < PLAN_TIERS.length - 1) {
            tier++;
            push(day, 'active', null);
          }
        } else if (v < up + down && tier > 0) {
          tier--;
          push(day, 'active', null);
        }
      }
      const price = planPrice(tier, period, billingCcy.factor);
      const sec = Math.min(86_399, startSec + 60 + pick(600, s, Field.lifecycleGap, c.n, k, p));
      // the card on file was charged last when the invoice before was paid, or entered at the
      // subscription's start (a migrated one's first invoice had one before it, a period before,
      // in the system it came from)
      const before = charged ?? (k === 0 && migrated ? day - periodDays : start);
      const dun = invoiceDunning(s, c.n, k, p, day, sec, cardExpiry(card, monthOf(before)) < monthOf(day), offset);
      if (dun.paidDay !== null) charged = dun.paidDay;
      if (dun.failureCode === FAILURE_CODES[EXPIRED_CARD] && dun.paidDay !== null) {
        card = updatedCard(s, card, dun.paidDay, dun.paidSec!);
        cards.push(card);
      }
      invoices.push({
        invoiceId: `in_${String(c.n).padStart(7, '0')}_${k}_${p}`, subscriptionId: subId, n: c.n, day, sec, planId: plan(), amount: price,
        currency: billingCcy.currency, failureCode: dun.failureCode, declines: dun.declines, paidDay: dun.paidDay, paidSec: dun.paidSec,
      });
      if (dun.declines > 0) {
        // dunning: past due from the first decline, active again once paid; unpaid when the last
        // retry fails, the subscription is canceled then (involuntary churn), with no later invoice
        push(day, 'past_due', null, sec);
        if (dun.paidDay === null) {
          day += DUNNING_DAYS;
          if (day <= horizon) push(day, 'canceled', day, sec);
          canceled = true;
          break;
        }
        if (dun.paidDay <= horizon) push(dun.paidDay, 'active', null, dun.paidSec!);
      }
      day += periodDays;
    }
    if (!canceled || uniform(s, Field.reactivate, c.n, k) >= r.reactivation_rate) return;
    start = day + 10 + pick(50, s, Field.lifecycleGap, c.n, k);
    startSec = secondOfDay(pick(TIME_DRAW, s, Field.signupSecond, c.n, k + 1), offset);
    k++;
  }
}
