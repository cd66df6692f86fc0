/**
 * product/events (JSON lines): web and app analytics, in sessions of several events. Visitors
 * browse the public site anonymously; accounts use the app (page views and feature use) on the
 * days they trial or subscribe (access.ts), visit the public site on the others, and visit the
 * marketplace, open to every registered account, where a web or app order (a cancelled one too: it was placed first) is a session
 * that enters the marketplace (its front page or search), views the cart, then checks out (at the
 * second its charge succeeds: after a declined one, the buyer's retry; an API order has no
 * session; an order whose every charge was declined views the checkout page and does not complete
 * it). Most marketplace sessions only browse (BROWSE_PER_ORDER): search results and listings, and
 * for a few the cart. So each step of the funnel has fewer sessions than the one before.
 * Signups link the anonymous id of the account's device, the one of its UTM touches before signup
 * (in the business hours of the account's country, as its other acts: timeOfDay.ts), to the account; activation steps are a funnel (fewer accounts reach
 * each step, more of those whose trial converts). An account's events carry its device's anonymous id; the events of one session share
 * its session id. Free-text `note` properties sometimes carry PII.
 */
import { arrives, dateOf, dayFactor, F, firstEventDay, flag, flags, hexId, joinZipfCustomer, lagDays, mixedTs, oneOf, orphanCustomerId, ri, type SqlContext, tsOf, u } from '../sqlRandom.js';
import { CHANNELS } from '../catalog.js';
import { ORDER_RETRIES, orderAttemptSecSql } from '../declines.js';
import { secondOfDaySql, TIME_DRAW, VISITOR_OFFSETS } from '../timeOfDay.js';
import { salesChannel } from './shop.js';
import { universeOrders } from './orderUniverse.js';
import { adRows } from './support.js';
import type { SourceDef } from './source.js';

/**
 * Anonymous ids are drawn from this many (2^48): of the default dataset's 162,559 ids (visitors and
 * accounts' devices), two share one in about one dataset in 20,000; at --scale 10, one in 200.
 */
export const ANON_IDS = 2 ** 48;

/**
 * SQL of an anonymous id, `anon_` and the number `x` (below ANON_IDS) in 12 hex digits: visitors'
 * and accounts' devices alike, so that an id's shape does not tell an account's device.
 */
function anonymousId(x: string): string {
  return `'anon_' || lpad(lower(hex(${x})), 12, '0')`;
}

/** Pages of the public site, which anonymous visitors browse. */
export const SITE_PAGES = ['/', '/pricing', '/features', '/docs', '/blog', '/marketplace'];
/** Pages of the app, where accounts view and use features. */
export const APP_PAGES = ['/app/dashboard', '/app/reports', '/app/settings'];
export const FEATURES = ['dashboards', 'reports', 'exports', 'alerts', 'api', 'sso', 'integrations'];

/**
 * SQL of a session's start, a second of the UTC day from its time-of-day draw `tod` (a column) by
 * an account `offsetSec` ahead of UTC: secondOfDay scaled into the day's first 85,500 seconds
 * (× 95/96), so that its events, up to 15 minutes apart, stay in its day. The AssemblyScript's
 * sessionStart is the same.
 */
function sessionStart(tod: string, offsetSec: string): string {
  return `(${secondOfDaySql(tod, offsetSec)}) * 95 // 96`;
}

/** Background sessions last 1..7 events, so there are a quarter as many as `events_per_day`. */
export const SESSION_EVENTS = 7;
/**
 * SQL of the background (site and app) sessions of day `day` (an expression): a quarter of the
 * rules' events_per_day at the scale, times the day's factor. Read by the SQL, the WebAssembly's
 * counts (eventsWriter.ts) and the check of a day's counts (generate.ts) alike.
 */
export function backgroundSessionsSql(ctx: SqlContext, day: string): string {
  return `round(${(ctx.rules.volume.events_per_day * ctx.scale) / ((SESSION_EVENTS + 1) / 2)} * ${dayFactor(ctx, day, 6)})`;
}
/**
 * Marketplace sessions that buy nothing, per order of the day: each enters the marketplace (its
 * front page or search), views some more of its pages (BROWSE_VIEWS) and, for some
 * (CART_ABANDONED), the cart, and leaves. With the web and app orders' sessions (entry, cart, then
 * checkout), about one in six of the sessions that visit the marketplace buys, and some two in
 * five of those that view the cart, as B2B marketplaces convert.
 */
