/**
 * SQL building blocks of the SQL half of the world model. Every random draw is DuckDB's hash()
 * of a record key and a field number, hashed again (see `draw`), so a record's values depend only
 * on (seed, source, day, index, field): any day can be generated alone and matches the same day
 * in a range run.
 */
import type { DefectKind, Rules } from './rules.js';

/** What every source's SQL needs: the rules, the scale and the arrival-day window. */
export interface SqlContext {
  readonly rules: Rules;
  readonly scale: number;
  /** First and last arrival day (day numbers) of this batch. */
  readonly from: number;
  readonly to: number;
  /**
   * A previous batch of the same run generated every event day before `from` and handed on its
   * records arriving from `from` on, so this batch generates event days from `from` only.
   */
  readonly continues?: boolean;
  /**
   * A later batch follows: records arriving after `to` are kept (the writer hands them on)
   * instead of dropped.
   */
  readonly more?: boolean;
  /**
   * The first arrival day of the batch (its parts keep it): names the batch's order universe
   * tables (see orderUniverse.ts), so that the next batch's can be built while these are read.
   */
  readonly universe: number;
}

/**
 * First event day a source generates in this batch, when its records arrive at most `lookback`
 * days after their event day: `from` when a previous batch covered the days before.
 */
export function firstEventDay(ctx: SqlContext, lookback: number): number {
  return ctx.continues ? ctx.from : Math.max(ctx.from - lookback, ctx.rules.company.founded);
}

/** Whether an arrival-day expression falls in this batch (or after it, when a later batch follows). */
export function arrives(ctx: SqlContext, dayExpr: string): string {
  return ctx.more ? `(${dayExpr}) >= ${ctx.from}` : `(${dayExpr}) between ${ctx.from} and ${ctx.to}`;
}

/**
 * 64 random bits (UBIGINT) from a record key expression and a field number. DuckDB combines the
 * hashes of several arguments linearly (`hash(a, b)` is `hash(a) * C xor hash(b)`), so the draws
 * of one key for two fields differ by a constant xor: over 1M keys, fields 910 and 913 correlated
 * at 0.99999 and every late record was exactly one day late. Hashing the combination once more
 * (a 64-bit avalanche of its own) makes them independent (|correlation| < 0.002).
 */
export function draw(key: string, field: number): string {
  return `hash(hash(${key}, ${field}))`;
}

/** A uniform draw in [0, 1) from a record key expression and a field number. */
export function u(key: string, field: number): string {
  return `((${draw(key, field)} >> 11)::double / 9007199254740992.0)`;
}

/** A uniform integer in [0, n) from a record key expression and a field number. */
export function ri(key: string, field: number, n: number | string): string {
  return `(${draw(key, field)} % (${n})::ubigint)::bigint`;
}

/** `true` with probability `rate` for this key and field. */
export function chance(key: string, field: number, rate: number): string {
  return rate <= 0 ? 'false' : `(${u(key, field)} < ${rate})`;
}

/** An element of a literal list picked uniformly. */
export function oneOf(key: string, field: number, values: readonly string[]): string {
  return `[${values.map(lit).join(', ')}][1 + ${ri(key, field, values.length)}]`;
}

/** `prefix` and 12 lower-case hex digits of a 64-bit key's low 48 bits: the lake's object ids (`evt_…`, `ch_…`). */
export function hexId(prefix: string, key: string): string {
  return `${prefix} || lpad(lower(hex(${key} % 281474976710656)), 12, '0')`;
}

/**
 * The buyer, ticket opener or product user of a record with key `key`, a customer number among
 * the `pool` that exist all day (a SQL expression): the Zipf-like skew that makes the oldest
 * accounts the heaviest users (skew.zipf_exponent k in the rules). rank = (pool + 1) * v^k - 1,
 * rounded down, for v uniform in [(1 / (pool + 1))^(1/k), 1): a power law whose head is one rank
 * further out than pool * u^k's, which gave the first account every draw below 1, some 12-15% of
 * all (pool^(-1/k) at k = 4), one account buying 240 orders a day; now it takes 2-3%, and the top
 * 1% of accounts still over a fifth.
 */
