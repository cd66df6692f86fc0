/**
 * The marketplace's orders as SQL: for each event day, a noisy count of orders, each bought by a
 * customer picked with a Zipf-like rank (rank = customers * u^k: the oldest accounts are the
 * heaviest buyers, so the top 1% place a large share), with 1..max items (fewer likelier). Orders, items,
 * payments, shipments and checkout events all derive from this one universe.
 */
import { CATEGORIES, minorDigitsSql, PRODUCTS, WAREHOUSE } from '../catalog.js';
import { ORDER_RETRIES, orderDeclinesSql } from '../declines.js';
import { chance, dayFactor, F, firstEventDay, ri, type SqlContext, u, zeroPad, zipfRank } from '../sqlRandom.js';
import { secondOfDaySql, TIME_DRAW } from '../timeOfDay.js';

/** Refunds come at most this many days after an order. */
export const REFUND_WITHIN_DAYS = 20;

/**
 * Whether the order with key `k` is cancelled: by the buyer after it was placed (its checkout
 * completed), before it was charged, so it has no payment and no shipment.
 */
function cancelled(k: string): string {
  return `${u(k, F.status)} < 0.04`;
}

/**
 * The chance that an order has another item after each one (up to max_items_per_order): a
 * truncated geometric count, most orders a single item (40%), a long tail (with 8 at most, a mean
 * of 2.5 and 2.8% of orders at the cap).
 */
export const ANOTHER_ITEM = 0.6;

/** The share of paid orders that are refunded (processor/payments). */
export const ORDER_REFUND = 0.02;

/** Whether the order with key `k` is refunded, if paid (processor/payments). */
export function refunded(k: string): string {
  return chance(k, F.refund, ORDER_REFUND);
}

/**
 * Fulfilment takes at most this many UTC days after an order's: ship + deliver, a day more for
 * each of the two when it falls on a Sunday (carriers move it to the Monday: see shop.ts), one when
 * the buyer's delivery morning would not come after the hub scan, and one for the UTC day after the
 * buyer's local delivery day (a buyer west of UTC is delivered into the UTC night). The ship day is
 * the warehouse's local one, which is not after the order's UTC day: the warehouse is west of UTC.
 */
function fulfilmentDays(ctx: SqlContext): number {
  if (WAREHOUSE.utcOffsetSec > 0) throw new Error('internal: fulfilmentDays assumes a warehouse west of UTC');
  return ctx.rules.fulfilment.ship_within_days + ctx.rules.fulfilment.deliver_within_days + 4;
}

/**
 * The first event day whose orders can still send a shipment or a late record into the batch
 * (fulfilment, then a late arrival); before it, only a refund can arrive.
 */
export function firstFulfilledDay(ctx: SqlContext): number {
  return firstEventDay(ctx, ctx.rules.arrival.max_lag_days + fulfilmentDays(ctx));
}

/**
 * The orders a day can have: shop/orders, order_items and shipments sort a day's records by `seq`,
 * which numbers an order (day * ORDER_SLOTS + i) and must be unique (generate.ts refuses a run with
 * a day of more).
 */
export const ORDER_SLOTS = 10_000_000;

/**
 * SQL of the orders of day `day` (an expression): the rules' orders_per_day at the scale, times the
 * day's factor. Read by the order universe and the check of a day's counts (generate.ts).
 */
export function ordersOfDaySql(ctx: SqlContext, day: string): string {
  return `round(${ctx.rules.volume.orders_per_day * ctx.scale} * ${dayFactor(ctx, day, 3)})`;
}

/**
 * Statement creating `u_pairs`: one row (day, i) per order with event day in [from - lookback, to].
 * Materialized apart from the orders: a statement whose source is ~130 days runs on one thread,
 * while a scan of the pairs runs on both.
 */
function orderPairs(ctx: SqlContext, lookback: number): string {
  const lo = firstEventDay(ctx, lookback);
  return `create or replace table u_pairs as
    with counts as (
      select d::integer as day, ${ordersOfDaySql(ctx, 'd::integer')}::bigint as cnt
      from range(${lo}, ${ctx.to + 1}) t(d)
    )
    select day, unnest(range(cnt)) as i from counts`;
}

/**
 * SQL of the orders of `u_pairs`: day, i, k (record key), order_id, n and customer_id (buyer),
 * currency, utc_offset (the buyer's offset from UTC, in seconds), sec (second of the UTC day, in the
 * buyer's business hours: timeOfDay.ts), item_count,
 * is_cancelled, declines (its declined charges: declines.ts's orderDeclinesSql, 0 for a cancelled
 * order) and is_unpaid (every charge attempt declined: never paid, no shipment, no completed checkout).
 */