export const BROWSE_PER_ORDER = 4;

/** SQL of the marketplace browsing sessions of day `day` (an expression): BROWSE_PER_ORDER per order, on the orders' day factor. */
export function browseSessionsSql(ctx: SqlContext, day: string): string {
  return `round(${ctx.rules.volume.orders_per_day * ctx.scale * BROWSE_PER_ORDER} * ${dayFactor(ctx, day, 3)})`;
}
/** The share of those that view the cart (and leave it full). */
export const CART_ABANDONED = 0.22;
/**
 * The chance that a browsing session views at least 1, 2 and 3 more pages (BROWSE_PAGES) after its
 * entry: drawn by one uniform, each 0.3 of the one before (so seven in ten view the entry alone,
 * as most visits to a page bounce).
 */
export const BROWSE_VIEWS = [0.3, 0.09, 0.027] as const;
/** The marketplace's pages a browsing session views after its entry: search results and listings. */
export const BROWSE_PAGES = ['/marketplace/search', '/marketplace/listing'];
/** The most events of a browsing session (entry, further views, cart): the stride of its ordinals. */
export const BROWSE_EVENTS = 2 + BROWSE_VIEWS.length;

/** The share of ad clicks that land as a tagged page view (the rest leave before the tracker loads). */
export const CLICKS_LANDED = 0.9;
/** Pages ads and campaign links land on. */
export const LANDING_PAGES = ['/', '/pricing', '/features', '/blog'];
/** Where a marketplace session starts: its front page or its search. */
export const MARKETPLACE_ENTRY = ['/marketplace', '/marketplace/search'];
/**
 * The share of new accounts that complete activation steps 1, 2 and 3: of those whose trial
 * converts, and of the others (so that activated accounts convert more, as onboarding is meant to
 * make them).
 */
export const ACTIVATION_REACH = { converts: [0.85, 0.7, 0.55], other: [0.45, 0.3, 0.2] } as const;

/**
 * The longest wait, in seconds, before an activation step after the one before it (or the
 * signup), past ACTIVATION_MIN_WAIT: 5 minutes plus up to three days, skewed short (u^3: half
 * within 9 hours). The wait gives the step's day; its time of day is in business hours
 * (activationStepSql).
 */
export const ACTIVATION_WAIT = 3 * 86400;
/** The shortest wait, in seconds, of an activation step after the one before it (or the signup). */
export const ACTIVATION_MIN_WAIT = 300;

/**
 * SQL of the instant (seconds from 1970) of an activation step after the one before it at instant
 * `prev`, of its wait's uniform draw `x` and its time-of-day draw `tod` (in [0, TIME_DRAW)), for an
 * account in column utc_offset: its day is the one its wait (ACTIVATION_MIN_WAIT plus up to
 * ACTIVATION_WAIT, skewed short: x^3) ends on, its time of day in the account's business hours
 * (timeOfDay.ts); when that would not come ACTIVATION_MIN_WAIT after the step before, the next day
 * at that time (the person came back the next day). So every step follows the one before, and the
 * signup. assembly/events.ts's accounts() is the same.
 */
function activationStepSql(prev: string, x: string, tod: string): string {
  const wait = `${ACTIVATION_MIN_WAIT} + floor(${x} * ${x} * ${x} * ${ACTIVATION_WAIT})::bigint`;
  const at = `((${prev} + ${wait}) // 86400 * 86400 + ${secondOfDaySql(tod, 'utc_offset')})`;
  return `(${at} + case when ${at} < ${prev} + ${ACTIVATION_MIN_WAIT} then 86400 else 0 end)`;
}

/** The event types. */
export const EVENT_TYPE = { pageView: 'page_view', featureUsed: 'feature_used', checkout: 'checkout_completed', signedUp: 'signed_up', activationStep: 'activation_step_completed' } as const;
/** The pages that one kind of event alone is on. */
export const PAGE = { cart: '/marketplace/cart', checkout: '/marketplace/checkout', signup: '/signup', onboarding: '/app/onboarding' } as const;
/** Free-mail domains of the emails left in notes (pii_in_json). */
export const NOTE_DOMAINS = ['gmail.com', 'outlook.com', 'acme.io'];