export function zipfRank(ctx: SqlContext, key: string, pool: string): string {
  const k = ctx.rules.skew.zipf_exponent;
  const lo = `pow(1.0 / (${pool} + 1), ${1 / k})`;
  return `least(greatest(floor((${pool} + 1) * pow(${lo} + (1 - ${lo}) * ${u(key, F.customer)}, ${k}) - 1), 0)::integer, ${pool} - 1)`;
}

/**
 * Joins rows `alias` (with a `day` column) to the customer that the key `key` picks by zipfRank
 * among those that exist all that day (w_pool): the customer's columns as `c`. Buyers' sessions,
 * app users and ticket openers are picked so.
 */
export function joinZipfCustomer(ctx: SqlContext, alias: string, key: string): string {
  return `join w_pool on w_pool.day = ${alias}.day join w_customers c on c.n = ${zipfRank(ctx, key, 'w_pool.customers')}`;
}

/** A non-negative integer expression as text zero-padded to `width` digits; unlike lpad, never cut to it. */
export function zeroPad(expr: string, width: number): string {
  return `printf('%0${width}d', ${expr})`;
}

/**
 * A customer id no account has, drawn from a record key: `cus_9` and 7 digits, an 8-digit number
 * from 90,000,000 on, while accounts are numbered from 1 (about 31 million at most, at scale 1000
 * over the two years the fx seed covers).
 */
export function orphanCustomerId(key: string, field: number): string {
  return `'cus_9' || ${zeroPad(ri(key, field, 10_000_000), 7)}`;
}

/** An order id no order has, drawn from a record key: its day part `000000` is no day of the company. */
export function orphanOrderId(key: string, field: number): string {
  return `'ord_000000_' || ${zeroPad(ri(key, field, 1_000_000), 6)}`;
}

/** A SQL string literal. */
export function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A DATE from a day-number expression. */
export function dateOf(dayExpr: string): string {
  return `(date '1970-01-01' + (${dayExpr})::integer)`;
}

/** A TIMESTAMP from a day-number and a seconds-of-day expression. */
export function tsOf(dayExpr: string, secExpr: string): string {
  return `make_timestamp(((${dayExpr})::bigint * 86400 + (${secExpr})::bigint) * 1000000)`;
}

/** A timestamp as the canonical UTC ISO text, e.g. `2024-01-05T10:00:00Z`. */
export function isoUtc(tsExpr: string): string {
  return `strftime(${tsExpr}, '%Y-%m-%dT%H:%M:%SZ')`;
}

/**
 * A timestamp as text, mixing encodings for a share of records (the mixed_timestamp defect):
 * an ISO time with a +HH:MM offset, epoch milliseconds, or a naive local-less time. All denote the
 * same instant (naive is UTC). `flag` is the defect flag expression.
 */
export function mixedTs(tsExpr: string, key: string, field: number, flag: string): string {
  const variant = ri(key, field, 3);
  const offsetH = `(1 + ${ri(key, field + 1, 9)})`;
  return `case when not ${flag} then ${isoUtc(tsExpr)}
    when ${variant} = 0 then strftime(${tsExpr} + to_hours(${offsetH}), '%Y-%m-%dT%H:%M:%S') || '+' || lpad(${offsetH}::varchar, 2, '0') || ':00'
    when ${variant} = 1 then epoch_ms(${tsExpr})::varchar
    else strftime(${tsExpr}, '%Y-%m-%d %H:%M:%S') end`;
}

/** Days of delay for a late record (1..max, mostly short), or 0 when on time. */
export function lagDays(ctx: SqlContext, key: string, lateFlag: string): string {
  const max = ctx.rules.arrival.max_lag_days;
  return `(case when ${lateFlag} then 1 + floor(pow(${u(key, F.lag)}, 2) * ${max})::integer else 0 end)`;
}

/** The days of signups added to both sides of growth()'s ratio, so that a company founded with few accounts does not start at a standstill. */
export const GROWTH_DAMPING_DAYS = 30;

/**
 * SQL of the company's growth on a day, which its volumes follow: (accounts that exist all that
 * day + a month's mean signups) / (the initial accounts + a month's mean signups). It is 1 on the
 * founding day; with the built-in rules, 1.26 at the end of the default range (accounts grow
 * 28%), and 1.13 on average over it. Reads w_pool.
 */
