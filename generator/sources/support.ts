/**
 * support/tickets (Parquet) and marketing/ad_spend (CSV). Tickets are opened by customers
 * (the same Zipf skew as orders) and written once when opened and once when solved (the first
 * response, which comes before the solve, shows in the solved row); the more urgent a ticket, the
 * sooner it is answered and solved. Ad spend is one row per day,
 * paid channel and campaign, campaign c spending 1 / (1 + c) of campaign 0 (and bringing signups
 * in that proportion: see world.ts), its clicks and impressions at the channel's prices and rates;
 * restatements show up as conflicting updates.
 */
import { CHANNELS } from '../catalog.js';
import { arrives, dateOf, dayFactor, F, firstEventDay, flag, flags, joinZipfCustomer, lagDays, oneOf, orphanCustomerId, ri, type SqlContext, tsOf, u, zeroPad } from '../sqlRandom.js';
import { secondOfDaySql, TIME_DRAW } from '../timeOfDay.js';
import type { SourceDef } from './source.js';

function lookbackFrom(ctx: SqlContext, extra: number): number {
  return firstEventDay(ctx, ctx.rules.arrival.max_lag_days + extra);
}

/** A low ticket's first response comes 5 minutes plus up to this many more after it opens. */
const RESPOND_MINUTES = 2880;
/** A low ticket is solved 1 hour plus up to this many more after its first response. */
const SOLVE_HOURS = 240;
/**
 * The most UTC days a ticket's solve comes after the day it opened: opened at the day's last
 * second, answered and solved the slowest (some 13). A day alone looks back this far (and the
 * arrival lag): a ticket solved in the day, or arriving in it, has its open row drawn.
 */
const TICKET_DAYS = Math.floor((86_399 + 60 * (5 + RESPOND_MINUTES) + 3600 * (1 + SOLVE_HOURS)) / 86_400);

/** The priorities a ticket's is drawn from, uniformly: low 30%, normal 50%, high 15%, urgent 5%. */
export const PRIORITY_DRAW: readonly string[] = [...Array(6).fill('low'), ...Array(10).fill('normal'), ...Array(3).fill('high'), 'urgent'];

export const tickets: SourceDef = {
  name: 'support/tickets',
  description: 'Support tickets: a row when opened and a row when solved, with first response and priority.',
  defects: ['late_arrival', 'null_required', 'orphan_fk', 'invalid_code', 'future_timestamp'],
  records(ctx) {
    const r = ctx.rules;
    const lo = lookbackFrom(ctx, TICKET_DAYS);
    const ticketId = `'tkt_' || strftime(date '1970-01-01' + day, '%y%m%d') || '_' || ${zeroPad('i', 5)}`;
    return `with days as (select d::integer as day from range(${lo}, ${ctx.to + 1}) t(d)),
      t as (select day, unnest(range(round(${r.volume.tickets_per_day * ctx.scale} * ${dayFactor(ctx, 'day', 8)})::bigint)) as i from days),
      opened as (select t.day, t.i, hash(${r.seed}, 8, t.day, t.i) as k, c.customer_id, c.utc_offset from t
        ${joinZipfCustomer(ctx, 't', `hash(${r.seed}, 8, t.day, t.i)`)}),
      prioritized as (select *, ${oneOf('k', F.priority, PRIORITY_DRAW)} as priority_clean,
          -- the more urgent, the sooner answered and solved: urgent in a tenth of a low ticket's time
          case priority_clean when 'urgent' then 0.1 when 'high' then 0.3 when 'normal' then 0.6 else 1.0 end as pace from opened),
      -- opened in the business hours of the opener's country (timeOfDay.ts)
      timed as (select *, ${ri('k', F.sec, TIME_DRAW)} as tod from prioritized),
      timing as (select *, ${secondOfDaySql('tod', 'utc_offset')} as open_sec,
          60 * (5 + floor(pace * pow(${u('k', F.respond)}, 2) * ${RESPOND_MINUTES}))::bigint as response_s,
          response_s + 3600 * (1 + floor(pace * pow(${u('k', F.solve)}, 2) * ${SOLVE_HOURS}))::bigint as solve_s from timed),
      ev as (
        select *, 0 as step, 'open' as status_clean, day as ev_day, open_sec as ev_sec, hash(k, 0) as tk from timing
        union all
        select *, 1, 'solved', day + (open_sec + solve_s) // 86400, (open_sec + solve_s) % 86400, hash(k, 1) from timing),
      flagged as (select *,
          ${flags(ctx, 'tk', ['late_arrival', 'null_required'])},
          ${flag(ctx, 'orphan_fk', 'k')} as d_orphan_fk,
          ${flags(ctx, 'tk', ['invalid_code', 'future_timestamp'])},
          ev_day + ${lagDays(ctx, 'tk', flag(ctx, 'late_arrival', 'tk'))} as arrival
        from ev where ev_day >= ${lo})
      select ${dateOf('arrival')} as dt, (ev_day::hugeint * 86400 + ev_sec) * 1048576 + i * 2 + step as seq,
        ${ticketId} || ':' || status_clean as rkey,
        d_late_arrival, d_null_required, d_orphan_fk, d_invalid_code, d_future_timestamp,
        ${ticketId} as ticket_id,
        case when d_orphan_fk then ${orphanCustomerId('k', F.orphan + 1)} else customer_id end as customer_id,
        case when d_invalid_code then upper(status_clean) else status_clean end as status,
        case when d_null_required then null else priority_clean end as priority,
        ${oneOf('k', F.channel, ['email', 'chat', 'chat', 'phone', 'web'])} as channel,
        (select text from w_text where kind = 'subject' and idx = ${ri('k', F.which, 256)}) as subject,
        ${tsOf('day', 'open_sec')} as opened_at,
        case when step = 1 then ${tsOf('day', 'open_sec')} + to_seconds(response_s) end as first_response_at,
        case when step = 1 then ${tsOf('day', 'open_sec')} + to_seconds(solve_s) end as solved_at,
        case when d_future_timestamp then ${tsOf('arrival + 1 + ' + ri('tk', F.futureDays, 20), 'ev_sec')} else ${tsOf('ev_day', 'ev_sec')} end as updated_at
      from flagged where ${arrives(ctx, 'arrival')}`;
  },
  variants() {
    return [{ columns: ['ticket_id', 'customer_id', 'status', 'priority', 'channel', 'subject', 'opened_at', 'first_response_at', 'solved_at', 'updated_at'] }];
  },
};

