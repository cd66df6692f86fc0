/**
 * shop/orders and shop/order_items (Parquet), and logistics/shipments (Parquet): marketplace
 * orders with line items in the buyer's currency (placed; cancelled by the buyer before it was
 * charged; or payment_failed, when every charge attempt was declined: declines.ts), and the
 * fulfilment (shipped, in transit, out for delivery, delivered) of the placed ones with physical
 * goods (a hardware item); the others are delivered digitally, with no shipment.
 */
import { WAREHOUSE } from '../catalog.js';
import { ORDER_RETRIES, orderAttemptSecSql } from '../declines.js';
import { arrives, dateOf, F, firstEventDay, flag, flags, lagDays, oneOf, orphanCustomerId, orphanOrderId, ri, type SqlContext, tsOf } from '../sqlRandom.js';
import { firstFulfilledDay, ORDER_SLOTS, universeItems, universeOrders } from './orderUniverse.js';
import { paymentMissing } from './payments.js';
import type { SourceDef } from './source.js';

/** The channel an order was placed through (orders show it from the drift date): web, app or api. */
export function salesChannel(k: string): string {
  return oneOf(k, F.channel, ['web', 'web', 'app', 'api']);
}

/** Arrival of an order: its day, plus a lag when it is late. Items arrive with their order. */
function orderArrival(ctx: SqlContext): string {
  return `(day + ${lagDays(ctx, 'k', flag(ctx, 'late_arrival', 'k'))})`;
}

export const orders: SourceDef = {
  name: 'shop/orders',
  readsOrders: true,
  uniqueSeq: true,
  description: 'Marketplace orders, one row per order, with the order total in the buyer currency.',
  defects: ['late_arrival', 'null_required', 'orphan_fk', 'invalid_code', 'future_timestamp', 'payment_missing'],
  records(ctx) {
    return `with base as (select *, ${orderArrival(ctx)} as arrival,
        not is_cancelled and not is_unpaid and ${paymentMissing(ctx, 'k')} as d_payment_missing,
        ${flags(ctx, 'k', ['late_arrival', 'null_required', 'orphan_fk', 'invalid_code', 'future_timestamp'])}
        from ${universeOrders(ctx)} where day >= ${firstEventDay(ctx, ctx.rules.arrival.max_lag_days)})
      select ${dateOf('arrival')} as dt, day::bigint * ${ORDER_SLOTS} + i as seq, order_id as rkey, d_late_arrival, d_payment_missing, d_null_required, d_orphan_fk, d_invalid_code, d_future_timestamp,
        order_id,
        case when d_null_required then null when d_orphan_fk then ${orphanCustomerId('k', F.orphan)} else customer_id end as customer_id,
        case when d_future_timestamp then ${tsOf('arrival + 1 + ' + ri('k', F.futureDays, 20), 'sec')} else ${tsOf('day', 'sec')} end as ordered_at,
        case when d_invalid_code and ${ri('k', F.which, 2)} = 0 then lower(currency) when d_invalid_code then currency || 'X' else currency end as currency,
        case when is_cancelled then 'cancelled' when is_unpaid then 'payment_failed' else 'placed' end as status_clean,
        case when d_invalid_code then upper(status_clean) else status_clean end as status,
        item_count,
        total::decimal(14, 2) as order_total,
        -- an unpaid order's status changes after its last declined charge
        ${tsOf('day', `least(case when is_unpaid then ${orderAttemptSecSql('k', 'sec', String(ORDER_RETRIES))} else sec end + ${ri('k', F.status, 600)}, 86399)`)} as updated_at,
        ${salesChannel('k')} as sales_channel
      from base where ${arrives(ctx, 'arrival')}`;
  },
  variants(ctx) {
    const cols = ['order_id', 'customer_id', 'ordered_at', 'currency', 'status', 'item_count', 'order_total', 'updated_at'];
    const drift = ctx.rules.drift.orders_column_added;
    return [{ to: drift - 1, columns: cols }, { from: drift, columns: [...cols, 'sales_channel'] }];
  },
};