export function growth(ctx: SqlContext, dayExpr: string): string {
  const c = ctx.rules.company;
  const damping = GROWTH_DAMPING_DAYS * c.signups_per_day * ctx.scale;
  const base = Math.round(c.initial_customers * ctx.scale) + damping;
  if (base <= 0) return '1';
  // the pool's columns renamed, so that a bare `day` in dayExpr names the outer query's column
  return `((select p_customers from (select day as p_day, customers as p_customers from w_pool) where p_day = (${dayExpr})) + ${damping}) / ${base}`;
}

/** Volume multiplier of a day: weekends, the hot day, ±15% noise, and the company's growth. */
export function dayFactor(ctx: SqlContext, dayExpr: string, salt: number): string {
  const s = ctx.rules.skew;
  return `((case when isodow(${dateOf(dayExpr)}) >= 6 then ${s.weekend_factor} else 1 end)
    * (case when (${dayExpr}) = ${s.hot_day} then ${s.hot_day_multiplier} else 1 end)
    * (0.85 + 0.3 * ${u(`${ctx.rules.seed}, ${salt}, ${dayExpr}`, 1)})
    * ${growth(ctx, dayExpr)})`;
}

/** Field numbers for SQL draws; distinct so that fields never share a draw. */
export const F = {
  late: 901, lag: 902, customer: 904, sec: 905, status: 906, items: 907, product: 908,
  qty: 909, null: 910, orphan: 911, invalid: 912, future: 913, futureDays: 914, mixed: 915, /* 916: mixedTs uses mixed + 1 */
  conflict: 917, channel: 918, carrier: 919, ship: 920, deliver: 921, fail: 922, refund: 923, partial: 924,
  double: 925, missing: 926, card: 927, kind: 928, page: 929, pii: 930, piiKind: 931, anon: 932,
  touches: 933, touchDay: 934, activation: 935, priority: 936, respond: 937, solve: 938, spend: 939,
  dup: 940, malformed: 941, which: 942, len: 943, feature: 944, type: 945, zone: 948,
  /* a checkout retry's gap and success: retry + 10 j and recover + 10 j for retry j (956, 957, 966, 967) */
  retry: 946, recover: 947,
} as const;

/** The random field each record-level defect kind draws from. */
const DEFECT_FIELD: Partial<Record<DefectKind, number>> = {
  late_arrival: F.late, conflicting_update: F.conflict, null_required: F.null, orphan_fk: F.orphan,
  invalid_code: F.invalid, pii_in_json: F.pii, mixed_timestamp: F.mixed, future_timestamp: F.future,
  bad_quantity: F.qty + 100,
};

/**
 * Kinds a record does not carry when it draws the other kind named here, because that one would
 * hide it: a late record's only event timestamp cannot also be moved into the future, and a
 * nulled field cannot also hold an orphan id or a miscased code. So every recorded defect shows
 * in the files (but for a malformed record's, which cannot be read back).
 */
const HIDDEN_BY: Partial<Record<DefectKind, DefectKind>> = {
  future_timestamp: 'late_arrival', orphan_fk: 'null_required', invalid_code: 'null_required',
};

/**
 * `true` when the record with this key carries a defect of this kind: drawn at the rules' rate,
 * unless the record draws the kind that would hide it (HIDDEN_BY).
 */
export function flag(ctx: SqlContext, kind: DefectKind, key: string): string {
  const field = DEFECT_FIELD[kind];
  if (field === undefined) throw new Error(`no record-level draw for defect kind ${kind}`);
  const own = chance(key, field, ctx.rules.defects[kind]);
  const by = HIDDEN_BY[kind];
  return by && ctx.rules.defects[by] > 0 ? `(${own} and not ${chance(key, DEFECT_FIELD[by]!, ctx.rules.defects[by])})` : own;
}

/** The `d_<kind>` flag columns of a record with this key, as a select-list fragment. */
export function flags(ctx: SqlContext, key: string, kinds: readonly DefectKind[]): string {
  return kinds.map((k) => `${flag(ctx, k, key)} as d_${k}`).join(',\n');
}
