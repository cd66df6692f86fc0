/**
 * product/events (JSON lines): web and app analytics. Anonymous page views (with UTM touches
 * before an account signs up), signups linking the anonymous id to the account, activation steps
 * (a funnel: fewer accounts reach each step), feature use, and a checkout event per order. An
 * account's events carry its device's anonymous id, the one of its touches and signup. Free-text
 * `note` properties sometimes carry PII.
 */
import { arrives, dateOf, dayFactor, F, firstEventDay, flag, flags, hexId, lagDays, mixedTs, oneOf, orphanCustomerId, ri, tsOf, u, zipfRank } from '../sqlRandom.js';
import { CHANNELS } from '../catalog.js';
import type { SourceDef } from './source.js';

const PAGES = ['/', '/pricing', '/docs', '/blog', '/marketplace', '/features', '/app/dashboard', '/app/reports', '/app/settings'];
const FEATURES = ['dashboards', 'reports', 'exports', 'alerts', 'api', 'sso', 'integrations'];

/** SQL case mapping a channel id to one of its UTM fields. */
function utm(field: 'utmSource' | 'utmMedium', col: string): string {
  return `case ${col} ${CHANNELS.map((c) => `when '${c.id}' then '${c[field]}'`).join(' ')} end`;
}

export const events: SourceDef = {
  name: 'product/events',
  readsOrders: true,
  uniqueSeq: true,
  description: 'Product analytics events with a JSON properties object (UTM touches, signups, activation, checkout).',
  defects: ['late_arrival', 'null_required', 'orphan_fk', 'invalid_code', 'pii_in_json', 'mixed_timestamp', 'future_timestamp'],
  records(ctx) {
    const r = ctx.rules;
    const s = r.seed;
    const lo = firstEventDay(ctx, r.arrival.max_lag_days);
    const base = r.volume.events_per_day * ctx.scale;
    // an account's device: its anonymous id before signup (touches), at signup and after it
    const deviceOf = (n: string) => `'anon_c' || lower(hex(hash(${s}, ${n}) % 4294967296))`;
    const anonymous = `${u('b.k', F.kind)} < 0.6`;
    return `with days as (select d::integer as day from range(${lo}, ${ctx.to + 1}) t(d)),
      bg as (select day, unnest(range(round(${base} * ${dayFactor(ctx, 'day', 6)})::bigint)) as i from days),
      background as (
        select bg.day, hash(${s}, 6, bg.day, bg.i) as k, bg.i as ord from bg),
      bgrows as (
        select b.day, ${ri('b.k', F.sec, 86400)} as sec, b.k, b.ord,
          case when ${anonymous} then null else c.customer_id end as account_id,
          case when ${anonymous} then 'anon_' || lower(hex(${ri('b.k', F.anon, 4_000_000_000)})) else ${deviceOf('c.n')} end as anonymous_id,
          case when ${anonymous} or ${u('b.k', F.kind + 1)} < 0.5 then 'page_view' else 'feature_used' end as event_type,
          ${oneOf('b.k', F.page, PAGES)} as page, null::varchar as channel, null::integer as campaign,
          case when ${anonymous} or ${u('b.k', F.kind + 1)} < 0.5 then null else ${oneOf('b.k', F.page + 1, FEATURES)} end as feature,
          null::integer as step, null::varchar as order_id, null::double as amount
        from background b join w_pool on w_pool.day = b.day
        join w_customers c on c.n = ${zipfRank(ctx, 'b.k', 'w_pool.customers')}),
      newbies as (select * from w_customers where not is_initial and signup_day between ${lo - 14} and ${ctx.to + 14}),
      touch_at as (
        select c.*, t, c.signup_day::bigint * 86400 + c.signup_sec - 60 - ${ri('hash(c.n, t)', F.touchDay, 14 * 86400 - 60)} as abs_sec
        from newbies c, (select unnest(range(1 + ${ri('hash(c.n)', F.touches, 3)}::integer)) as t)),
      touches as (
        select (abs_sec // 86400)::integer as day, (abs_sec % 86400)::integer as sec,
          hash(${s}, 7, c.n, t) as k, 268435456 + c.n * 8 + t as ord, null as account_id,
          ${deviceOf('c.n')} as anonymous_id, 'page_view' as event_type,
          ${oneOf('hash(c.n, t)', F.page, ['/', '/pricing', '/features', '/blog'])} as page, c.channel, c.campaign, null as feature, null as step, null as order_id, null as amount
        from touch_at c),
      signups as (
        select signup_day as day, signup_sec as sec, hash(${s}, 8, n) as k, 536870912 + n as ord, customer_id,
          ${deviceOf('n')}, 'signed_up', '/signup', channel, campaign, null, null, null, null
        from newbies),
      activation as (
        select c.signup_day + st * ${ri('hash(c.n)', F.activation + 1, 3)}::integer as day, least(c.signup_sec + 600 * st, 86399) as sec,
          hash(${s}, 9, c.n, st), 805306368 + c.n * 4 + st, c.customer_id, ${deviceOf('c.n')},
          'activation_step_completed', '/app/onboarding', null, null, null, st::integer, null, null
        from newbies c, (select unnest(range(1, 4)) as st) where ${u('hash(c.n)', F.activation)} < case st when 1 then 0.6 when 2 then 0.45 else 0.35 end),
      checkout as (
        select day, sec, hash(k, 9), 1073741824 + i, customer_id, ${deviceOf('n')},
          'checkout_completed', '/marketplace/checkout', null, null, null, null, order_id, total
        from u_orders where not is_cancelled and day >= ${lo}),
      allev as (select * from bgrows union all select * from touches union all select * from signups
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
        ${hexId(`'ses_'`, 'hash(anonymous_id, day, sec // 1800)')} as session_id,
        page,
        case when channel is null then null else ${utm('utmSource', 'channel')} end as utm_source,
        case when channel is null then null else ${utm('utmMedium', 'channel')} end as utm_medium,
        case when campaign is null then null else channel || '_' || campaign end as utm_campaign,
        feature, step, order_id, amount::decimal(14, 2) as amount,
        case when not d_pii_in_json then null
          when ${ri('k', F.piiKind, 2)} = 0 then 'please contact me at ' || coalesce(lower(account_id), 'visitor' || ${ri('k', F.piiKind + 1, 999)}) || '@' || ${oneOf('k', F.piiKind + 2, ['gmail.com', 'outlook.com', 'acme.io'])} || ' about billing'
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