/**
 * An account's touches are drawn in the seconds [signup - TOUCH_WINDOW - 60, signup - 60), or from
 * the founding day's first second on when that is later: the site did not exist before it. The
 * draw gives a touch its day; its time of day is the account's business hours (touchDaySql).
 */
export const TOUCH_WINDOW = 14 * 86400 - 60;

/**
 * How far, in days, a new account's own events reach from its signup day: its touches come up to
 * TOUCH_WINDOW + 60 seconds before the signup, its three activation steps each at most
 * ACTIVATION_MIN_WAIT + ACTIVATION_WAIT and a day (its time of day, or the next day's) after the one
 * before, some 12 days in all. The events of days [lo, to] are drawn from the signups of
 * [lo - SIGNUP_REACH_DAYS, to + SIGNUP_REACH_DAYS] (here and in assembly/events.ts's accounts()).
 */
export const SIGNUP_REACH_DAYS = 14;

/**
 * SQL of a touch's day and second (columns tday and tsec) from its drawn instant's day day0 (in its
 * window before the signup) and the second sec0 its time-of-day draw gives in the business hours
 * of the account's country: day0 at sec0, but when day0 is the signup's day and sec0 is not before
 * the signup (less 60 seconds), the day before at sec0 (the visitor came back the next day to sign
 * up). That day is never before the founding day: the founding day's accounts are the initial
 * load, which has no touches (newbies), so a signup with touches is on a later day. The
 * AssemblyScript's accounts() is the same.
 */
function touchDaySql(): string {
  return 'case when day0 = signup_day and sec0 > signup_sec - 60 then day0 - 1 else day0 end as tday, sec0 as tsec';
}

/** The share of an account's touches after its first that come through its signup's channel. */
export const OWN_CHANNEL_TOUCH = 0.5;

/**
 * Where each kind of event starts in `ord`, which orders the events of one second (below 2^31, the
 * factor of the second in `seq`): background [0, 2^28), then touches, signups, activation, checkout
 * sessions [2^30, 2^30 + 2^28) (i * 4 + step: 67 million orders a day), browsing [2^30 + 2^28,
 * 1.75 * 2^30) (i * BROWSE_EVENTS + j: 107 million sessions a day, at --scale 100 with the
 * built-in rules 134 times the founding weekday's 800,000 and 20 times the hot day's most), and ad
 * landings (numbered through the day).
 */
export const ORD = { touch: 268435456, signup: 536870912, activation: 805306368, checkout: 1073741824, browse: 1342177280, landing: 1879048192 } as const;

/**
 * SQL of the second of the day at which an order (of universeOrders' columns k, sec and declines)
 * completes its checkout: the second it is placed, or, when its first charge was declined and a
 * retry succeeded, that retry's (cut at the day's last second, as processor/payments' charge is).
 * An unpaid order's checkout, never completed, is viewed at the second it is placed.
 */
export function checkoutSecSql(): string {
  return `case when declines between 1 and ${ORDER_RETRIES} then least(${orderAttemptSecSql('k', 'sec', 'declines')}, 86399) else sec end`;
}

/** SQL: a channel id drawn by the channels' weights with the uniform draw `v` (a SQL expression). */
function weightedChannel(v: string): string {
  const total = CHANNELS.reduce((a, c) => a + c.weight, 0);
  let acc = 0;
  const whens = CHANNELS.slice(0, -1).map((c) => `when ${v} < ${(acc += c.weight) / total} then '${c.id}'`);
  return `case ${whens.join(' ')} else '${CHANNELS[CHANNELS.length - 1].id}' end`;
}

/** SQL case mapping a channel id to one of its UTM fields. */
function utm(field: 'utmSource' | 'utmMedium', col: string): string {
  return `case ${col} ${CHANNELS.map((c) => `when '${c.id}' then '${c[field]}'`).join(' ')} end`;
}