function orders(ctx: SqlContext): string {
  const r = ctx.rules;
  // an order of a day before this can only send a refund into the batch (see orderUniverseStatements)
  const full = firstFulfilledDay(ctx);
  return `(with keyed as (
      select *, ${ri('k', F.sec, TIME_DRAW)} as tod from (select o.day, o.i, hash(${r.seed}, 3, o.day, o.i) as k, w_pool.customers as pool from u_pairs o join w_pool on w_pool.day = o.day)
      where day >= ${full} or (not ${cancelled('k')} and ${refunded('k')})
    )
    select keyed.day, keyed.i, keyed.k,
      'ord_' || strftime(date '1970-01-01' + keyed.day, '%y%m%d') || '_' || ${zeroPad('keyed.i', 6)} as order_id,
      c.n, c.customer_id, c.currency, c.utc_offset,
      ${secondOfDaySql('keyed.tod', 'c.utc_offset')} as sec,
      1 + least(${r.volume.max_items_per_order - 1}, floor(ln(1 - ${u('keyed.k', F.items)}) / ln(${ANOTHER_ITEM})))::integer as item_count,
      ${cancelled('keyed.k')} as is_cancelled,
      case when is_cancelled then 0 else ${orderDeclinesSql('keyed.k')} end as declines,
      declines > ${ORDER_RETRIES} as is_unpaid
    from keyed join w_customers c on c.n = ${zipfRank(ctx, 'keyed.k', 'keyed.pool')})`;
}

/** SQL list of the categories whose items ship (physical goods). */
function shippedCategories(): string {
  return CATEGORIES.filter((c) => c.shipped).map((c) => `'${c.id}'`).join(', ');
}

/**
 * The batch's table of orders, with `total`, the sum of its items, and `ships`, whether one of
 * its items is physical (see orderUniverseStatements).
 */
export function universeOrders(ctx: SqlContext): string {
  return `u_orders_${ctx.universe}`;
}

/** The batch's table of order items (see orderUniverseStatements). */
export function universeItems(ctx: SqlContext): string {
  return `u_items_${ctx.universe}`;
}

/**
 * Creates the batch's shared (non-temporary, so every connection sees them) tables of orders (with
 * `total`, the sum of its items, and `ships`) and of items, named by the batch, covering every event day whose
 * records can arrive in [ctx.from, ctx.to]: late arrival and fulfilment or a refund reach back at
 * most max_lag + max(fulfilment, refund window) + 1 days; of the days further back than late
 * arrival and fulfilment reach (max_lag + fulfilment), only the orders refunded are kept, the only
 * ones whose records can still arrive in the batch (so a day alone builds 19 of its 29 days whole,
 * with the built-in rules). A continuing batch covers [from, to] only: the records of earlier
 * orders were generated by the previous batch and handed on. Orders and items are joined on the
 * integer (day, i), which is cheaper than the order id. The intermediate tables keep one name:
 * universes are built one at a time, on one connection.
 */
export function orderUniverseStatements(ctx: SqlContext): string[] {
  const lookback = ctx.rules.arrival.max_lag_days + Math.max(fulfilmentDays(ctx), REFUND_WITHIN_DAYS) + 1;
  return [
    orderPairs(ctx, lookback),
    `create or replace table u_orders_base as select * from ${orders(ctx)}`,
    `create or replace table ${universeItems(ctx)} as select * from ${items(ctx, 'u_orders_base')}`,
    `create or replace table ${universeOrders(ctx)} as select o.*, t.total, t.ships from u_orders_base o
      join (select day, i, sum(quantity * unit_price) as total, bool_or(category in (${shippedCategories()})) as ships
        from ${universeItems(ctx)} group by day, i) t using (day, i)`,
    'drop table u_orders_base',
    'drop table u_pairs',
  ];
}

/** Drops the tables orderUniverseStatements creates, once every source has read them. */
export function dropOrderUniverseStatements(ctx: SqlContext): string[] {
  return [`drop table ${universeOrders(ctx)}`, `drop table ${universeItems(ctx)}`];
}

/**
 * SQL of the items of those orders, with what shop/order_items reads: day, i, k (order key),
 * order_id, currency, j, item key ik, product (shop/order_items joins its name), quantity,
 * unit_price in the order currency (USD list price divided by the day's fx rate, USD per unit,
 * rounded to the currency's minor unit: whole yen).
 */
function items(ctx: SqlContext, orders: string): string {
  return `(select o.day, o.i, o.k, o.order_id, o.currency, j, hash(o.k, j) as ik,
      p.product_id, p.idx as product_idx, p.category,
      1 + floor(pow(${u('hash(o.k, j)', F.qty)}, 3) * 5)::integer as quantity,
      round(p.price_usd / fx.usd_per_unit, ${minorDigitsSql('o.currency')}) as unit_price
    from (select *, unnest(range(item_count)) as j from ${orders}) o
    join w_products p on p.idx = ${ri('hash(o.k, j)', F.product, PRODUCTS)}
    join w_fx fx on fx.day = o.day and fx.currency = o.currency)`;
}