const PAID = CHANNELS.filter((c) => c.paid);

/**
 * What a paid channel's clicks cost (in the row's currency) and the share of its impressions that
 * are clicked, as ranges a day's row draws from: B2B search clicks cost dollars, LinkedIn's most;
 * display is the cheapest per click and the least clicked.
 */
export const AD_PRICES: Readonly<Record<string, { cpc: [number, number]; ctr: [number, number]; currency: string }>> = {
  paid_search: { cpc: [2.5, 4.5], ctr: [0.03, 0.06], currency: 'USD' },
  paid_social: { cpc: [0.8, 1.6], ctr: [0.008, 0.015], currency: 'USD' },
  linkedin_ads: { cpc: [5, 9], ctr: [0.004, 0.008], currency: 'EUR' },
  display: { cpc: [0.6, 1.2], ctr: [0.001, 0.003], currency: 'USD' },
};

/**
 * SQL of the ad rows of the days [lo, hi], one per day, paid channel and campaign: day, ci (the
 * channel's index among the paid ones), channel, currency, campaign, k (record key), spend_raw,
 * clicks and impressions. Campaign c spends 1 / (1 + c) of campaign 0. The product events read
 * the clicks too: each is a visit (see events.ts).
 */
export function adRows(ctx: SqlContext, lo: number, hi: number): string {
  const r = ctx.rules;
  const channels = PAID.map((c, i) => {
    const p = AD_PRICES[c.id];
    if (!p) throw new Error(`internal: no ad prices for the paid channel ${c.id}`);
    return `select ${i} as ci, '${c.id}' as channel, '${p.currency}' as currency, ${p.cpc[0]} as cpc_lo, ${p.cpc[1]} as cpc_hi, ${p.ctr[0]} as ctr_lo, ${p.ctr[1]} as ctr_hi`;
  }).join(' union all ');
  return `(with base as (
      select d::integer as day, ch.*, camp::integer as campaign, hash(${r.seed}, 10, d, ch.ci, camp) as k
      from range(${lo}, ${hi + 1}) t(d), (${channels}) ch, range(${r.volume.campaigns_per_channel}) c(camp)),
    spent as (select *, ${dayFactor(ctx, 'day', 10)} * (0.6 + 0.8 * ${u('k', F.spend)}) * ${300 * ctx.scale} / (1 + campaign) as spend_raw from base),
    clicked as (select *, round(spend_raw / (cpc_lo + (cpc_hi - cpc_lo) * ${u('k', F.spend + 1)}))::bigint as clicks from spent)
    select day, ci, channel, currency, campaign, k, spend_raw, clicks,
      round(clicks / (ctr_lo + (ctr_hi - ctr_lo) * ${u('k', F.spend + 2)}))::bigint as impressions
    from clicked)`;
}

export const adSpend: SourceDef = {
  name: 'marketing/ad_spend',
  description: 'Daily ad spend, impressions and clicks per paid channel and campaign.',
  defects: ['late_arrival', 'conflicting_update', 'null_required', 'invalid_code'],
  records(ctx) {
    return `with flagged as (select *, ${flags(ctx, 'k', ['late_arrival', 'conflicting_update', 'null_required', 'invalid_code'])}
        from ${adRows(ctx, lookbackFrom(ctx, 0), ctx.to)}),
      rows as (select * replace (false as d_conflicting_update), 0 as variant from flagged
        -- a restatement reports 10% more of everything (at least one more click and impression,
        -- so that it differs when its spend is null)
        union all select * replace (spend_raw * 1.1 as spend_raw, clicks + greatest(1, round(clicks * 0.1))::bigint as clicks,
          impressions + greatest(1, round(impressions * 0.1))::bigint as impressions), 1 from flagged where d_conflicting_update)
      select ${dateOf(`day + ${lagDays(ctx, 'k', 'd_late_arrival')}`)} as dt, day::bigint * 10000 + ci * 100 + campaign * 2 + variant as seq,
        channel || '_' || campaign || '@' || strftime(date '1970-01-01' + day, '%Y-%m-%d') as rkey,
        d_late_arrival, d_conflicting_update, d_null_required, d_invalid_code,
        (date '1970-01-01' + day) as spend_date, channel, channel || '_' || campaign as campaign_id,
        upper(channel[1]) || replace(channel[2:], '_', ' ') || ' campaign ' || (campaign + 1) as campaign_name,
        impressions, clicks,
        case when d_null_required then null else round(spend_raw, 2)::decimal(12, 2) end as spend,
        case when d_invalid_code then lower(currency) else currency end as currency
      from rows where ${arrives(ctx, `day + ${lagDays(ctx, 'k', 'd_late_arrival')}`)}`;
  },
  variants() {
    return [{ columns: ['spend_date', 'channel', 'campaign_id', 'campaign_name', 'impressions', 'clicks', 'spend', 'currency'] }];
  },
};