export const events: SourceDef = {
  name: 'product/events',
  readsOrders: true,
  uniqueSeq: true,
  description: 'Product analytics events in sessions, with a JSON properties object (UTM touches, signups, activation, marketplace, checkout).',
  defects: ['late_arrival', 'null_required', 'orphan_fk', 'invalid_code', 'pii_in_json', 'mixed_timestamp', 'future_timestamp'],
  records(ctx) {
    const r = ctx.rules;
    const s = r.seed;
    const lo = firstEventDay(ctx, r.arrival.max_lag_days);
    // an account's device: its anonymous id before signup (touches), at signup and after it; a
    // visitor's is drawn alike, from its session's or its landing's key
    const deviceOf = (n: string) => anonymousId(`hash(${s}, ${n}) % ${ANON_IDS}`);
    const visitorOf = (k: string) => anonymousId(ri(k, F.anon, ANON_IDS));
    // sessions numbered i through a day, each keyed by (salt, day, i), and the draw of their start
    // (tod: sessionStart makes it a second once the account, whose country's hours it follows, is
    // joined; a visitor's session too follows the account its key picks, so visitors come from the
    // accounts' countries)
    const sessionsOf = (numbered: string, salt: number) => `select day, i, k, ${ri('k', F.sec, TIME_DRAW)} as tod
        from (select *, hash(${s}, ${salt}, day, i) as k from ${numbered})`;
    // The events of the sessions of table `sessions` (j numbered by the unnest `j`; an event's key is
    // hash(k, j)), each with its session's account (k, the session's key, picks it) and start. The sessions of a
    // day before the batch, which the batch looks back over, have only their late events arriving in
    // it generated: those are picked before the account is joined, which is most of what a looked-back
    // day costs; the other sessions are joined before their events, of which there are some four times
    // as many.
    // With `access`, each session also has `app`: whether its account may use the app on its day
    // (w_access, access.ts; its windows do not overlap, so the left join keeps one row a session).
    const lookBack = lo < ctx.from;
    const sessionEvents = (sessions: string, j: string, access = false) => {
      const account = (alias: string) => `${joinZipfCustomer(ctx, alias, `${alias}.k`)}${access
        ? ` left join w_access a on a.n = c.n and ${alias}.day >= a.from_day and ${alias}.day < a.to_day` : ''}`;
      const joined = `x.*, c.customer_id, c.n, ${sessionStart('x.tod', 'c.utc_offset')} as start${access ? ', a.n is not null as app' : ''}`;
      const current = `select *, ${j} as j from (select ${joined} from ${sessions} x ${account('x')}${lookBack ? ` where x.day >= ${ctx.from}` : ''})`;
      if (!lookBack) return current;
      const arriving = `day + ${lagDays(ctx, 'hash(k, j)', flag(ctx, 'late_arrival', 'hash(k, j)'))} >= ${ctx.from}`;
      return `${current} union all by name
        select ${joined} from (select * from (select *, ${j} as j from ${sessions} where day < ${ctx.from}) where ${arriving}) x ${account('x')}`;
    };
    // every event: day, sec, k (record key), ord (orders the events of one second: background
    // [0, 2^28), touches, signups, activation, checkout sessions from 2^30 (i * 4 + step), browsing
    // from 1.25 * 2^30 (i * BROWSE_EVENTS + j), and ad landings from 1.75 * 2^30, numbered through the day: ORD),
    // ses (the absolute second that names its session), account_id, anonymous_id, event_type, page
    // and properties
    return `with days as (select d::integer as day from range(${lo}, ${ctx.to + 1}) t(d)),
      bg as (select day, unnest(range(${backgroundSessionsSql(ctx, 'day')}::bigint)) as i from days),
      sessions as (select *, ${u('k', F.kind)} < 0.6 as anon from (${sessionsOf('bg', 6)})),
      -- ek: the event's key; k, the session's, names a visitor. site: a visitor's session, or an
      -- account's on a day it may not use the app (its trial over, or churned), which visits the
      -- public site instead (under its device and account, which the tracker remembers)
      bgev as (select *, hash(k, j) as ek, anon or not app as site
        from (${sessionEvents('sessions', `unnest(range(1 + ${ri('k', F.len, SESSION_EVENTS)}))`, true)})),
      bgrows as (
        select day, start + j * 120 + ${ri('ek', F.sec, 100)} as sec, ek as k, i * 8 + j as ord, day::bigint * 86400 + start as ses,
          case when anon then null else customer_id end as account_id,
          case when anon then ${visitorOf('b.k')} else ${deviceOf('n')} end as anonymous_id,
          case when site or ${u('ek', F.type)} < 0.5 then '${EVENT_TYPE.pageView}' else '${EVENT_TYPE.featureUsed}' end as event_type,
          case when site then ${oneOf('ek', F.page, SITE_PAGES)} else ${oneOf('ek', F.page, APP_PAGES)} end as page,
          null::varchar as channel, null::integer as campaign,
          case when site or ${u('ek', F.type)} < 0.5 then null else ${oneOf('ek', F.feature, FEATURES)} end as feature,
          null::integer as step, null::varchar as order_id, null::double as amount
        from bgev b),
      br as (select day, unnest(range(${browseSessionsSql(ctx, 'day')}::bigint)) as i from days),
      -- a browsing session's further views (more: 0 to 3, by one draw v) and whether it views the cart
      browse as (select *, ${BROWSE_VIEWS.map((t) => `(v < ${t})::integer`).join(' + ')} as more, ${u('k', F.kind)} < ${CART_ABANDONED} as cart
        from (select *, ${u('k', F.len)} as v from (${sessionsOf('br', 10)}))),
      browserows as (
        select day, start + j * 120 + ${ri('hash(b.k, j)', F.sec, 100)}, hash(b.k, j), ${ORD.browse} + i * ${BROWSE_EVENTS} + j, day::bigint * 86400 + start,
          customer_id, ${deviceOf('n')}, '${EVENT_TYPE.pageView}',
          case when j = 0 then ${oneOf('b.k', F.page, MARKETPLACE_ENTRY)} when j <= more then ${oneOf('hash(b.k, j)', F.page, BROWSE_PAGES)} else '${PAGE.cart}' end,
          null, null, null, null, null, null
        from (${sessionEvents('browse', 'unnest(range(1 + more + cart::integer))')}) b),
      ads as (select *, coalesce(sum(landed) over (partition by day order by ci, campaign rows between unbounded preceding and 1 preceding), 0) as before
        from (select day, ci, channel, campaign, k, round(clicks * ${CLICKS_LANDED})::bigint as landed from ${adRows(ctx, lo, ctx.to)})),
      adj as (select *, unnest(range(landed)) as i from ads),
      -- lk: the landing's key; a visitor from an ad lands in the business hours of a country drawn as signups draw theirs
      adraw as (select *, ${ri('lk', F.sec, TIME_DRAW)} as tod, [${VISITOR_OFFSETS.join(', ')}][1 + ${ri('lk', F.zone, VISITOR_OFFSETS.length)}] as utc_offset
        from (select *, hash(k, i) as lk from adj)),
      adev as (select *, ${secondOfDaySql('tod', 'utc_offset')} as sec from adraw),
      landings as (
        select day, sec, lk, ${ORD.landing} + before + i, day::bigint * 86400 + sec, null, ${visitorOf('lk')},
          '${EVENT_TYPE.pageView}', ${oneOf('lk', F.page, LANDING_PAGES)}, channel, campaign, null, null, null, null
        from adev),
      newbies as (select * from w_customers where not is_initial and signup_day between ${lo - SIGNUP_REACH_DAYS} and ${ctx.to + SIGNUP_REACH_DAYS}),
      -- a touch's day is drawn in its window (TOUCH_WINDOW), its time of day in the business hours of
      -- the account's country (timeOfDay.ts); on the signup's day a time not before the signup (less
      -- 60 s) moves it to the day before (touchDaySql)
      touch_abs as (
        select c.*, t, c.signup_day::bigint * 86400 + c.signup_sec - 60 - ${ri('hash(c.n, t)', F.touchDay, `least(${TOUCH_WINDOW}, greatest(1, c.signup_day::bigint * 86400 + c.signup_sec - ${r.company.founded * 86400 + 59}))`)} as abs_sec,
          ${ri('hash(c.n, t)', F.sec, TIME_DRAW)} as tod
        from newbies c, (select unnest(range(1 + ${ri('hash(c.n)', F.touches, 3)}::integer)) as t)),
      touch_at as (select *, ${touchDaySql()} from (select *, (abs_sec // 86400)::integer as day0, ${secondOfDaySql('tod', 'utc_offset')} as sec0 from touch_abs)),
      -- touch 0 (at any of the touches' times) comes through the signup's own channel and campaign;
      -- each other touch half the time too, else through a channel drawn by the channels' weights (one
      -- of its campaigns, if paid):
      -- so first-touch, last-touch and linear attribution tell different stories
      touch_from as (
        select *, t > 0 and ${u('hash(c.n, t, 1)', F.channel)} < ${1 - OWN_CHANNEL_TOUCH} as elsewhere,
          case when elsewhere then ${weightedChannel(u('hash(c.n, t, 2)', F.channel))} else c.channel end as touch_channel,
          case when not elsewhere then c.campaign when touch_channel in (${CHANNELS.filter((x) => x.paid).map((x) => `'${x.id}'`).join(', ')})
            then ${ri('hash(c.n, t, 3)', F.channel, r.volume.campaigns_per_channel)}::integer end as touch_campaign
        from touch_at c),
      touches as (
        select tday, tsec, hash(${s}, 7, c.n, t), ${ORD.touch} + c.n * 8 + t, tday::bigint * 86400 + tsec, null,
          ${deviceOf('c.n')}, '${EVENT_TYPE.pageView}', ${oneOf('hash(c.n, t)', F.page, LANDING_PAGES)}, touch_channel, touch_campaign, null, null, null, null
        from touch_from c),
      signups as (
        select signup_day, signup_sec, hash(${s}, 8, n), ${ORD.signup} + n, signup_day::bigint * 86400 + signup_sec, customer_id,
          ${deviceOf('n')}, '${EVENT_TYPE.signedUp}', '${PAGE.signup}', channel, campaign, null, null, null, null
        from newbies),
      -- each step on the day a wait after the one before (or the signup) ends, at its own time of the
      -- account's business hours (activationStepSql): a0 the signup, a1..a3 the steps
      activation as (
        select day, sec, hash(${s}, 9, n, st), ${ORD.activation} + n * 4 + st, day::bigint * 86400 + sec, customer_id, ${deviceOf('n')},
          '${EVENT_TYPE.activationStep}', '${PAGE.onboarding}', null, null, null, st::integer, null, null
        from (select n, customer_id, st, (step_at // 86400)::integer as day, (step_at % 86400)::integer as sec from (
          select c.n, c.customer_id, st, case st when 1 then a1 when 2 then a2 else a3 end as step_at
          from (select *, signup_day::bigint * 86400 + signup_sec as a0, ${[1, 2, 3].map((st) => `${activationStepSql(`a${st - 1}`, `x${st}`, `tod${st}`)} as a${st}`).join(', ')}
            from (select *, ${[1, 2, 3].map((st) => `${u('hash(n)', F.activation + 100 + st)} as x${st}, ${ri('hash(n)', F.activation + 200 + st, TIME_DRAW)} as tod${st}`).join(', ')}
              from newbies)) c,
            (select unnest(range(1, 4)) as st)
          where ${u('hash(c.n)', F.activation)} < case when c.converts then [${ACTIVATION_REACH.converts.join(', ')}] else [${ACTIVATION_REACH.other.join(', ')}] end[st]))),
      buys as (
        select day, sec, k, i, customer_id, n, order_id, total, declines, is_unpaid, sec - ${ri('hash(k, 10)', F.sec, 'least(sec, 300) + 1')} as cart_sec, unnest([0, 1, 2]) as j
        from ${universeOrders(ctx)} where day >= ${lo} and ${salesChannel('k')} <> 'api'),
      checkout as (
        select day, case j when 0 then ${checkoutSecSql()} when 1 then cart_sec else cart_sec - ${ri('hash(k, 12)', F.sec, 'least(cart_sec, 600) + 1')} end,
          hash(k, 9 + j), ${ORD.checkout} + i * 4 + j, day::bigint * 86400 + sec,
          -- an unpaid order's checkout (every charge declined) is not completed: a view of its page
          customer_id, ${deviceOf('n')}, case when j = 0 and not is_unpaid then '${EVENT_TYPE.checkout}' else '${EVENT_TYPE.pageView}' end,
          case j when 0 then '${PAGE.checkout}' when 1 then '${PAGE.cart}' else ${oneOf('hash(k, 12)', F.page, MARKETPLACE_ENTRY)} end,
          null, null, null, null, case when j = 0 and not is_unpaid then order_id end, case when j = 0 and not is_unpaid then total end
        from buys),
      allev as (select * from bgrows union all select * from browserows union all select * from landings union all select * from touches union all select * from signups
        union all select * from activation union all select * from checkout),
      flagged as (select *,
          ${flags(ctx, 'k', ['late_arrival', 'null_required'])},
          ${flag(ctx, 'orphan_fk', 'k')} and account_id is not null as d_orphan_fk,
          ${flags(ctx, 'k', ['invalid_code', 'pii_in_json', 'mixed_timestamp', 'future_timestamp'])}
        from allev where day between ${lo} and ${ctx.to}),
      rows as (select *, day + ${lagDays(ctx, 'k', 'd_late_arrival')} as arrival from flagged)
      select ${dateOf('arrival')} as dt, (day::bigint * 86400 + sec) * 2147483648 + ord as seq,
        ${hexId(`'evt_'`, 'k')} as rkey,
        d_late_arrival, d_null_required, d_orphan_fk, d_invalid_code, d_pii_in_json, d_mixed_timestamp, d_future_timestamp,
        rkey as event_id,
        case when d_null_required then null when d_invalid_code then upper(event_type[1]) || event_type[2:] else event_type end as event_type,
        ${mixedTs(`case when d_future_timestamp then ${tsOf('arrival + 1 + ' + ri('k', F.futureDays, 20), 'sec')} else ${tsOf('day', 'sec')} end`, 'k', F.mixed, 'd_mixed_timestamp')} as occurred_at,
        anonymous_id,
        case when d_orphan_fk then ${orphanCustomerId('k', F.orphan + 1)} else account_id end as account_id,
        ${hexId(`'ses_'`, 'hash(anonymous_id, ses // 1800)')} as session_id,
        page,
        case when channel is null then null else ${utm('utmSource', 'channel')} end as utm_source,
        case when channel is null then null else ${utm('utmMedium', 'channel')} end as utm_medium,
        case when campaign is null then null else channel || '_' || campaign end as utm_campaign,
        feature, step, order_id, amount::decimal(14, 2) as amount,
        case when not d_pii_in_json then null
          when ${ri('k', F.piiKind, 2)} = 0 then 'please contact me at ' || coalesce(lower(account_id), 'visitor' || ${ri('k', F.piiKind + 1, 999)}) || '@' || ${oneOf('k', F.piiKind + 2, NOTE_DOMAINS)} || ' about billing'
          else 'call me back on +44 20 7946 ' || lpad(${ri('k', F.piiKind + 3, 10000)}::varchar, 4, '0') end as note
      from rows where ${arrives(ctx, 'arrival')}`;
  },
  variants(ctx) {
    const drift = ctx.rules.drift.events_property_renamed;
    const head = ['event_id', 'event_type', 'occurred_at', 'anonymous_id', 'account_id', 'session_id'];
    const props = (pageKey: string) =>
      `struct_pack(${pageKey} := page, utm_source := utm_source, utm_medium := utm_medium, utm_campaign := utm_campaign, feature := feature, step := step, order_id := order_id, amount := amount, note := note) as properties`;
    // the JSON line leaves out absent properties and an absent account, as trackers do: concat()
    // skips NULL arguments, and each optional piece is NULL when its value is
    const quoted = (key: string, expr: string) => `',"${key}":"' || ${expr} || '"'`;
    const bare = (key: string, expr: string) => `',"${key}":' || ${expr}`;
    const json = (pageKey: string) => `concat('{"event_id":"', event_id, '","event_type":', coalesce('"' || event_type || '"', 'null'),
      ',"occurred_at":"', occurred_at, '","anonymous_id":"', anonymous_id, '"', ${quoted('account_id', 'account_id')},
      ',"session_id":"', session_id, '","properties":{"${pageKey}":"', page, '"',
      ${quoted('utm_source', 'utm_source')}, ${quoted('utm_medium', 'utm_medium')}, ${quoted('utm_campaign', 'utm_campaign')},
      ${quoted('feature', 'feature')}, ${bare('step', 'step')}, ${quoted('order_id', 'order_id')},
      ${bare('amount', 'amount')}, ${bare('note', 'to_json(note)')}, '}}')`;
    return [
      { to: drift - 1, columns: [...head, props('page_path')], json: json('page_path') },
      { from: drift, columns: [...head, props('path')], json: json('path') },
    ];
  },
};
