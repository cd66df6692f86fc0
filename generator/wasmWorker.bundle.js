// Built by `npm run build:worker` from generator/wasmWorker.ts and what it imports: do not edit (a test fails when it is stale).

// generator/wasmWorker.ts
import { parentPort, workerData } from "node:worker_threads";

// src/errors.ts
var StratumError = class extends Error {
  exitCode;
  constructor(message, exitCode = 2) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
};
var CancelledError = class extends StratumError {
  constructor(message = "cancelled") {
    super(message, 130);
  }
};

// generator/catalog.ts
var COUNTRIES = [
  { code: "US", currency: "USD", weight: 38, utcOffsetMinutes: -360, phone: "+1 N## N## ####" },
  { code: "GB", currency: "GBP", weight: 10, utcOffsetMinutes: 0, phone: "+44 20 #### ####" },
  { code: "DE", currency: "EUR", weight: 8, utcOffsetMinutes: 60, phone: "+49 30 N#######" },
  { code: "FR", currency: "EUR", weight: 6, utcOffsetMinutes: 60, phone: "+33 1 ## ## ## ##" },
  { code: "CA", currency: "CAD", weight: 5, utcOffsetMinutes: -300, phone: "+1 N## N## ####" },
  { code: "AU", currency: "AUD", weight: 4, utcOffsetMinutes: 600, phone: "+61 2 N### ####" },
  { code: "NL", currency: "EUR", weight: 4, utcOffsetMinutes: 60, phone: "+31 20 N## ####" },
  { code: "ES", currency: "EUR", weight: 3, utcOffsetMinutes: 60, phone: "+34 91 ### ## ##" },
  { code: "IT", currency: "EUR", weight: 3, utcOffsetMinutes: 60, phone: "+39 02 N### ####" },
  { code: "JP", currency: "JPY", weight: 4, utcOffsetMinutes: 540, phone: "+81 3 N### ####" },
  { code: "BR", currency: "BRL", weight: 4, utcOffsetMinutes: -180, phone: "+55 11 N###-####" },
  { code: "IN", currency: "INR", weight: 5, utcOffsetMinutes: 330, phone: "+91 22 N### ####" },
  { code: "SG", currency: "SGD", weight: 2, utcOffsetMinutes: 480, phone: "+65 6### ####" },
  { code: "SE", currency: "SEK", weight: 2, utcOffsetMinutes: 60, phone: "+46 8 N## ### ##" },
  { code: "IE", currency: "EUR", weight: 2, utcOffsetMinutes: 0, phone: "+353 1 N## ####" }
];
var WAREHOUSE = {
  country: "US",
  utcOffsetSec: COUNTRIES.find((c) => c.code === "US").utcOffsetMinutes * 60
};
var ZERO_DECIMAL = ["JPY"];
function minorDigitsSql(col) {
  return `case when ${col} in (${ZERO_DECIMAL.map((c) => `'${c}'`).join(", ")}) then 0 else 2 end`;
}
var CHANNELS = [
  { id: "paid_search", paid: true, weight: 25, utmSource: "google", utmMedium: "cpc" },
  { id: "paid_social", paid: true, weight: 15, utmSource: "meta", utmMedium: "paid_social" },
  { id: "linkedin_ads", paid: true, weight: 10, utmSource: "linkedin", utmMedium: "paid_social" },
  { id: "display", paid: true, weight: 5, utmSource: "bing", utmMedium: "display" },
  { id: "organic_search", paid: false, weight: 22, utmSource: "google", utmMedium: "organic" },
  { id: "referral", paid: false, weight: 10, utmSource: "partner", utmMedium: "referral" },
  { id: "email", paid: false, weight: 8, utmSource: "newsletter", utmMedium: "email" },
  { id: "direct", paid: false, weight: 5, utmSource: "(direct)", utmMedium: "(none)" }
];

