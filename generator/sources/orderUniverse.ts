/**
 * The marketplace's orders as SQL: for each event day, a noisy count of orders, each bought by a
 * customer picked with a Zipf-like rank (rank = customers * u^k: the oldest accounts are the
 * heaviest buyers, so the top 1% place a large share), with 1..max items. Orders, items,
 * payments, shipments and checkout events all derive from this one universe.
 */
import { dayFactor, F, ri, u, type SqlContext } from '../sqlRandom.js';

/** Refunds come at most this many days after an order. */
export const REFUND_WITHIN_DAYS = 20;

/** Fulfilment takes at most this many days after an order (ship + deliver). */
export function fulfilmentDays(ctx: SqlContext): number {
  return ctx.rules.fulfilment.ship_within_days + ctx.rules.fulfilment.deliver_within_days;
}

/**
 * SQL of every order with event day in [from - lookback, to]: day, i, k (record key), order_id,
 * n and customer_id (buyer), currency, sec (second of day), item_count, is_cancelled.
 */
export function orderUniverse(ctx: SqlContext, lookback: number): string {
  const r = ctx.rules;
  const lo = Math.max(ctx.from - lookback, r.company.founded);
  const base = r.volume.orders_per_day * ctx.scale;
  return `(with days as (
      select d::integer as day from range(${lo}, ${ctx.to + 1}) t(d)
    ), counts as (
      select day, round(${base} * ${dayFactor(ctx, 'day', 3)})::bigint as cnt from days
    ), o as (
      select day, unnest(range(cnt)) as i from counts
    ), keyed as (
      select o.day, o.i, hash(${r.seed}, 3, o.day, o.i) as k, w_cum.customers as pool from o join w_cum on w_cum.day = o.day
    )
    select keyed.day, keyed.i, keyed.k,
      'ord_' || strftime(date '1970-01-01' + keyed.day, '%y%m%d') || '_' || lpad(keyed.i::varchar, 6, '0') as order_id,
      c.n, c.customer_id, c.currency,
      ${ri('keyed.k', F.sec, 86400)} as sec,
      1 + ${ri('keyed.k', F.items, r.volume.max_items_per_order)} as item_count,
      ${u('keyed.k', F.status)} < 0.04 as is_cancelled
    from keyed join w_customers c on c.n = least(floor(keyed.pool * pow(${u('keyed.k', F.customer)}, ${r.skew.zipf_exponent}))::integer, keyed.pool - 1))`;
}

/**
 * Creates the batch's shared (non-temporary, so every connection sees them) tables `u_orders` (with `total`, the sum of its items) and `u_items`,
 * covering every event day whose records can arrive in [ctx.from, ctx.to]: late arrival and
 * fulfilment or a refund reach back at most max_lag + max(fulfilment, refund window) + 1 days.
 */
export function orderUniverseStatements(ctx: SqlContext): string[] {
  const lookback = ctx.rules.arrival.max_lag_days + Math.max(fulfilmentDays(ctx), REFUND_WITHIN_DAYS) + 1;
  return [
    `create or replace table u_orders_base as select * from ${orderUniverse(ctx, lookback)}`,
    `create or replace table u_items as select * from ${itemUniverse(ctx, 'u_orders_base')}`,
    `create or replace table u_orders as select o.*, t.total from u_orders_base o
      join (select order_id, sum(quantity * unit_price) as total from u_items group by order_id) t using (order_id)`,
    'drop table u_orders_base',
  ];
}

/**
 * SQL of the items of those orders: order_id, day, k (order key), j, item key ik, product,
 * quantity, unit_price in the order currency (USD list price times the day's fx rate), line_total.
 */
export function itemUniverse(ctx: SqlContext, orders: string): string {
  return `(select o.*, j, hash(o.k, j) as ik,
      p.product_id, p.name as product_name, p.category,
      1 + floor(pow(${u('hash(o.k, j)', F.qty)}, 3) * 5)::integer as quantity,
      round(p.price_usd / fx.usd_per_unit, 2) as unit_price
    from (select *, unnest(range(item_count)) as j from ${orders}) o
    join w_products p on p.idx = ${ri('hash(o.k, j)', F.product, 1024)}
    join w_fx fx on fx.day = o.day and fx.currency = o.currency)`;
}
