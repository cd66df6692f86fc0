/**
 * processor/payments (JSON lines): the payment processor's records, nested like a card
 * processor's API objects. Charges for marketplace orders and for subscription invoices (both
 * with declines and retries: an order's by its buyer at checkout, within minutes; an invoice's by
 * the processor's dunning, over days; see ../declines.ts), and refunds: of order charges (all or
 * part of what was paid) and of invoice charges (in full). Payment mismatches: partial, double and missing payments (a missing
 * payment is recorded in shop/orders' truth, since no payment record exists; a partial payment is
 * never also a double one, which would hide it); the charges of a partial or double payment keep
 * their order id (no null or orphan defect), which is the evidence of the mismatch.
 * From the unit change on, `amount` is in the currency's minor unit (cents; whole yen, which has
 * none).
 *
 * As JSON lines (the default format) the same bytes are written by WebAssembly
 * (../paymentsWriter.ts and ../assembly/payments.ts), which reads this module's definitions; this
 * SQL writes the other formats, and is the reference the WebAssembly is tested against.
 */
import { CARD_BRANDS, monthOfSql, shownCardSql } from '../cards.js';
import { minorDigitsSql } from '../catalog.js';
import { DUNNING_DAYS, DUNNING_RETRY_DAYS, FAILURE_CODES, orderAttemptSecSql } from '../declines.js';
import type { Rules } from '../rules.js';
import { arrives, chance, dateOf, F, firstEventDay, flag, flags, hexId, lagDays, lit, mixedTs, oneOf, orphanOrderId, ri, type SqlContext, tsOf } from '../sqlRandom.js';
import { secondOfDaySql, TIME_DRAW } from '../timeOfDay.js';
import { ORDER_SLOTS, REFUND_WITHIN_DAYS, refunded, universeOrders } from './orderUniverse.js';
import type { SourceDef } from './source.js';

/** Whether an order's payment is missing: shared with shop/orders, which records it. */
export function paymentMissing(ctx: SqlContext, orderKey: string): string {
  return chance(orderKey, F.missing, ctx.rules.defects.payment_missing);
}

/**
 * The share of order refunds that are partial: 10% to 90% of what was paid (an item returned, a
 * goodwill credit); the others return all of it.
 */
export const PARTIAL_REFUND = 0.4;

/**
 * The share of subscription invoices whose charge is refunded in full (within REFUND_WITHIN_DAYS
 * days): a goodwill refund of the period, which does not end the subscription.
 */
export const INVOICE_REFUND = 0.02;

/**
 * An invoice's records' order among the records of a second (writer.ts's seq): this plus its
 * account's number, after any order's (an order's records take its number of the day, below
 * ORDER_SLOTS: generate.ts refuses a day of more orders, and a world of more accounts than fit
 * below 2^28 with it).
 */
export const INVOICE_ORD = ORDER_SLOTS;

/** The currency of a record with the invalid_code defect, drawn uniformly. */
export const INVALID_CURRENCIES: readonly string[] = ['US$', 'EURO', 'xxx'];

/** The type an amount has in the files before the unit change: major units, two decimals. */
export const AMOUNT_MAJOR = 'decimal(14, 2)';

/** An amount (DOUBLE, major units) in the minor unit of the currency in column `currency`: from the unit change on. */
export function amountMinor(amount: string, currency = 'currency'): string {
  return `round(${amount} * pow(10, ${minorDigitsSql(currency)}))::bigint`;
}

/**
 * The orders of the batch's universe that are charged (not cancelled, and paid orders' payment
 * not missing), paid or not (is_unpaid: every attempt declined), with is_partial and is_double
 * (never for an unpaid order) and paid_amount (what the charge took: all of the total but for a
 * partial payment).
 */
export function chargedOrders(ctx: SqlContext): string {
  const d = ctx.rules.defects;
  return `select *, ${chance('k', F.partial, d.payment_partial)} and not is_unpaid as is_partial,
          -- a partial payment is not also paid twice: the full second charge would hide it, and the
          -- two charges would not be the equal ones that tell a double payment
          ${chance('k', F.double, d.payment_double)} and not is_partial and not is_unpaid as is_double,
          case when is_partial then round(total * (0.3 + 0.6 * ${ri('k', F.partial + 100, 1000)} / 1000.0), ${minorDigitsSql('currency')}) else total end as paid_amount
        -- payment_missing is drawn on paid orders only (shop.ts): an unpaid one keeps its declines
        from ${universeOrders(ctx)} where not is_cancelled and (is_unpaid or not ${paymentMissing(ctx, 'k')})`;
}

/**
 * How many days before a batch's first arrival day the payments arriving in it can have been set
 * off (the event day of an order or an invoice): a late arrival, after a refund up to
 * REFUND_WITHIN_DAYS after the charge, which comes up to DUNNING_DAYS after its invoice.
 */