// generator/dates.ts
var MS_PER_DAY = 864e5;
function formatDay(day) {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

// generator/sqlRandom.ts
function firstEventDay(ctx, lookback) {
  return ctx.continues ? ctx.from : Math.max(ctx.from - lookback, ctx.rules.company.founded);
}
function arrives(ctx, dayExpr) {
  return ctx.more ? `(${dayExpr}) >= ${ctx.from}` : `(${dayExpr}) between ${ctx.from} and ${ctx.to}`;
}
function draw(key, field) {
  return `hash(hash(${key}, ${field}))`;
}
function u(key, field) {
  return `((${draw(key, field)} >> 11)::double / 9007199254740992.0)`;
}
function ri(key, field, n) {
  return `(${draw(key, field)} % (${n})::ubigint)::bigint`;
}
function chance(key, field, rate) {
  return rate <= 0 ? "false" : `(${u(key, field)} < ${rate})`;
}
function oneOf(key, field, values) {
  return `[${values.map(lit).join(", ")}][1 + ${ri(key, field, values.length)}]`;
}
function hexId(prefix, key) {
  return `${prefix} || lpad(lower(hex(${key} % 281474976710656)), 12, '0')`;
}
function zipfRank(ctx, key, pool) {
  const k = ctx.rules.skew.zipf_exponent;
  const lo = `pow(1.0 / (${pool} + 1), ${1 / k})`;
  return `least(greatest(floor((${pool} + 1) * pow(${lo} + (1 - ${lo}) * ${u(key, F.customer)}, ${k}) - 1), 0)::integer, ${pool} - 1)`;
}
function joinZipfCustomer(ctx, alias, key) {
  return `join w_pool on w_pool.day = ${alias}.day join w_customers c on c.n = ${zipfRank(ctx, key, "w_pool.customers")}`;
}
function zeroPad(expr, width) {
  return `printf('%0${width}d', ${expr})`;
}
function orphanCustomerId(key, field) {
  return `'cus_9' || ${zeroPad(ri(key, field, 1e7), 7)}`;
}
function orphanOrderId(key, field) {
  return `'ord_000000_' || ${zeroPad(ri(key, field, 1e6), 6)}`;
}
function lit(s) {
  return `'${s.replace(/'/g, "''")}'`;
}
function dateOf(dayExpr) {
  return `(date '1970-01-01' + (${dayExpr})::integer)`;
}
function tsOf(dayExpr, secExpr) {
  return `make_timestamp(((${dayExpr})::bigint * 86400 + (${secExpr})::bigint) * 1000000)`;
}
function isoUtc(tsExpr) {
  return `strftime(${tsExpr}, '%Y-%m-%dT%H:%M:%SZ')`;
}
function mixedTs(tsExpr, key, field, flag2) {
  const variant = ri(key, field, 3);
  const offsetH = `(1 + ${ri(key, field + 1, 9)})`;
  return `case when not ${flag2} then ${isoUtc(tsExpr)}
    when ${variant} = 0 then strftime(${tsExpr} + to_hours(${offsetH}), '%Y-%m-%dT%H:%M:%S') || '+' || lpad(${offsetH}::varchar, 2, '0') || ':00'
    when ${variant} = 1 then epoch_ms(${tsExpr})::varchar
    else strftime(${tsExpr}, '%Y-%m-%d %H:%M:%S') end`;
}
function lagDays(ctx, key, lateFlag) {
  const max = ctx.rules.arrival.max_lag_days;
  return `(case when ${lateFlag} then 1 + floor(pow(${u(key, F.lag)}, 2) * ${max})::integer else 0 end)`;
}
var GROWTH_DAMPING_DAYS = 30;
function growth(ctx, dayExpr) {
  const c = ctx.rules.company;
  const damping = GROWTH_DAMPING_DAYS * c.signups_per_day * ctx.scale;
  const base = Math.round(c.initial_customers * ctx.scale) + damping;
  if (base <= 0) return "1";
  return `((select p_customers from (select day as p_day, customers as p_customers from w_pool) where p_day = (${dayExpr})) + ${damping}) / ${base}`;
}
function dayFactor(ctx, dayExpr, salt) {
  const s = ctx.rules.skew;
  return `((case when isodow(${dateOf(dayExpr)}) >= 6 then ${s.weekend_factor} else 1 end)
    * (case when (${dayExpr}) = ${s.hot_day} then ${s.hot_day_multiplier} else 1 end)
    * (0.85 + 0.3 * ${u(`${ctx.rules.seed}, ${salt}, ${dayExpr}`, 1)})
    * ${growth(ctx, dayExpr)})`;
}
var F = {
  late: 901,
  lag: 902,
  customer: 904,
  sec: 905,
  status: 906,
  items: 907,
  product: 908,
  qty: 909,
  null: 910,
  orphan: 911,
  invalid: 912,
  future: 913,
  futureDays: 914,
  mixed: 915,
  /* 916: mixedTs uses mixed + 1 */
  conflict: 917,
  channel: 918,
  carrier: 919,
  ship: 920,
  deliver: 921,
  fail: 922,
  refund: 923,
  partial: 924,
  double: 925,
  missing: 926,
  card: 927,
  kind: 928,
  page: 929,
  pii: 930,
  piiKind: 931,
  anon: 932,
  touches: 933,
  touchDay: 934,
  activation: 935,
  priority: 936,
  respond: 937,
  solve: 938,
  spend: 939,
  dup: 940,
  malformed: 941,
  which: 942,
  len: 943,
  feature: 944,
  type: 945,
  zone: 948,
  /* a checkout retry's gap and success: retry + 10 j and recover + 10 j for retry j (956, 957, 966, 967) */
  retry: 946,
  recover: 947
};
var DEFECT_FIELD = {
  late_arrival: F.late,
  conflicting_update: F.conflict,
  null_required: F.null,
  orphan_fk: F.orphan,
  invalid_code: F.invalid,
  pii_in_json: F.pii,
  mixed_timestamp: F.mixed,
  future_timestamp: F.future,
  bad_quantity: F.qty + 100
};
var HIDDEN_BY = {
  future_timestamp: "late_arrival",
  orphan_fk: "null_required",
  invalid_code: "null_required"
};
function flag(ctx, kind, key) {
  const field = DEFECT_FIELD[kind];
  if (field === void 0) throw new Error(`no record-level draw for defect kind ${kind}`);
  const own = chance(key, field, ctx.rules.defects[kind]);
  const by = HIDDEN_BY[kind];
  return by && ctx.rules.defects[by] > 0 ? `(${own} and not ${chance(key, DEFECT_FIELD[by], ctx.rules.defects[by])})` : own;
}
function flags(ctx, key, kinds) {
  return kinds.map((k) => `${flag(ctx, k, key)} as d_${k}`).join(",\n");
}

// generator/timeOfDay.ts
var HOUR_WEIGHTS = [
  8,
  5,
  4,
  3,
  3,
  5,
  12,
  30,
  // 00-07
  60,
  85,
  92,
  88,
  62,
  80,
  95,
  98,
  // 08-15
  85,
  60,
  35,
  25,
  21,
  18,
  15,
  11
  // 16-23
];
var TIME_SLOTS = 1e3;
var TIME_DRAW = TIME_SLOTS * 3600;
if (HOUR_WEIGHTS.length !== 24 || HOUR_WEIGHTS.reduce((a, b) => a + b, 0) !== TIME_SLOTS) {
  throw new Error(`internal: HOUR_WEIGHTS must be 24 weights summing to ${TIME_SLOTS}`);
}
var HOUR_OF_SLOT = HOUR_WEIGHTS.flatMap((w, h) => Array(w).fill(h));
function secondOfDaySql(draw2, offsetSec) {
  return `(([${HOUR_OF_SLOT.join(",")}])[1 + ${draw2} // 3600] * 3600 + ${draw2} % 3600 + 86400 - ${offsetSec}) % 86400`;
}
var OFFSETS = new Map(COUNTRIES.map((c) => [c.code, c.utcOffsetMinutes * 60]));
var VISITOR_OFFSETS = COUNTRIES.flatMap((c) => Array(c.weight).fill(c.utcOffsetMinutes * 60));

// generator/declines.ts
var FAILURE_CODES = ["card_declined", "insufficient_funds", "expired_card"];
var EXPIRED_CARD = FAILURE_CODES.indexOf("expired_card");
var DUNNING_RETRY_DAYS = [3, 8, 15];
var DUNNING_DAYS = DUNNING_RETRY_DAYS[DUNNING_RETRY_DAYS.length - 1];
var ORDER_RETRIES = 2;
var ORDER_FIRST_ATTEMPT = 20;
var ORDER_RETRY_GAP = [10, 111];
function orderAttemptSecSql(k, sec, j) {
  const gaps = Array.from({ length: ORDER_RETRIES }, (_, m) => `case when ${j} > ${m} then ${ORDER_RETRY_GAP[0]} + ${ri(k, F.retry + 10 * (m + 1), ORDER_RETRY_GAP[1])} else 0 end`);
  return `(${sec} + ${ORDER_FIRST_ATTEMPT} + ${gaps.join(" + ")})`;
}

// generator/sources/orderUniverse.ts
var REFUND_WITHIN_DAYS = 20;
var ORDER_REFUND = 0.02;
function refunded(k) {
  return chance(k, F.refund, ORDER_REFUND);
}
var ORDER_SLOTS = 1e7;
function universeOrders(ctx) {
  return `u_orders_${ctx.universe}`;
}

// generator/cards.ts
var CARD_BRANDS = ["visa", "visa", "mastercard", "amex"];
function monthOfSql(day) {
  return `((year(${dateOf(day)}) - 1970) * 12 + month(${dateOf(day)}) - 1)`;
}
function cardExpirySql(issued, life, month) {
  return `(${issued} + ${life} * greatest(1, (${month} - ${issued} + ${life} - 1) // ${life}))`;
}
function shownCardSql(k, month, expired) {
  const expiry = cardExpirySql(`${k}.issued`, `${k}.life`, month);
  const replaced = `(${expired} and ${k}.prev_exp is not null and ${expiry} = ${k}.issued + ${k}.life)`;
  return {
    brand: `case when ${replaced} then ${k}.prev_brand else ${k}.brand end`,
    last4: `case when ${replaced} then ${k}.prev_last4 else ${k}.last4 end`,
    expiry: `case when ${replaced} then ${k}.prev_exp when ${expired} then least(${expiry} - ${k}.life, ${month} - 1) else ${expiry} end`
  };
}

// generator/sources/payments.ts
function paymentMissing(ctx, orderKey) {
  return chance(orderKey, F.missing, ctx.rules.defects.payment_missing);
}
var PARTIAL_REFUND = 0.4;
var INVOICE_REFUND = 0.02;
var INVOICE_ORD = ORDER_SLOTS;
var INVALID_CURRENCIES = ["US$", "EURO", "xxx"];
var AMOUNT_MAJOR = "decimal(14, 2)";
function amountMinor(amount, currency = "currency") {
  return `round(${amount} * pow(10, ${minorDigitsSql(currency)}))::bigint`;
}
function chargedOrders(ctx) {
  const d = ctx.rules.defects;
  return `select *, ${chance("k", F.partial, d.payment_partial)} and not is_unpaid as is_partial,
          -- a partial payment is not also paid twice: the full second charge would hide it, and the
          -- two charges would not be the equal ones that tell a double payment
          ${chance("k", F.double, d.payment_double)} and not is_partial and not is_unpaid as is_double,
          case when is_partial then round(total * (0.3 + 0.6 * ${ri("k", F.partial + 100, 1e3)} / 1000.0), ${minorDigitsSql("currency")}) else total end as paid_amount
        -- payment_missing is drawn on paid orders only (shop.ts): an unpaid one keeps its declines
        from ${universeOrders(ctx)} where not is_cancelled and (is_unpaid or not ${paymentMissing(ctx, "k")})`;
}
function paymentsLookbackDays(rules) {
  return rules.arrival.max_lag_days + DUNNING_DAYS + REFUND_WITHIN_DAYS + 1;
}
function refundAmount() {
  return `case when ${chance("k", F.refund + 300, PARTIAL_REFUND)} then round(paid_amount * (0.1 + 0.8 * ${ri("k", F.refund + 400, 1e3)} / 1000.0), ${minorDigitsSql("currency")}) else paid_amount end`;
}
function refundSecSql(k) {
  return secondOfDaySql(ri(k, F.refund + 200, TIME_DRAW), "utc_offset");
}
var payments = {
  name: "processor/payments",
  readsOrders: true,
  description: "Card processor records (charges, declines, refunds) for orders and subscription invoices.",
  defects: ["late_arrival", "null_required", "orphan_fk", "invalid_code", "mixed_timestamp", "future_timestamp", "payment_partial", "payment_double"],
  truthKeys: { payment_partial: "okey", payment_double: "okey" },
  records(ctx) {
    const s = ctx.rules.seed;
    const lo = firstEventDay(ctx, paymentsLookbackDays(ctx.rules));
    const card = shownCardSql("k", monthOfSql("cday"), `status = 'failed' and failure_code = 'expired_card'`);
    const cardColumns = `${card.brand} as card_brand, ${card.last4} as card_last4, ${card.expiry} as card_exp`;
    const chargeSec = `least(case when declines = 0 then sec + 30 + ${ri("k", F.sec, 300)} else ${orderAttemptSecSql("k", "sec", "declines")} end, 86399)`;
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
        select day, least(${orderAttemptSecSql("k", "sec", "j")}, 86399), case when j = 0 then hash(k, 1) else hash(k, 3 + j) end, 'charge', 'failed',
          ${oneOf("k", F.card, FAILURE_CODES)}, total,
          currency, order_id, customer_id, null, null, null, order_id, false, false, i::bigint, false, n, null, null
        from (select *, unnest(range(declines)) as j from paid where declines > 0)
        union all
        select day, least(sec + 900 + ${ri("k", F.double + 100, 3e3)}, 86399), hash(k, 2), 'charge', 'succeeded', null, total,
          currency, order_id, customer_id, null, null, null, order_id, false, true, i::bigint, true, n, null, null
        from paid where is_double
        union all
        -- its refund, 1 to REFUND_WITHIN_DAYS days after it, in business hours (refundSecSql)
        select day + 1 + ${ri("k", F.refund + 100, REFUND_WITHIN_DAYS)}, ${refundSecSql("k")}, hash(k, 3), 'refund', 'succeeded', null,
          ${refundAmount()},
          currency, order_id, customer_id, null, null, ${hexId(`'ch_'`, "hash(k, 0)")}, null, false, false, i::bigint, false, n, day, ${chargeSec}
        from paid where ${refunded("k")} and not is_unpaid
        union all
        -- an invoice's rows (kind), as the world's dunning has them (declines.ts): its declined
        -- attempts (10 + r: the first at the invoice's time, retry r DUNNING_RETRY_DAYS[r - 1] days
        -- later at its time of day), the charge that pays it (0; none when dunning ran out), and for
        -- some its refund, in full, 1 to REFUND_WITHIN_DAYS days after that charge (2; a goodwill
        -- refund of the period, after an outage or a complaint: the subscription goes on, and its
        -- next invoice is charged as any)
        select case kind when 0 then paid_day when 2 then paid_day + 1 + ${ri("ik", F.refund + 100, REFUND_WITHIN_DAYS)}
            else day + [0, ${DUNNING_RETRY_DAYS.join(", ")}][kind - 9] end,
          case kind when 0 then paid_sec when 2 then ${refundSecSql("ik")} else sec end,
          case when kind = 0 then ik else hash(${s}, 5, invoice_id, kind) end,
          case when kind = 2 then 'refund' else 'charge' end, case when kind >= 10 then 'failed' else 'succeeded' end,
          case when kind >= 10 then failure_code end, amount,
          currency, null, customer_id, invoice_id, subscription_id, case when kind = 2 then ${hexId(`'ch_'`, "ik")} end, null, false, false, ${INVOICE_ORD} + n, false, n,
          case when kind = 2 then paid_day end, case when kind = 2 then paid_sec end
        from (select *, unnest(list_concat(list_transform(range(declines), r -> 10 + r), case when paid_day is null then [] else [0] end,
            case when paid_day is not null and ${chance("ik", F.refund, INVOICE_REFUND)} then [2] else [] end)) as kind
          from (select iv.*, c.customer_id, c.utc_offset, hash(${s}, 5, iv.invoice_id) as ik
            from w_invoices iv join w_customers c using (n) where iv.day between ${lo} and ${ctx.to}))),
      flagged as (select *,
          ${flag(ctx, "late_arrival", "pk")} as d_late_arrival,
          ${flag(ctx, "null_required", "pk")} and okey is not null and not keeps_order as d_null_required,
          ${flag(ctx, "orphan_fk", "pk")} and okey is not null and not keeps_order as d_orphan_fk,
          ${flags(ctx, "pk", ["invalid_code", "mixed_timestamp", "future_timestamp"])},
          p_partial as d_payment_partial, p_double as d_payment_double
        from charges where day >= ${lo}),
      -- the customer's card at the record's time (a refund's at its charge's; cards.ts: its first,
      -- or the last it updated to by then), with the expiry it shows in that month: an
      -- expired_card decline's the one that passed
      carded as (select *, coalesce(card_day, day) as cday, coalesce(card_sec, sec) as csec from flagged),
      rows as (select f.*, day + ${lagDays(ctx, "pk", "d_late_arrival")} as arrival,
          ${cardColumns} from carded f asof join w_cards k on f.n = k.n and f.cday::bigint * 86400 + f.csec >= k.from_sec)
      /* in time order: ord * 4 fits below 2^30 (an invoice's charge's ord is INVOICE_ORD + its account's number) */
      select ${dateOf("arrival")} as dt, (day::hugeint * 86400 + sec) * 1073741824 + ord * 4 + (pk % 4) as seq,
        ${hexId(`case when object = 'refund' then 're_' else 'ch_' end`, "pk")} as rkey,
        d_late_arrival, d_null_required, d_orphan_fk, d_invalid_code, d_mixed_timestamp, d_future_timestamp,
        okey, d_payment_partial, d_payment_double,
        rkey as id, object,
        ${mixedTs(`case when d_future_timestamp then ${tsOf("arrival + 1 + " + ri("pk", F.futureDays, 20), "sec")} else ${tsOf("day", "sec")} end`, "pk", F.mixed, "d_mixed_timestamp")} as created,
        case when d_null_required then null else amount_major end as amount_major,
        case when d_null_required then null else ${amountMinor("amount_major")} end as amount_minor,
        case when d_invalid_code then ${oneOf("pk", F.which, INVALID_CURRENCIES)} else lower(currency) end as currency,
        status, failure_code,
        struct_pack(
          order_id := case when d_null_required then null when d_orphan_fk then ${orphanOrderId("pk", F.orphan)} else order_id end,
          customer_id := customer_id, invoice_id := invoice_id, subscription_id := subscription_id) as metadata,
        struct_pack(type := 'card', card := struct_pack(
          brand := [${CARD_BRANDS.map(lit).join(", ")}][card_brand + 1], last4 := lpad(card_last4::varchar, 4, '0'),
          exp_month := card_exp % 12 + 1, exp_year := 1970 + card_exp // 12)) as payment_method_details,
        charge_ref as charge
      from rows where ${arrives(ctx, "arrival")}`;
  },
  variants(ctx) {
    const drift = ctx.rules.drift.payments_unit_change;
    const rest = ["currency", "status", "failure_code", "metadata", "payment_method_details", "charge"];
    return [
      { to: drift - 1, columns: ["id", "object", "created", `amount_major::${AMOUNT_MAJOR} as amount`, ...rest] },
      { from: drift, columns: ["id", "object", "created", "amount_minor as amount", ...rest] }
    ];
  }
};

// generator/sources/shop.ts
function salesChannel(k) {
  return oneOf(k, F.channel, ["web", "web", "app", "api"]);
}
var SAME_DAY_UNTIL = 16 * 3600;

// generator/sources/support.ts
var RESPOND_MINUTES = 2880;
var SOLVE_HOURS = 240;
var TICKET_DAYS = Math.floor((86399 + 60 * (5 + RESPOND_MINUTES) + 3600 * (1 + SOLVE_HOURS)) / 86400);
var PRIORITY_DRAW = [...Array(6).fill("low"), ...Array(10).fill("normal"), ...Array(3).fill("high"), "urgent"];
var PAID = CHANNELS.filter((c) => c.paid);
var AD_PRICES = {
  paid_search: { cpc: [2.5, 4.5], ctr: [0.03, 0.06], currency: "USD" },
  paid_social: { cpc: [0.8, 1.6], ctr: [8e-3, 0.015], currency: "USD" },
  linkedin_ads: { cpc: [5, 9], ctr: [4e-3, 8e-3], currency: "EUR" },
  display: { cpc: [0.6, 1.2], ctr: [1e-3, 3e-3], currency: "USD" }
};
function adRows(ctx, lo, hi) {
  const r = ctx.rules;
  const channels = PAID.map((c, i) => {
    const p = AD_PRICES[c.id];
    if (!p) throw new Error(`internal: no ad prices for the paid channel ${c.id}`);
    return `select ${i} as ci, '${c.id}' as channel, '${p.currency}' as currency, ${p.cpc[0]} as cpc_lo, ${p.cpc[1]} as cpc_hi, ${p.ctr[0]} as ctr_lo, ${p.ctr[1]} as ctr_hi`;
  }).join(" union all ");
  return `(with base as (
      select d::integer as day, ch.*, camp::integer as campaign, hash(${r.seed}, 10, d, ch.ci, camp) as k
      from range(${lo}, ${hi + 1}) t(d), (${channels}) ch, range(${r.volume.campaigns_per_channel}) c(camp)),
    spent as (select *, ${dayFactor(ctx, "day", 10)} * (0.6 + 0.8 * ${u("k", F.spend)}) * ${300 * ctx.scale} / (1 + campaign) as spend_raw from base),
    clicked as (select *, round(spend_raw / (cpc_lo + (cpc_hi - cpc_lo) * ${u("k", F.spend + 1)}))::bigint as clicks from spent)
    select day, ci, channel, currency, campaign, k, spend_raw, clicks,
      round(clicks / (ctr_lo + (ctr_hi - ctr_lo) * ${u("k", F.spend + 2)}))::bigint as impressions
    from clicked)`;
}

// generator/sources/events.ts
var ANON_IDS = 2 ** 48;
function anonymousId(x) {
  return `'anon_' || lpad(lower(hex(${x})), 12, '0')`;
}
var SITE_PAGES = ["/", "/pricing", "/features", "/docs", "/blog", "/marketplace"];
var APP_PAGES = ["/app/dashboard", "/app/reports", "/app/settings"];
var FEATURES = ["dashboards", "reports", "exports", "alerts", "api", "sso", "integrations"];
function sessionStart(tod, offsetSec) {
  return `(${secondOfDaySql(tod, offsetSec)}) * 95 // 96`;
}
var SESSION_EVENTS = 7;
function backgroundSessionsSql(ctx, day) {
  return `round(${ctx.rules.volume.events_per_day * ctx.scale / ((SESSION_EVENTS + 1) / 2)} * ${dayFactor(ctx, day, 6)})`;
}
var BROWSE_PER_ORDER = 4;
function browseSessionsSql(ctx, day) {
  return `round(${ctx.rules.volume.orders_per_day * ctx.scale * BROWSE_PER_ORDER} * ${dayFactor(ctx, day, 3)})`;
}
var CART_ABANDONED = 0.22;
var BROWSE_VIEWS = [0.3, 0.09, 0.027];
var BROWSE_PAGES = ["/marketplace/search", "/marketplace/listing"];
var BROWSE_EVENTS = 2 + BROWSE_VIEWS.length;
var CLICKS_LANDED = 0.9;
var LANDING_PAGES = ["/", "/pricing", "/features", "/blog"];
var MARKETPLACE_ENTRY = ["/marketplace", "/marketplace/search"];
var ACTIVATION_REACH = { converts: [0.85, 0.7, 0.55], other: [0.45, 0.3, 0.2] };
var ACTIVATION_WAIT = 3 * 86400;
var ACTIVATION_MIN_WAIT = 300;
function activationStepSql(prev, x, tod) {
  const wait = `${ACTIVATION_MIN_WAIT} + floor(${x} * ${x} * ${x} * ${ACTIVATION_WAIT})::bigint`;
  const at = `((${prev} + ${wait}) // 86400 * 86400 + ${secondOfDaySql(tod, "utc_offset")})`;
  return `(${at} + case when ${at} < ${prev} + ${ACTIVATION_MIN_WAIT} then 86400 else 0 end)`;
}
var EVENT_TYPE = { pageView: "page_view", featureUsed: "feature_used", checkout: "checkout_completed", signedUp: "signed_up", activationStep: "activation_step_completed" };
var PAGE = { cart: "/marketplace/cart", checkout: "/marketplace/checkout", signup: "/signup", onboarding: "/app/onboarding" };
var NOTE_DOMAINS = ["gmail.com", "outlook.com", "acme.io"];
var TOUCH_WINDOW = 14 * 86400 - 60;
var SIGNUP_REACH_DAYS = 14;
function touchDaySql() {
  return "case when day0 = signup_day and sec0 > signup_sec - 60 then day0 - 1 else day0 end as tday, sec0 as tsec";
}
var OWN_CHANNEL_TOUCH = 0.5;
var ORD = { touch: 268435456, signup: 536870912, activation: 805306368, checkout: 1073741824, browse: 1342177280, landing: 1879048192 };
function checkoutSecSql() {
  return `case when declines between 1 and ${ORDER_RETRIES} then least(${orderAttemptSecSql("k", "sec", "declines")}, 86399) else sec end`;
}
function weightedChannel(v) {
  const total = CHANNELS.reduce((a, c) => a + c.weight, 0);
  let acc = 0;
  const whens = CHANNELS.slice(0, -1).map((c) => `when ${v} < ${(acc += c.weight) / total} then '${c.id}'`);
  return `case ${whens.join(" ")} else '${CHANNELS[CHANNELS.length - 1].id}' end`;
}
function utm(field, col) {
  return `case ${col} ${CHANNELS.map((c) => `when '${c.id}' then '${c[field]}'`).join(" ")} end`;
}
var events = {
  name: "product/events",
  readsOrders: true,
  uniqueSeq: true,
  description: "Product analytics events in sessions, with a JSON properties object (UTM touches, signups, activation, marketplace, checkout).",
  defects: ["late_arrival", "null_required", "orphan_fk", "invalid_code", "pii_in_json", "mixed_timestamp", "future_timestamp"],
  records(ctx) {
    const r = ctx.rules;
    const s = r.seed;
    const lo = firstEventDay(ctx, r.arrival.max_lag_days);
    const deviceOf = (n) => anonymousId(`hash(${s}, ${n}) % ${ANON_IDS}`);
    const visitorOf = (k) => anonymousId(ri(k, F.anon, ANON_IDS));
    const sessionsOf = (numbered, salt) => `select day, i, k, ${ri("k", F.sec, TIME_DRAW)} as tod
        from (select *, hash(${s}, ${salt}, day, i) as k from ${numbered})`;
    const lookBack = lo < ctx.from;
    const sessionEvents = (sessions, j, access = false) => {
      const account = (alias) => `${joinZipfCustomer(ctx, alias, `${alias}.k`)}${access ? ` left join w_access a on a.n = c.n and ${alias}.day >= a.from_day and ${alias}.day < a.to_day` : ""}`;
      const joined = `x.*, c.customer_id, c.n, ${sessionStart("x.tod", "c.utc_offset")} as start${access ? ", a.n is not null as app" : ""}`;
      const current = `select *, ${j} as j from (select ${joined} from ${sessions} x ${account("x")}${lookBack ? ` where x.day >= ${ctx.from}` : ""})`;
      if (!lookBack) return current;
      const arriving = `day + ${lagDays(ctx, "hash(k, j)", flag(ctx, "late_arrival", "hash(k, j)"))} >= ${ctx.from}`;
      return `${current} union all by name
        select ${joined} from (select * from (select *, ${j} as j from ${sessions} where day < ${ctx.from}) where ${arriving}) x ${account("x")}`;
    };
    return `with days as (select d::integer as day from range(${lo}, ${ctx.to + 1}) t(d)),
      bg as (select day, unnest(range(${backgroundSessionsSql(ctx, "day")}::bigint)) as i from days),
      sessions as (select *, ${u("k", F.kind)} < 0.6 as anon from (${sessionsOf("bg", 6)})),
      -- ek: the event's key; k, the session's, names a visitor. site: a visitor's session, or an
      -- account's on a day it may not use the app (its trial over, or churned), which visits the
      -- public site instead (under its device and account, which the tracker remembers)
      bgev as (select *, hash(k, j) as ek, anon or not app as site
        from (${sessionEvents("sessions", `unnest(range(1 + ${ri("k", F.len, SESSION_EVENTS)}))`, true)})),
      bgrows as (
        select day, start + j * 120 + ${ri("ek", F.sec, 100)} as sec, ek as k, i * 8 + j as ord, day::bigint * 86400 + start as ses,
          case when anon then null else customer_id end as account_id,
          case when anon then ${visitorOf("b.k")} else ${deviceOf("n")} end as anonymous_id,
          case when site or ${u("ek", F.type)} < 0.5 then '${EVENT_TYPE.pageView}' else '${EVENT_TYPE.featureUsed}' end as event_type,
          case when site then ${oneOf("ek", F.page, SITE_PAGES)} else ${oneOf("ek", F.page, APP_PAGES)} end as page,
          null::varchar as channel, null::integer as campaign,
          case when site or ${u("ek", F.type)} < 0.5 then null else ${oneOf("ek", F.feature, FEATURES)} end as feature,
          null::integer as step, null::varchar as order_id, null::double as amount
        from bgev b),
      br as (select day, unnest(range(${browseSessionsSql(ctx, "day")}::bigint)) as i from days),
      -- a browsing session's further views (more: 0 to 3, by one draw v) and whether it views the cart
      browse as (select *, ${BROWSE_VIEWS.map((t) => `(v < ${t})::integer`).join(" + ")} as more, ${u("k", F.kind)} < ${CART_ABANDONED} as cart
        from (select *, ${u("k", F.len)} as v from (${sessionsOf("br", 10)}))),
      browserows as (
        select day, start + j * 120 + ${ri("hash(b.k, j)", F.sec, 100)}, hash(b.k, j), ${ORD.browse} + i * ${BROWSE_EVENTS} + j, day::bigint * 86400 + start,
          customer_id, ${deviceOf("n")}, '${EVENT_TYPE.pageView}',
          case when j = 0 then ${oneOf("b.k", F.page, MARKETPLACE_ENTRY)} when j <= more then ${oneOf("hash(b.k, j)", F.page, BROWSE_PAGES)} else '${PAGE.cart}' end,
          null, null, null, null, null, null
        from (${sessionEvents("browse", "unnest(range(1 + more + cart::integer))")}) b),
      ads as (select *, coalesce(sum(landed) over (partition by day order by ci, campaign rows between unbounded preceding and 1 preceding), 0) as before
        from (select day, ci, channel, campaign, k, round(clicks * ${CLICKS_LANDED})::bigint as landed from ${adRows(ctx, lo, ctx.to)})),
      adj as (select *, unnest(range(landed)) as i from ads),
      -- lk: the landing's key; a visitor from an ad lands in the business hours of a country drawn as signups draw theirs
      adraw as (select *, ${ri("lk", F.sec, TIME_DRAW)} as tod, [${VISITOR_OFFSETS.join(", ")}][1 + ${ri("lk", F.zone, VISITOR_OFFSETS.length)}] as utc_offset
        from (select *, hash(k, i) as lk from adj)),
      adev as (select *, ${secondOfDaySql("tod", "utc_offset")} as sec from adraw),
      landings as (
        select day, sec, lk, ${ORD.landing} + before + i, day::bigint * 86400 + sec, null, ${visitorOf("lk")},
          '${EVENT_TYPE.pageView}', ${oneOf("lk", F.page, LANDING_PAGES)}, channel, campaign, null, null, null, null
        from adev),
      newbies as (select * from w_customers where not is_initial and signup_day between ${lo - SIGNUP_REACH_DAYS} and ${ctx.to + SIGNUP_REACH_DAYS}),
      -- a touch's day is drawn in its window (TOUCH_WINDOW), its time of day in the business hours of
      -- the account's country (timeOfDay.ts); on the signup's day a time not before the signup (less
      -- 60 s) moves it to the day before (touchDaySql)
      touch_abs as (
        select c.*, t, c.signup_day::bigint * 86400 + c.signup_sec - 60 - ${ri("hash(c.n, t)", F.touchDay, `least(${TOUCH_WINDOW}, greatest(1, c.signup_day::bigint * 86400 + c.signup_sec - ${r.company.founded * 86400 + 59}))`)} as abs_sec,
          ${ri("hash(c.n, t)", F.sec, TIME_DRAW)} as tod
        from newbies c, (select unnest(range(1 + ${ri("hash(c.n)", F.touches, 3)}::integer)) as t)),
      touch_at as (select *, ${touchDaySql()} from (select *, (abs_sec // 86400)::integer as day0, ${secondOfDaySql("tod", "utc_offset")} as sec0 from touch_abs)),
      -- touch 0 (at any of the touches' times) comes through the signup's own channel and campaign;
      -- each other touch half the time too, else through a channel drawn by the channels' weights (one
      -- of its campaigns, if paid):
      -- so first-touch, last-touch and linear attribution tell different stories
      touch_from as (
        select *, t > 0 and ${u("hash(c.n, t, 1)", F.channel)} < ${1 - OWN_CHANNEL_TOUCH} as elsewhere,
          case when elsewhere then ${weightedChannel(u("hash(c.n, t, 2)", F.channel))} else c.channel end as touch_channel,
          case when not elsewhere then c.campaign when touch_channel in (${CHANNELS.filter((x) => x.paid).map((x) => `'${x.id}'`).join(", ")})
            then ${ri("hash(c.n, t, 3)", F.channel, r.volume.campaigns_per_channel)}::integer end as touch_campaign
        from touch_at c),
      touches as (
        select tday, tsec, hash(${s}, 7, c.n, t), ${ORD.touch} + c.n * 8 + t, tday::bigint * 86400 + tsec, null,
          ${deviceOf("c.n")}, '${EVENT_TYPE.pageView}', ${oneOf("hash(c.n, t)", F.page, LANDING_PAGES)}, touch_channel, touch_campaign, null, null, null, null
        from touch_from c),
      signups as (
        select signup_day, signup_sec, hash(${s}, 8, n), ${ORD.signup} + n, signup_day::bigint * 86400 + signup_sec, customer_id,
          ${deviceOf("n")}, '${EVENT_TYPE.signedUp}', '${PAGE.signup}', channel, campaign, null, null, null, null
        from newbies),
      -- each step on the day a wait after the one before (or the signup) ends, at its own time of the
      -- account's business hours (activationStepSql): a0 the signup, a1..a3 the steps
      activation as (
        select day, sec, hash(${s}, 9, n, st), ${ORD.activation} + n * 4 + st, day::bigint * 86400 + sec, customer_id, ${deviceOf("n")},
          '${EVENT_TYPE.activationStep}', '${PAGE.onboarding}', null, null, null, st::integer, null, null
        from (select n, customer_id, st, (step_at // 86400)::integer as day, (step_at % 86400)::integer as sec from (
          select c.n, c.customer_id, st, case st when 1 then a1 when 2 then a2 else a3 end as step_at
          from (select *, signup_day::bigint * 86400 + signup_sec as a0, ${[1, 2, 3].map((st) => `${activationStepSql(`a${st - 1}`, `x${st}`, `tod${st}`)} as a${st}`).join(", ")}
            from (select *, ${[1, 2, 3].map((st) => `${u("hash(n)", F.activation + 100 + st)} as x${st}, ${ri("hash(n)", F.activation + 200 + st, TIME_DRAW)} as tod${st}`).join(", ")}
              from newbies)) c,
            (select unnest(range(1, 4)) as st)
          where ${u("hash(c.n)", F.activation)} < case when c.converts then [${ACTIVATION_REACH.converts.join(", ")}] else [${ACTIVATION_REACH.other.join(", ")}] end[st]))),
      buys as (
        select day, sec, k, i, customer_id, n, order_id, total, declines, is_unpaid, sec - ${ri("hash(k, 10)", F.sec, "least(sec, 300) + 1")} as cart_sec, unnest([0, 1, 2]) as j
        from ${universeOrders(ctx)} where day >= ${lo} and ${salesChannel("k")} <> 'api'),
      checkout as (
        select day, case j when 0 then ${checkoutSecSql()} when 1 then cart_sec else cart_sec - ${ri("hash(k, 12)", F.sec, "least(cart_sec, 600) + 1")} end,
          hash(k, 9 + j), ${ORD.checkout} + i * 4 + j, day::bigint * 86400 + sec,
          -- an unpaid order's checkout (every charge declined) is not completed: a view of its page
          customer_id, ${deviceOf("n")}, case when j = 0 and not is_unpaid then '${EVENT_TYPE.checkout}' else '${EVENT_TYPE.pageView}' end,
          case j when 0 then '${PAGE.checkout}' when 1 then '${PAGE.cart}' else ${oneOf("hash(k, 12)", F.page, MARKETPLACE_ENTRY)} end,
          null, null, null, null, case when j = 0 and not is_unpaid then order_id end, case when j = 0 and not is_unpaid then total end
        from buys),
      allev as (select * from bgrows union all select * from browserows union all select * from landings union all select * from touches union all select * from signups
        union all select * from activation union all select * from checkout),
      flagged as (select *,
          ${flags(ctx, "k", ["late_arrival", "null_required"])},
          ${flag(ctx, "orphan_fk", "k")} and account_id is not null as d_orphan_fk,
          ${flags(ctx, "k", ["invalid_code", "pii_in_json", "mixed_timestamp", "future_timestamp"])}
        from allev where day between ${lo} and ${ctx.to}),
      rows as (select *, day + ${lagDays(ctx, "k", "d_late_arrival")} as arrival from flagged)
      select ${dateOf("arrival")} as dt, (day::bigint * 86400 + sec) * 2147483648 + ord as seq,
        ${hexId(`'evt_'`, "k")} as rkey,
        d_late_arrival, d_null_required, d_orphan_fk, d_invalid_code, d_pii_in_json, d_mixed_timestamp, d_future_timestamp,
        rkey as event_id,
        case when d_null_required then null when d_invalid_code then upper(event_type[1]) || event_type[2:] else event_type end as event_type,
        ${mixedTs(`case when d_future_timestamp then ${tsOf("arrival + 1 + " + ri("k", F.futureDays, 20), "sec")} else ${tsOf("day", "sec")} end`, "k", F.mixed, "d_mixed_timestamp")} as occurred_at,
        anonymous_id,
        case when d_orphan_fk then ${orphanCustomerId("k", F.orphan + 1)} else account_id end as account_id,
        ${hexId(`'ses_'`, "hash(anonymous_id, ses // 1800)")} as session_id,
        page,
        case when channel is null then null else ${utm("utmSource", "channel")} end as utm_source,
        case when channel is null then null else ${utm("utmMedium", "channel")} end as utm_medium,
        case when campaign is null then null else channel || '_' || campaign end as utm_campaign,
        feature, step, order_id, amount::decimal(14, 2) as amount,
        case when not d_pii_in_json then null
          when ${ri("k", F.piiKind, 2)} = 0 then 'please contact me at ' || coalesce(lower(account_id), 'visitor' || ${ri("k", F.piiKind + 1, 999)}) || '@' || ${oneOf("k", F.piiKind + 2, NOTE_DOMAINS)} || ' about billing'
          else 'call me back on +44 20 7946 ' || lpad(${ri("k", F.piiKind + 3, 1e4)}::varchar, 4, '0') end as note
      from rows where ${arrives(ctx, "arrival")}`;
  },
  variants(ctx) {
    const drift = ctx.rules.drift.events_property_renamed;
    const head = ["event_id", "event_type", "occurred_at", "anonymous_id", "account_id", "session_id"];
    const props = (pageKey) => `struct_pack(${pageKey} := page, utm_source := utm_source, utm_medium := utm_medium, utm_campaign := utm_campaign, feature := feature, step := step, order_id := order_id, amount := amount, note := note) as properties`;
    const quoted = (key, expr) => `',"${key}":"' || ${expr} || '"'`;
    const bare = (key, expr) => `',"${key}":' || ${expr}`;
    const json = (pageKey) => `concat('{"event_id":"', event_id, '","event_type":', coalesce('"' || event_type || '"', 'null'),
      ',"occurred_at":"', occurred_at, '","anonymous_id":"', anonymous_id, '"', ${quoted("account_id", "account_id")},
      ',"session_id":"', session_id, '","properties":{"${pageKey}":"', page, '"',
      ${quoted("utm_source", "utm_source")}, ${quoted("utm_medium", "utm_medium")}, ${quoted("utm_campaign", "utm_campaign")},
      ${quoted("feature", "feature")}, ${bare("step", "step")}, ${quoted("order_id", "order_id")},
      ${bare("amount", "amount")}, ${bare("note", "to_json(note)")}, '}}')`;
    return [
      { to: drift - 1, columns: [...head, props("page_path")], json: json("page_path") },
      { from: drift, columns: [...head, props("path")], json: json("path") }
    ];
  }
};

// generator/world.ts
var countryWeights = COUNTRIES.map((c) => c.weight);
var movingFrom = new Map(COUNTRIES.map((from) => [from.code, COUNTRIES.map((c) => c === from ? 0 : c.weight)]));
var channelWeights = CHANNELS.map((c) => c.weight);
var PROFILE_CHANGES = [
  { kind: "email", weight: 60 },
  { kind: "size", weight: 30 },
  { kind: "rename", weight: 7 },
  { kind: "country", weight: 3 }
];
var profileChangeWeights = PROFILE_CHANGES.map((k) => k.weight);
function poolOn(world, founded, day) {
  return day <= founded ? world.cumulative[0] : world.cumulative[day - founded - 1];
}
var ANNUAL_CHURN_SHARE = 1 / 3;

// generator/wasmLines.ts
import { closeSync as closeSync2, mkdirSync as mkdirSync2, openSync as openSync2, readFileSync as readFileSync2 } from "node:fs";
import { join } from "node:path";

// generator/writer.ts
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from "node:fs";
var PROFILE = process.env.STRATUM_PROFILE_SQL === "1";
var WRITE_CHUNK = 32 << 10;
function writeAll(fd, data, file) {
  const buf = typeof data === "string" ? Buffer.from(data) : data;
  try {
    for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at, Math.min(WRITE_CHUNK, buf.length - at));
  } catch (e) {
    e.path ??= file;
    throw e;
  }
}
var KEY_SEP = "";
var KEY_SEP_SQL = `chr(${KEY_SEP.charCodeAt(0)})`;

// generator/wasmLines.ts
var compiled = /* @__PURE__ */ new Map();
function instantiate(url) {
  let module = compiled.get(url.href);
  if (!module) compiled.set(url.href, module = new WebAssembly.Module(readFileSync2(url)));
  const text = (ptr) => {
    const memory = instance.exports.memory;
    const at = ptr >>> 0;
    return at === 0 ? "" : Buffer.from(memory.buffer, at, new Uint32Array(memory.buffer, at - 4, 1)[0]).toString("utf16le");
  };
  const instance = new WebAssembly.Instance(module, { env: { abort: (message, file, line, col) => {
    throw new Error(`internal: ${text(message)} at ${text(file)}:${line}:${col}`);
  } } });
  const exports = { ...instance.exports };
  for (const name of UNSIGNED_EXPORTS) {
    const f = exports[name];
    if (typeof f === "function") exports[name] = (...args) => f(...args) >>> 0;
  }
  return exports;
}
var UNSIGNED_EXPORTS = ["reserve", "outPtr", "outLen", "truthPtr"];
function setTextsAndConfig(x, lists, slots, config) {
  const texts = [];
  for (const [name, list] of Object.entries(lists)) {
    config[slots[name]] = texts.length;
    config[slots[name] + 1] = list.length;
    for (const t of list) texts.push(t);
  }
  const encoded = texts.map((t) => Buffer.from(t, "latin1"));
  const total = encoded.reduce((a, b) => a + b.length, 0);
  const index = x.reserve(texts.length * 8);
  const bytes = x.reserve(total);
  let offset = 0;
  encoded.forEach((b, i) => {
    new Uint32Array(x.memory.buffer, index + i * 8, 2).set([offset, b.length]);
    new Uint8Array(x.memory.buffer, bytes + offset, b.length).set(b);
    offset += b.length;
  });
  x.setText(index, bytes);
  const cfg = x.reserve(config.byteLength);
  new Float64Array(x.memory.buffer, cfg, config.length).set(config);
  x.setConfig(cfg);
}
function hexKey(prefix, k) {
  return `${prefix}${(k & 0xffffffffffffn).toString(16).padStart(12, "0")}`;
}
function writeDayFile(x, root, source, day, kinds, keyOf2) {
  const date = formatDay(day);
  const file = `${source}/dt=${date}/part-00000.jsonl`;
  try {
    mkdirSync2(root);
  } catch (e) {
    if (e.code !== "EEXIST") throw e;
  }
  mkdirSync2(join(root, source, `dt=${date}`), { recursive: true });
  let bytes = 0;
  const fd = openSync2(join(root, file), "w");
  try {
    for (let more = 1; ; more = x.writeMore()) {
      if (x.outLen() > 0) writeAll(fd, Buffer.from(x.memory.buffer, x.outPtr(), x.outLen()), join(root, file));
      bytes += x.outLen();
      if (more === 0) break;
    }
  } finally {
    closeSync2(fd);
  }
  const rows = x.lineCount();
  const defects = Object.fromEntries(kinds.map((k) => [k, { count: 0, keys: [] }]));
  const malformed = [];
  const truth = new DataView(x.memory.buffer, x.truthPtr(), x.truthLen() * 24);
  const malformedBit = 1 << kinds.indexOf("malformed");
  for (let i = 0; i < x.truthLen(); i++) {
    const k = truth.getBigUint64(i * 24, true);
    const bits = truth.getUint32(i * 24 + 8, true);
    const aux = truth.getBigUint64(i * 24 + 16, true);
    for (let b = 0; b < kinds.length; b++) if (bits & 1 << b) defects[kinds[b]].keys.push(keyOf2(kinds[b], k, bits, aux));
    if (bits & malformedBit) malformed.push({ file, line: truth.getUint32(i * 24 + 12, true), key: keyOf2("malformed", k, bits, aux) });
  }
  for (const k of kinds) defects[k].count = defects[k].keys.length;
  defects.malformed.records = malformed;
  return { format: "jsonl", files: [file], rows, bytes, defects };
}

// generator/eventsWriter.ts
var WASM = new URL("./assembly/events.wasm", import.meta.url);
var KINDS = [...events.defects, "duplicate", "malformed"];
var CFG = {
  seed: 0,
  late: 1,
  nulled: 2,
  orphan: 3,
  invalid: 4,
  pii: 5,
  mixed: 6,
  future: 7,
  duplicate: 8,
  malformed: 9,
  maxLag: 10,
  driftDay: 11,
  zipfK: 12,
  sessionEvents: 13,
  cartAbandoned: 14,
  ownChannelTouch: 15,
  campaigns: 16,
  reach: 17,
  ordTouch: 20,
  ordSignup: 21,
  ordActivation: 22,
  ordCheckout: 23,
  ordBrowse: 24,
  ordLanding: 25,
  channels: 26,
  fLate: 27,
  fLag: 28,
  fCustomer: 29,
  fSec: 30,
  fNull: 31,
  fOrphan: 32,
  fInvalid: 33,
  fFuture: 34,
  fFutureDays: 35,
  fMixed: 36,
  fChannel: 37,
  fKind: 38,
  fPage: 39,
  fPii: 40,
  fPiiKind: 41,
  fAnon: 42,
  fTouches: 43,
  fTouchDay: 44,
  fActivation: 45,
  fDup: 46,
  fMalformed: 47,
  fLen: 48,
  fFeature: 49,
  fType: 50,
  anonIds: 51,
  founded: 52,
  touchWindow: 53,
  reachOther: 54,
  activationWait: 57,
  fZone: 58,
  activationMinWait: 59,
  browseViews: 84,
  browseEvents: 87,
  signupReach: 88,
  channelThresholds: 100,
  paid: 120,
  hourWeights: 130,
  visitors: 154,
  visitorOffsets: 160
};
var LISTS = {
  site: 60,
  app: 62,
  features: 64,
  landing: 66,
  entry: 68,
  domains: 70,
  channelIds: 72,
  utm: 74,
  customerIds: 76,
  types: 78,
  pages: 80,
  browse: 82
};
var EventsWriter = class {
  /**
   * `buffers` replaces the module's sizes: the pieces a day's file is handed out in (32 MB) and the
   * largest chunk of lines it keeps (64 MB); tests make them small, to cross them.
   */
  constructor(rules, accounts, buffers) {
    this.rules = rules;
    this.accounts = accounts;
    this.x = instantiate(WASM);
    const x = this.x;
    const r = rules;
    const lists = {
      site: SITE_PAGES,
      app: APP_PAGES,
      features: FEATURES,
      landing: LANDING_PAGES,
      entry: MARKETPLACE_ENTRY,
      domains: NOTE_DOMAINS,
      channelIds: CHANNELS.map((c) => c.id),
      utm: CHANNELS.map((c) => `,"utm_source":"${c.utmSource}","utm_medium":"${c.utmMedium}"`),
      customerIds: accounts.ids,
      // in the order assembly/events.ts numbers them
      types: [EVENT_TYPE.pageView, EVENT_TYPE.featureUsed, EVENT_TYPE.checkout, EVENT_TYPE.signedUp, EVENT_TYPE.activationStep],
      pages: [PAGE.cart, PAGE.checkout, PAGE.signup, PAGE.onboarding],
      browse: BROWSE_PAGES
    };
    const config = new Float64Array(CFG.visitorOffsets + VISITOR_OFFSETS.length);
    const d = r.defects;
    Object.assign(config, {
      [CFG.seed]: r.seed,
      [CFG.late]: d.late_arrival,
      [CFG.nulled]: d.null_required,
      [CFG.orphan]: d.orphan_fk,
      [CFG.invalid]: d.invalid_code,
      [CFG.pii]: d.pii_in_json,
      [CFG.mixed]: d.mixed_timestamp,
      [CFG.future]: d.future_timestamp,
      [CFG.duplicate]: d.duplicate,
      [CFG.malformed]: d.malformed,
      [CFG.maxLag]: r.arrival.max_lag_days,
      [CFG.driftDay]: r.drift.events_property_renamed,
      [CFG.zipfK]: r.skew.zipf_exponent,
      [CFG.sessionEvents]: SESSION_EVENTS,
      [CFG.cartAbandoned]: CART_ABANDONED,
      [CFG.ownChannelTouch]: OWN_CHANNEL_TOUCH,
      [CFG.campaigns]: r.volume.campaigns_per_channel,
      [CFG.ordTouch]: ORD.touch,
      [CFG.ordSignup]: ORD.signup,
      [CFG.ordActivation]: ORD.activation,
      [CFG.ordCheckout]: ORD.checkout,
      [CFG.ordBrowse]: ORD.browse,
      [CFG.ordLanding]: ORD.landing,
      [CFG.channels]: CHANNELS.length,
      [CFG.fLate]: F.late,
      [CFG.fLag]: F.lag,
      [CFG.fCustomer]: F.customer,
      [CFG.fSec]: F.sec,
      [CFG.fNull]: F.null,
      [CFG.fOrphan]: F.orphan,
      [CFG.fInvalid]: F.invalid,
      [CFG.fFuture]: F.future,
      [CFG.fFutureDays]: F.futureDays,
      [CFG.fMixed]: F.mixed,
      [CFG.fChannel]: F.channel,
      [CFG.fKind]: F.kind,
      [CFG.fPage]: F.page,
      [CFG.fPii]: F.pii,
      [CFG.fPiiKind]: F.piiKind,
      [CFG.fAnon]: F.anon,
      [CFG.fTouches]: F.touches,
      [CFG.fTouchDay]: F.touchDay,
      [CFG.fActivation]: F.activation,
      [CFG.fDup]: F.dup,
      [CFG.fMalformed]: F.malformed,
      [CFG.fLen]: F.len,
      [CFG.fFeature]: F.feature,
      [CFG.fType]: F.type,
      [CFG.anonIds]: ANON_IDS,
      [CFG.founded]: r.company.founded,
      [CFG.touchWindow]: TOUCH_WINDOW,
      [CFG.activationWait]: ACTIVATION_WAIT,
      [CFG.activationMinWait]: ACTIVATION_MIN_WAIT,
      [CFG.fZone]: F.zone,
      [CFG.visitors]: VISITOR_OFFSETS.length,
      [CFG.browseEvents]: BROWSE_EVENTS,
      [CFG.signupReach]: SIGNUP_REACH_DAYS
    });
    HOUR_WEIGHTS.forEach((w, h) => config[CFG.hourWeights + h] = w);
    VISITOR_OFFSETS.forEach((o, i) => config[CFG.visitorOffsets + i] = o);
    ACTIVATION_REACH.converts.forEach((v, i) => config[CFG.reach + i] = v);
    ACTIVATION_REACH.other.forEach((v, i) => config[CFG.reachOther + i] = v);
    BROWSE_VIEWS.forEach((v, i) => config[CFG.browseViews + i] = v);
    const weights = CHANNELS.reduce((a, c) => a + c.weight, 0);
    let acc = 0;
    CHANNELS.forEach((c, i) => {
      config[CFG.channelThresholds + i] = (acc += c.weight) / weights;
      config[CFG.paid + i] = c.paid ? 1 : 0;
    });
    setTextsAndConfig(x, lists, LISTS, config);
    const customers = x.reserve(accounts.data.byteLength);
    new Int32Array(x.memory.buffer, customers, accounts.data.length).set(accounts.data);
    x.setCustomers(accounts.ids.length, customers);
    const access = x.reserve(accounts.access.byteLength);
    new Int32Array(x.memory.buffer, access, accounts.access.length).set(accounts.access);
    x.setAccess(access);
    x.start(r.arrival.max_lag_days, buffers?.piece ?? 0, buffers?.chunk ?? 0);
  }
  rules;
  accounts;
  x;
  /**
   * Writes the events arriving in [ctx.from, ctx.to] under `root` (a staging folder) from the
   * batch's `input` (eventsInput); returns per-day truth as writeSource does. Stops with a
   * CancelledError before a day when `stop` says so (the run is cancelled or has failed). Runs on
   * a thread of its own in a run (wasmThread.ts): the batch's days at a stretch.
   */
  writeBatch(input, ctx, root, stop2 = () => false) {
    const x = this.x;
    const r = this.rules;
    const { counts, orders, ads } = input;
    const lo = firstEventDay(ctx, r.arrival.max_lag_days);
    const paid = CHANNELS.flatMap((c, i) => c.paid ? [i] : []);
    const amountsPtr = x.reserve(Math.max(orders.totals.length, 1));
    new Uint8Array(x.memory.buffer, amountsPtr, orders.totals.length).set(orders.totals);
    x.accounts(lo, ctx.to);
    const result = /* @__PURE__ */ new Map();
    let o = 0;
    let a = 0;
    let amountAt = amountsPtr;
    try {
      for (const [day, background, browsing] of counts) {
        if (stop2()) throw new CancelledError(`product/events stopped before ${formatDay(day)}`);
        const pool = poolOn(this.accounts, r.company.founded, day);
        const zipfLo = Math.pow(1 / (pool + 1), 1 / r.skew.zipf_exponent);
        x.beginDay(day, ctx.from, ctx.to, ctx.more ? 1 : 0);
        x.background(day, background, pool, zipfLo);
        x.browsing(day, browsing, pool, zipfLo);
        let before = 0;
        for (; a < ads.length && ads[a][0] === day; a++) {
          const [, ci, campaign, k, landed] = ads[a];
          x.landings(day, paid[ci], campaign, k, landed, before);
          before += landed;
        }
        for (; o < orders.day.length && orders.day[o] === day; o++) {
          const len = orders.totalLength[o];
          x.checkout(day, orders.i[o], orders.n[o], orders.done[o], amountAt, len, orders.unpaid[o]);
          amountAt += len;
        }
        x.accountsOn(day);
        if (day >= ctx.from) {
          const t = this.writeDay(day, root);
          if (t) result.set(day, t);
        }
      }
    } finally {
      x.release(amountsPtr);
    }
    return result;
  }
  /** Writes arrival day `day`'s file, if it has records, and returns its truth. */
  writeDay(day, root) {
    if (this.x.writeDay(day) === 0) return void 0;
    return writeDayFile(this.x, root, events.name, day, KINDS, (_, k) => hexKey("evt_", k));
  }
};

// generator/paymentsWriter.ts
var WASM2 = new URL("./assembly/payments.wasm", import.meta.url);
var KINDS2 = [...payments.defects, "duplicate", "malformed"];
var REFUND_BIT = 1 << KINDS2.length;
var CFG2 = {
  seed: 0,
  late: 1,
  nulled: 2,
  orphan: 3,
  invalid: 4,
  mixed: 5,
  future: 6,
  partial: 7,
  double: 8,
  duplicate: 9,
  malformed: 10,
  maxLag: 11,
  driftDay: 12,
  orderFirstAttempt: 13,
  orderRefund: 14,
  retryGapMin: 15,
  invoiceRefund: 16,
  refundWithin: 17,
  retryGapSpan: 18,
  fRetry: 19,
  fLate: 20,
  fLag: 21,
  fNull: 22,
  fOrphan: 23,
  fInvalid: 24,
  fFuture: 25,
  fFutureDays: 26,
  fMixed: 27,
  fSec: 28,
  fPartial: 29,
  fDouble: 30,
  fRefund: 32,
  fCard: 33,
  fWhich: 34,
  fDup: 35,
  fMalformed: 36,
  invoiceOrd: 37,
  orderRetries: 38,
  expiredCard: 39,
  /** DUNNING_RETRY_DAYS, one a slot from here */
  dunningDays: 48,
  /** HOUR_WEIGHTS, 24 slots from here */
  hourWeights: 64
};
var LISTS2 = { customerIds: 40, failureCodes: 42, invalidCurrencies: 44, brands: 46 };
var PaymentsWriter = class {
  /** `piece` replaces the size of the pieces a day's file is handed out in (32 MB); tests make it small. */
  constructor(rules, accounts, piece) {
    this.rules = rules;
    this.x = instantiate(WASM2);
    const r = rules;
    const d = r.defects;
    const config = new Float64Array(CFG2.hourWeights + HOUR_WEIGHTS.length);
    Object.assign(config, {
      [CFG2.seed]: r.seed,
      [CFG2.late]: d.late_arrival,
      [CFG2.nulled]: d.null_required,
      [CFG2.orphan]: d.orphan_fk,
      [CFG2.invalid]: d.invalid_code,
      [CFG2.mixed]: d.mixed_timestamp,
      [CFG2.future]: d.future_timestamp,
      [CFG2.partial]: d.payment_partial,
      [CFG2.double]: d.payment_double,
      [CFG2.duplicate]: d.duplicate,
      [CFG2.malformed]: d.malformed,
      [CFG2.maxLag]: r.arrival.max_lag_days,
      [CFG2.driftDay]: r.drift.payments_unit_change,
      [CFG2.orderFirstAttempt]: ORDER_FIRST_ATTEMPT,
      [CFG2.orderRefund]: ORDER_REFUND,
      [CFG2.retryGapMin]: ORDER_RETRY_GAP[0],
      [CFG2.retryGapSpan]: ORDER_RETRY_GAP[1],
      [CFG2.fRetry]: F.retry,
      [CFG2.orderRetries]: ORDER_RETRIES,
      [CFG2.invoiceRefund]: INVOICE_REFUND,
      [CFG2.refundWithin]: REFUND_WITHIN_DAYS,
      [CFG2.fLate]: F.late,
      [CFG2.fLag]: F.lag,
      [CFG2.fNull]: F.null,
      [CFG2.fOrphan]: F.orphan,
      [CFG2.fInvalid]: F.invalid,
      [CFG2.fFuture]: F.future,
      [CFG2.fFutureDays]: F.futureDays,
      [CFG2.fMixed]: F.mixed,
      [CFG2.fSec]: F.sec,
      [CFG2.fPartial]: F.partial,
      [CFG2.fDouble]: F.double,
      [CFG2.fRefund]: F.refund,
      [CFG2.fCard]: F.card,
      [CFG2.fWhich]: F.which,
      [CFG2.fDup]: F.dup,
      [CFG2.fMalformed]: F.malformed,
      [CFG2.invoiceOrd]: INVOICE_ORD,
      [CFG2.expiredCard]: EXPIRED_CARD
    });
    config.set(DUNNING_RETRY_DAYS, CFG2.dunningDays);
    config.set(HOUR_WEIGHTS, CFG2.hourWeights);
    setTextsAndConfig(this.x, {
      customerIds: accounts.ids,
      failureCodes: FAILURE_CODES,
      invalidCurrencies: INVALID_CURRENCIES,
      brands: CARD_BRANDS
    }, LISTS2, config);
    const cards = this.x.reserve(accounts.cards.byteLength);
    new Int32Array(this.x.memory.buffer, cards, accounts.cards.length).set(accounts.cards);
    this.x.setCards(accounts.ids.length, cards);
    const offsets = this.x.reserve(accounts.offsets.byteLength);
    new Int32Array(this.x.memory.buffer, offsets, accounts.offsets.length).set(accounts.offsets);
    this.x.setOffsets(offsets);
    this.x.start(piece ?? 0);
  }
  rules;
  x;
  /**
   * Writes the payments arriving in [ctx.from, ctx.to] under `root` (a staging folder) from the
   * batch's `input` (paymentsInput); returns per-day truth as writeSource does. Stops with a
   * CancelledError before a day when `stop` says so (the run is cancelled or has failed). Runs on
   * a thread of its own in a run (wasmThread.ts): the batch's days at a stretch.
   */
  writeBatch(input, ctx, root, stop2 = () => false) {
    const x = this.x;
    const lo = paymentsLookback(ctx, this.rules);
    const kept = [];
    const result = /* @__PURE__ */ new Map();
    try {
      x.begin(ctx.from, ctx.to, ctx.more ? 1 : 0, lo);
      let at = 0;
      for (const [lengths, take] of [[input.orders, x.orders], [input.invoices, x.invoices]]) {
        for (const length of lengths) {
          const ptr = x.reserve(length);
          kept.push(ptr);
          new Uint8Array(x.memory.buffer, ptr, length).set(input.text.subarray(at, at + length));
          take(ptr, length);
          at += length;
        }
      }
      x.arrange();
      for (let day = ctx.from; day <= ctx.to; day++) {
        if (stop2()) throw new CancelledError(`processor/payments stopped before ${formatDay(day)}`);
        if (x.writeDay(day) > 0) result.set(day, writeDayFile(x, root, payments.name, day, KINDS2, keyOf));
      }
      x.carry();
    } finally {
      for (const ptr of kept) x.release(ptr);
    }
    return result;
  }
};
function paymentsLookback(ctx, rules) {
  return firstEventDay(ctx, paymentsLookbackDays(rules));
}
function keyOf(kind, k, bits, aux) {
  if (kind === "payment_partial" || kind === "payment_double") {
    const day = formatDay(Number(aux >> 32n));
    return `ord_${day.slice(2, 4)}${day.slice(5, 7)}${day.slice(8, 10)}_${String(Number(aux & 0xffffffffn)).padStart(6, "0")}`;
  }
  return hexKey(bits & REFUND_BIT ? "re_" : "ch_", k);
}

// generator/wasmWorker.ts
var { init, stopFlag } = workerData;
var stop = () => Atomics.load(stopFlag, 0) === 1;
var events2 = init.kind === "events" ? new EventsWriter(init.rules, init.accounts, init.buffers) : void 0;
var payments2 = init.kind === "payments" ? new PaymentsWriter(init.rules, init.accounts, init.piece) : void 0;
var write = (job) => events2 ? events2.writeBatch(job.input, job.ctx, job.root, stop) : payments2.writeBatch(job.input, job.ctx, job.root, stop);
parentPort.on("message", (job) => {
  let reply;
  try {
    reply = { id: job.id, result: write(job) };
  } catch (e) {
    const err = e;
    reply = { id: job.id, error: { cancelled: e instanceof CancelledError, message: err.message, stack: err.stack, code: err.code, syscall: err.syscall, path: err.path } };
  }
  parentPort.postMessage(reply);
});