export const orderItems: SourceDef = {
  name: 'shop/order_items',
  readsOrders: true,
  uniqueSeq: true,
  description: 'Order line items: product, quantity and unit price in the order currency.',
  defects: ['late_arrival', 'bad_quantity', 'null_required', 'orphan_fk'],
  records(ctx) {
    return `with it as (select u.*, pn.name as product_name, ${orderArrival(ctx)} as arrival from ${universeItems(ctx)} u join w_product_names pn on pn.idx = u.product_idx
        where day >= ${firstEventDay(ctx, ctx.rules.arrival.max_lag_days)}),
      base as (select *,
        ${flag(ctx, 'late_arrival', 'k')} as d_late_arrival,
        ${flags(ctx, 'ik', ['bad_quantity', 'null_required', 'orphan_fk'])}
        from it where ${arrives(ctx, 'arrival')})
      select ${dateOf('arrival')} as dt, (day::bigint * ${ORDER_SLOTS} + i) * 64 + j as seq, order_id || '-' || j as rkey,
        d_late_arrival, d_bad_quantity, d_null_required, d_orphan_fk,
        order_id || '-' || j as order_item_id,
        case when d_orphan_fk then ${orphanOrderId('ik', F.orphan)} else order_id end as order_id,
        case when d_null_required then null else product_id end as product_id,
        product_name, category,
        case when d_bad_quantity and ${ri('ik', F.which, 3)} < 2 then -${ri('ik', F.which + 1, 2)}::integer else quantity end as quantity,
        (case when d_bad_quantity and ${ri('ik', F.which, 3)} = 2 then -unit_price else unit_price end)::decimal(12, 2) as unit_price,
        currency
      from base`;
  },
  variants() {
    return [{ columns: ['order_item_id', 'order_id', 'product_id', 'product_name', 'category', 'quantity', 'unit_price', 'currency'] }];
  },
};

/**
 * A shipment's tracking number from its order's (day, i): `1Z`, the day and the order number
 * scrambled by an odd multiplier mod 2^32 (a bijection), in hex. Unique, unlike a hash, which
 * gave 8 shared numbers in the default dataset.
 */
function trackingNumber(day: string, i: string): string {
  return `'1Z' || upper(lpad(hex(${day}), 4, '0')) || upper(lpad(hex((${i} * 2654435761 + 1540483477) % 4294967296), 8, '0'))`;
}

/**
 * SQL of a day number moved from a Sunday to the Monday after it: carriers collect and deliver
 * Monday to Saturday. Day 0, 1970-01-01, was a Thursday (see dates.ts weekday).
 */
function notSunday(day: string): string {
  return `(${day} + case when (${day} + 4) % 7 = 0 then 1 else 0 end)`;
}

/** The second of the warehouse's local day from which an order no longer ships the same day (16:00). */
export const SAME_DAY_UNTIL = 16 * 3600;

/** A shipment's tracking updates (its `status`), in the order they come: step 0 to 3. */
export const SHIPMENT_STATUSES = ['shipped', 'in_transit', 'out_for_delivery', 'delivered'] as const;