export function paymentsLookbackDays(rules: Rules): number {
  return rules.arrival.max_lag_days + DUNNING_DAYS + REFUND_WITHIN_DAYS + 1;
}

/** What a paid order's refund returns (of chargedOrders' columns): part of what was paid for some, else all of it. */
export function refundAmount(): string {
  return `case when ${chance('k', F.refund + 300, PARTIAL_REFUND)} then round(paid_amount * (0.1 + 0.8 * ${ri('k', F.refund + 400, 1000)} / 1000.0), ${minorDigitsSql('currency')}) else paid_amount end`;
}

/**
 * SQL of the second of the day a refund is issued at, of the order's or invoice's key `k` and the
 * customer's offset from UTC (column utc_offset): in the business hours of the customer's country
 * (timeOfDay.ts), as a person of the company's support, which works follow-the-sun in its
 * customers' hours, processes it on the customer's request. Its day, 1 to REFUND_WITHIN_DAYS after
 * the charge's, keeps it after the charge whatever its time. assembly/payments.ts's is the same.
 */
function refundSecSql(k: string): string {
  return secondOfDaySql(ri(k, F.refund + 200, TIME_DRAW), 'utc_offset');
}

export const payments: SourceDef = {
  name: 'processor/payments',
  readsOrders: true,
  description: 'Card processor records (charges, declines, refunds) for orders and subscription invoices.',
  defects: ['late_arrival', 'null_required', 'orphan_fk', 'invalid_code', 'mixed_timestamp', 'future_timestamp', 'payment_partial', 'payment_double'],
  truthKeys: { payment_partial: 'okey', payment_double: 'okey' },
  records(ctx) {
    const s = ctx.rules.seed;
    const lo = firstEventDay(ctx, paymentsLookbackDays(ctx.rules));
    const card = shownCardSql('k', monthOfSql('cday'), `status = 'failed' and failure_code = 'expired_card'`);
    const cardColumns = `${card.brand} as card_brand, ${card.last4} as card_last4, ${card.expiry} as card_exp`;
    const chargeSec = `least(case when declines = 0 then sec + 30 + ${ri('k', F.sec, 300)} else ${orderAttemptSecSql('k', 'sec', 'declines')} end, 86399)`;
    return `with paid as (
        ${chargedOrders(ctx)}),
      charges as (
        -- an order's charge: 30 seconds to 5 minutes after it, or after declines at the buyer's
        -- retry that succeeds (none for an unpaid order)
        select day, ${chargeSec} as sec,
          hash(k, 0) as pk, 'charge' as object, 'succeeded' as status, null as failure_code,
          paid_amount as amount_major,
          currency, order_id, customer_id, null as invoice_id, null as subscription_id, null as charge_ref, order_id as okey,
          is_partial as p_partial, false as p_double, i::bigint as ord, is_partial or is_double as keeps_order, n,
          -- a refund's card is its charge's, as charged: the time of the charge (else the record's own)
          null as card_day, null as card_sec
        from paid where not is_unpaid
        union all
        -- its declined attempts j (the first, then the buyer's retries), with the first's code
        select day, least(${orderAttemptSecSql('k', 'sec', 'j')}, 86399), case when j = 0 then hash(k, 1) else hash(k, 3 + j) end, 'charge', 'failed',
          ${oneOf('k', F.card, FAILURE_CODES)}, total,
          currency, order_id, customer_id, null, null, null, order_id, false, false, i::bigint, false, n, null, null
        from (select *, unnest(range(declines)) as j from paid where declines > 0)
        union all
        select day, least(sec + 900 + ${ri('k', F.double + 100, 3000)}, 86399), hash(k, 2), 'charge', 'succeeded', null, total,
          currency, order_id, customer_id, null, null, null, order_id, false, true, i::bigint, true, n, null, null
        from paid where is_double
        union all
        -- its refund, 1 to REFUND_WITHIN_DAYS days after it, in business hours (refundSecSql)
        select day + 1 + ${ri('k', F.refund + 100, REFUND_WITHIN_DAYS)}, ${refundSecSql('k')}, hash(k, 3), 'refund', 'succeeded', null,
          ${refundAmount()},
          currency, order_id, customer_id, null, null, ${hexId(`'ch_'`, 'hash(k, 0)')}, null, false, false, i::bigint, false, n, day, ${chargeSec}
        from paid where ${refunded('k')} and not is_unpaid
        union all
        -- an invoice's rows (kind), as the world's dunning has them (declines.ts): its declined
        -- attempts (10 + r: the first at the invoice's time, retry r DUNNING_RETRY_DAYS[r - 1] days
        -- later at its time of day), the charge that pays it (0; none when dunning ran out), and for
        -- some its refund, in full, 1 to REFUND_WITHIN_DAYS days after that charge (2; a goodwill
        -- refund of the period, after an outage or a complaint: the subscription goes on, and its
        -- next invoice is charged as any)
        select case kind when 0 then paid_day when 2 then paid_day + 1 + ${ri('ik', F.refund + 100, REFUND_WITHIN_DAYS)}
            else day + [0, ${DUNNING_RETRY_DAYS.join(', ')}][kind - 9] end,
          case kind when 0 then paid_sec when 2 then ${refundSecSql('ik')} else sec end,
          case when kind = 0 then ik else hash(${s}, 5, invoice_id, kind) end,
          case when kind = 2 then 'refund' else 'charge' end, case when kind >= 10 then 'failed' else 'succeeded' end,
          case when kind >= 10 then failure_code end, amount,
          currency, null, customer_id, invoice_id, subscription_id, case when kind = 2 then ${hexId(`'ch_'`, 'ik')} end, null, false, false, ${INVOICE_ORD} + n, false, n,
          case when kind = 2 then paid_day end, case when kind = 2 then paid_sec end
        from (select *, unnest(list_concat(list_transform(range(declines), r -> 10 + r), case when paid_day is null then [] else [0] end,
            case when paid_day is not null and ${chance('ik', F.refund, INVOICE_REFUND)} then [2] else [] end)) as kind
          from (select iv.*, c.customer_id, c.utc_offset, hash(${s}, 5, iv.invoice_id) as ik
            from w_invoices iv join w_customers c using (n) where iv.day between ${lo} and ${ctx.to}))),
      flagged as (select *,
          ${flag(ctx, 'late_arrival', 'pk')} as d_late_arrival,
          ${flag(ctx, 'null_required', 'pk')} and okey is not null and not keeps_order as d_null_required,
          ${flag(ctx, 'orphan_fk', 'pk')} and okey is not null and not keeps_order as d_orphan_fk,
          ${flags(ctx, 'pk', ['invalid_code', 'mixed_timestamp', 'future_timestamp'])},
          p_partial as d_payment_partial, p_double as d_payment_double
        from charges where day >= ${lo}),
      -- the customer's card at the record's time (a refund's at its charge's; cards.ts: its first,
      -- or the last it updated to by then), with the expiry it shows in that month: an
      -- expired_card decline's the one that passed
      carded as (select *, coalesce(card_day, day) as cday, coalesce(card_sec, sec) as csec from flagged),
      rows as (select f.*, day + ${lagDays(ctx, 'pk', 'd_late_arrival')} as arrival,
          ${cardColumns} from carded f asof join w_cards k on f.n = k.n and f.cday::bigint * 86400 + f.csec >= k.from_sec)
      /* in time order: ord * 4 fits below 2^30 (an invoice's charge's ord is INVOICE_ORD + its account's number) */
      select ${dateOf('arrival')} as dt, (day::hugeint * 86400 + sec) * 1073741824 + ord * 4 + (pk % 4) as seq,
        ${hexId(`case when object = 'refund' then 're_' else 'ch_' end`, 'pk')} as rkey,
        d_late_arrival, d_null_required, d_orphan_fk, d_invalid_code, d_mixed_timestamp, d_future_timestamp,
        okey, d_payment_partial, d_payment_double,
        rkey as id, object,
        ${mixedTs(`case when d_future_timestamp then ${tsOf('arrival + 1 + ' + ri('pk', F.futureDays, 20), 'sec')} else ${tsOf('day', 'sec')} end`, 'pk', F.mixed, 'd_mixed_timestamp')} as created,
        case when d_null_required then null else amount_major end as amount_major,
        case when d_null_required then null else ${amountMinor('amount_major')} end as amount_minor,
        case when d_invalid_code then ${oneOf('pk', F.which, INVALID_CURRENCIES)} else lower(currency) end as currency,
        status, failure_code,
        struct_pack(
          order_id := case when d_null_required then null when d_orphan_fk then ${orphanOrderId('pk', F.orphan)} else order_id end,
          customer_id := customer_id, invoice_id := invoice_id, subscription_id := subscription_id) as metadata,
        struct_pack(type := 'card', card := struct_pack(
          brand := [${CARD_BRANDS.map(lit).join(', ')}][card_brand + 1], last4 := lpad(card_last4::varchar, 4, '0'),
          exp_month := card_exp % 12 + 1, exp_year := 1970 + card_exp // 12)) as payment_method_details,
        charge_ref as charge
      from rows where ${arrives(ctx, 'arrival')}`;
  },
  variants(ctx) {
    const drift = ctx.rules.drift.payments_unit_change;
    const rest = ['currency', 'status', 'failure_code', 'metadata', 'payment_method_details', 'charge'];
    return [
      { to: drift - 1, columns: ['id', 'object', 'created', `amount_major::${AMOUNT_MAJOR} as amount`, ...rest] },
      { from: drift, columns: ['id', 'object', 'created', 'amount_minor as amount', ...rest] },
    ];
  },
};