export const shipments: SourceDef = {
  name: 'logistics/shipments',
  readsOrders: true,
  uniqueSeq: true,
  description: 'Carrier tracking updates of orders with physical goods: shipped, in transit, out for delivery, delivered.',
  defects: ['late_arrival', 'orphan_fk', 'invalid_code', 'future_timestamp'],
  records(ctx) {
    const f = ctx.rules.fulfilment;
    const w = WAREHOUSE.utcOffsetSec;
    // an update's instant: second `sec` of local day `day` at an offset `offset` ahead of UTC
    const instant = (day: string, sec: string, offset: string | number) => `(${day})::bigint * 86400 + ${sec} - (${offset})`;
    return `with ou as (select *, day::bigint * 86400 + sec + (${w}) as wabs from ${universeOrders(ctx)} where ships and not is_cancelled and not is_unpaid and day >= ${firstFulfilledDay(ctx)}),
      -- the order's local day and second at the warehouse (wday, wsec); one placed from 16:00 on that
      -- would ship the same day ships the next (when it may); carriers neither collect nor deliver
      -- on Sundays: those move to the Monday (a Sunday order still ships its day under
      -- ship_within_days 0)
      sh0 as (select *, wday + case when ship_lag = 0 and wsec >= ${SAME_DAY_UNTIL} and ${f.ship_within_days} > 0 then 1 else ship_lag end as ship_day0 from
        (select *, (wabs // 86400)::integer as wday, (wabs % 86400)::integer as wsec, ${ri('k', F.ship, f.ship_within_days + 1)} as ship_lag,
          ${ri('k', F.carrier, 4)} as carrier_i from ou)),
      sh as (select *, ${f.ship_within_days > 0 ? notSunday('ship_day0') : 'ship_day0'} as ship_day from sh0),
      -- the carrier's tracking updates, as instants: shipped in the warehouse's hours (on the order's
      -- local day 1-4 hours after it, or after 08:00 for a night's order; else 08:00-18:00 of the ship
      -- day; an order from 16:00 on that must ship its day, under ship_within_days 0, ships in what
      -- is left of it), in transit (a hub scan in the warehouse's small hours of the next day), then
      -- out for delivery (06:00-09:00) and delivered (09:00-20:00) in the buyer's local daytime of
      -- the delivery day (the buyer's calendar), a day later when that morning would not come after
      -- the hub scan (a buyer east of the warehouse), each after the one before
      tr as (select *, ${instant('ship_day', `case when ship_day > wday then 8 * 3600 + ${ri('k', F.ship + 100, 10 * 3600)}
            when wsec < ${SAME_DAY_UNTIL} then greatest(wsec, 8 * 3600) + 3600 + ${ri('k', F.ship + 100, 3 * 3600)}
            else least(wsec + 1 + ${ri('k', F.ship + 100, 'greatest(1, 86399 - wsec)')}, 86399) end`, w)} as shipped_abs,
          ${instant('ship_day + 1', `3600 + ${ri('k', F.deliver + 100, 5 * 3600)}`, w)} as transit_abs,
          ship_day + 1 + ${ri('k', F.deliver, f.deliver_within_days)} as delivery_day0,
          6 * 3600 + ${ri('k', F.deliver + 200, 3 * 3600)} as out_sec from sh),
      dl as (select *, ${notSunday(`delivery_day0 + (${instant('delivery_day0', 'out_sec', 'utc_offset')} <= transit_abs)::integer`)} as delivery_day from tr),
      ev as (
        select *, 0 as step, '${SHIPMENT_STATUSES[0]}' as status_clean, shipped_abs as status_abs, hash(k, 0) as sk from dl
        union all
        select *, 1, '${SHIPMENT_STATUSES[1]}', transit_abs, hash(k, 1) from dl
        union all
        select *, 2, '${SHIPMENT_STATUSES[2]}', ${instant('delivery_day', 'out_sec', 'utc_offset')}, hash(k, 2) from dl
        union all
        select *, 3, '${SHIPMENT_STATUSES[3]}', ${instant('delivery_day', `9 * 3600 + ${ri('k', F.deliver + 300, 11 * 3600)}`, 'utc_offset')}, hash(k, 3) from dl),
      -- the UTC day and second of each update
      utc as (select *, (status_abs // 86400)::integer as status_day, (status_abs % 86400)::integer as status_sec from ev),
      base as (select *,
        ${flags(ctx, 'sk', ['late_arrival', 'orphan_fk', 'invalid_code', 'future_timestamp'])},
        status_day + ${lagDays(ctx, 'sk', flag(ctx, 'late_arrival', 'sk'))} as arrival
        from utc)
      select ${dateOf('arrival')} as dt, ((status_day::bigint * 64 + (status_day - day)) * ${ORDER_SLOTS} + i) * 4 + step as seq, 'shp_' || substr(order_id, 5) || ':' || status_clean as rkey,
        d_late_arrival, d_orphan_fk, d_invalid_code, d_future_timestamp,
        'shp_' || substr(order_id, 5) as shipment_id,
        case when d_orphan_fk then ${orphanOrderId('sk', F.orphan)} else order_id end as order_id,
        ['ups', 'dhl', 'fedex', 'royal_mail'][1 + carrier_i] as carrier,
        case when d_invalid_code then upper(status_clean) else status_clean end as status,
        case when d_future_timestamp then ${tsOf('arrival + 1 + ' + ri('sk', F.futureDays, 20), 'status_sec')} else ${tsOf('status_day', 'status_sec')} end as status_at,
        ${trackingNumber('day', 'i')} as tracking_number
      from base where ${arrives(ctx, 'arrival')}`;
  },
  variants() {
    return [{ columns: ['shipment_id', 'order_id', 'carrier', 'status', 'status_at', 'tracking_number'] }];
  },
};
