/**
 * The lake's data against its truth manifest. For every source but the two lake.test.ts checks
 * the same way (product/events, shop/orders): a record's key is recorded for a defect kind exactly
 * when the record shows that defect, and a lake with every rate 0 shows none. For every source:
 * duplicates are exact replays right after their original, and files keep their source's order.
 * And order items arrive with their order; payment amounts follow the unit change per currency.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CHANNELS } from '../../generator/catalog.js';
import type { DefectKind, SourceName } from '../../generator/rules.js';
import { SOURCES } from '../../generator/sources/index.js';
import { SHIPMENT_STATUSES } from '../../generator/sources/shop.js';
import { days, defectRates, duck, generateLake, rows, truth } from './fixture.js';

type Row = Record<string, unknown>;
/** An arrival day: its date and the instants (epoch ms) it starts and ends at. */
interface Day { day: string; start: number; end: number }
/** A readable record of a file: its 1-based line (Parquet: row), its text and its values. */
interface Rec { line: number; text: string; v: Row }
type Shows = (r: Row, d: Day) => boolean;
type SortKey = (string | number)[];

interface SourceCheck {
  name: SourceName;
  /** The record's truth key from its columns (`keyOf` in lake.test.ts). */
  key: (r: Row) => string;
  /** How each defect kind shows in one record; absent for the sources lake.test.ts checks so. */
  shows?: Partial<Record<DefectKind, Shows>>;
  /** Kinds of `defects` that one record alone cannot show, with the reason. */
  notShown?: Partial<Record<DefectKind, string>>;
  /**
   * A sort key implied by the source's `seq` (the writer orders a day's file by it), from what
   * the file shows; undefined for a record whose columns hide it (a future timestamp).
   */
  order: (r: Row, d: Day) => SortKey | undefined;
}

// ---- reference data: the seeds the warehouse validates codes against

const seed = (file: string): string[][] => readFileSync(new URL(`../../seeds/${file}`, import.meta.url), 'utf8')
  .split('\n').slice(1).filter((l) => l.length > 0).map((l) => l.split(','));
/** ISO 4217 minor unit digits by currency code. */
const MINOR = new Map(seed('currencies.csv').map(([code, , minor]) => [code, Number(minor)]));
const COUNTRY_CODES = new Set(seed('iso_countries.csv').map(([code]) => code));
const PAID_CHANNELS = CHANNELS.filter((c) => c.paid).map((c) => c.id);
// the lifecycle states of world.ts, and past_due, which a conflicting version of a subscription carries
const SUBSCRIPTION_STATUSES = new Set(['trialing', 'active', 'past_due', 'canceled', 'expired']);

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
/** `cus_9` and 7 digits: an account number no account has (sqlRandom's orphanCustomerId). */
const ORPHAN_CUSTOMER = /^cus_9\d{7}$/;
/** `ord_000000_` and 6 digits: a day part that is no day of the company (sqlRandom's orphanOrderId). */
const ORPHAN_ORDER = /^ord_000000_\d{6}$/;
const DAY_MS = 86_400_000;

const str = (r: Row, col: string): string | null => (r[col] === null || r[col] === undefined ? null : String(r[col]));

/** A timestamp in any encoding the lake uses (ISO UTC or with an offset, epoch ms, naive UTC), as epoch ms. */
function instant(t: string): number {
  const ms = /^\d+$/.test(t) ? Number(t) : Date.parse(/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d$/.test(t) ? `${t.replace(' ', 'T')}Z` : t);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${t}`);
  return ms;
}
const at = (r: Row, col: string): number => instant(str(r, col) ?? '');

/** The day number of an id's `YYMMDD` day part (`ord_240125_…`, `shp_240125_…`). */
function idDay(id: string): number {
  const m = /^[a-z]+_(\d\d)(\d\d)(\d\d)_/.exec(id);
  if (!m) throw new Error(`no day in ${id}`);
  return Date.parse(`20${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) / DAY_MS;
}

/** A decimal as an integer number of hundredths. */
const hundredths = (v: unknown): number => Math.round(Number(v) * 100);

/** A timestamp sort key of a record whose time is its source's seq time, unless it was moved into the future. */
const timeOrder = (col: string) => (r: Row, d: Day): SortKey | undefined => {
  const t = at(r, col);
  return t >= d.end ? undefined : [t];
};

// how each defect of a source shows (see generator/sources/*.ts and sqlRandom.ts)
const late = (col: string): Shows => (r, d) => at(r, col) < d.start;
const future = (col: string): Shows => (r, d) => at(r, col) >= d.end;
const mixed = (col: string): Shows => (r) => !ISO_UTC.test(str(r, col) ?? '');
const isNull = (col: string): Shows => (r) => r[col] === null;

const CONFLICT = 'a second, different version of a key with the same update time; only the added version is recorded, '
  + 'and one row cannot tell which of the two was added (lake.test.ts counts the pairs)';

const CHECKS: readonly SourceCheck[] = [
  {
    name: 'crm/customers',
    key: (r) => `${str(r, 'customer_id')}@v${str(r, '_version')}`,
    shows: {
      late_arrival: late('updated_at'),
      future_timestamp: future('updated_at'),
      null_required: isNull('email'),
      invalid_code: (r) => !COUNTRY_CODES.has(str(r, 'country_code') ?? ''),
      mixed_timestamp: mixed('updated_at'),
    },
    notShown: { conflicting_update: CONFLICT },
    // seq: (day * 86400 + sec) * 4096 + …, and updated_at is (day, sec)
    order: timeOrder('updated_at'),
  },
  {
    name: 'billing/subscriptions',
    key: (r) => `${str(r, 'subscription_id')}@v${str(r, '_version')}`,
    shows: {
      late_arrival: late('updated_at'),
      null_required: isNull('plan_id'),
      orphan_fk: (r) => ORPHAN_CUSTOMER.test(str(r, 'customer_id') ?? ''),
      // upper-cased, or capitalized with a trailing space
      invalid_code: (r) => !SUBSCRIPTION_STATUSES.has(str(r, 'status') ?? ''),
      mixed_timestamp: mixed('updated_at'),
    },
    notShown: { conflicting_update: CONFLICT },
    order: timeOrder('updated_at'),
  },
  {
    name: 'shop/orders',
    key: (r) => String(r.order_id),
    // seq: day * 10^7 + i, and order_id is `ord_<YYMMDD>_<i, 6 digits>`
    order: (r) => [String(r.order_id)],
  },
  {
    name: 'shop/order_items',
    key: (r) => String(r.order_item_id),
    shows: {
      // items have no timestamp: their order's day is in the item id (the order id may be orphaned)
      late_arrival: (r, d) => idDay(String(r.order_item_id)) < d.start / DAY_MS,
      bad_quantity: (r) => Number(r.quantity) <= 0 || Number(r.unit_price) < 0,
      null_required: isNull('product_id'),
      orphan_fk: (r) => ORPHAN_ORDER.test(str(r, 'order_id') ?? ''),
    },
    // seq: (day * 10^7 + i) * 64 + j, and order_item_id is `<order id>-<j>`
    order: (r) => {
      const id = String(r.order_item_id);
      const dash = id.lastIndexOf('-');
      return [id.slice(0, dash), Number(id.slice(dash + 1))];
    },
  },
  {
    name: 'logistics/shipments',
    key: (r) => `${str(r, 'shipment_id')}:${str(r, 'status')?.toLowerCase()}`,
    shows: {
      late_arrival: late('status_at'),
      future_timestamp: future('status_at'),
      orphan_fk: (r) => ORPHAN_ORDER.test(str(r, 'order_id') ?? ''),
      invalid_code: (r) => !(SHIPMENT_STATUSES as readonly string[]).includes(str(r, 'status') ?? ''),
    },
    // seq: ((status_day * 64 + status_day - order day) * 10^7 + i) * 4 + step, where status_at
    // is on status_day (unless moved into the future) and shipment_id is `shp_<YYMMDD>_<i>`
    order: (r, d) => {
      const t = at(r, 'status_at');
      if (t >= d.end) return undefined;
      const id = String(r.shipment_id);
      const statusDay = Math.floor(t / DAY_MS);
      return [statusDay, statusDay - idDay(id), Number(id.slice(-6)), (SHIPMENT_STATUSES as readonly string[]).indexOf(str(r, 'status')?.toLowerCase() ?? '')];
    },
  },
  {
    name: 'support/tickets',
    key: (r) => `${str(r, 'ticket_id')}:${str(r, 'status')?.toLowerCase()}`,
    shows: {
      late_arrival: late('updated_at'),
      future_timestamp: future('updated_at'),
      null_required: isNull('priority'),
      orphan_fk: (r) => ORPHAN_CUSTOMER.test(str(r, 'customer_id') ?? ''),
      invalid_code: (r) => !['open', 'solved'].includes(str(r, 'status') ?? ''),
    },
    // seq: (event day * 86400 + event second) * 2^20 + …, and updated_at is that time
    order: timeOrder('updated_at'),
  },
  {
    name: 'processor/payments',
    key: (r) => String(r.id),
    shows: {
      late_arrival: late('created'),
      future_timestamp: future('created'),
      // the amount and the order id are nulled; an invoice's charge has no order id anyway
      null_required: isNull('amount'),
      orphan_fk: (r) => ORPHAN_ORDER.test(str((r.metadata ?? {}) as Row, 'order_id') ?? ''),
      // valid currencies are the seed's codes in lower case
      invalid_code: (r) => {
        const c = str(r, 'currency') ?? '';
        return c !== c.toLowerCase() || !MINOR.has(c.toUpperCase());
      },
      mixed_timestamp: mixed('created'),
    },
    notShown: {
      // truth keys are order ids (truthKeys): a charge shows neither alone; 'pays each order its
      // total' below checks that no other charge differs from its order's total, and lake.test.ts
      // that each mismatch keeps its evidence
      payment_partial: 'a partial charge is told only against its order\'s total',
      payment_double: 'a double payment is told only by a second charge of the same order',
    },
    // seq: (day * 86400 + sec) * 2^30 + ord * 4 + pk % 4, and created is (day, sec); ord * 4 (an
    // invoice's charge's ord is 5,000,000 + the account number) fits its slot. It once had 2^24,
    // and an invoice's charge sorted after the order charges of the next second
    order: timeOrder('created'),
  },
  {
    name: 'product/events',
    key: (r) => String(r.event_id),
    // seq: (day * 86400 + sec) * 2^31 + …, and occurred_at is (day, sec) in any encoding
    order: timeOrder('occurred_at'),
  },
  {
    name: 'marketing/ad_spend',
    key: (r) => `${str(r, 'campaign_id')}@${str(r, 'spend_date')}`,
    shows: {
      late_arrival: (r, d) => (str(r, 'spend_date') ?? '') < d.day,
      null_required: isNull('spend'),
      invalid_code: (r) => !['USD', 'EUR'].includes(str(r, 'currency') ?? ''),
    },
    notShown: { conflicting_update: `a restatement: ${CONFLICT}` },
    // seq: day * 10000 + channel * 100 + campaign * 2 + variant
    order: (r) => {
      const campaign = String(r.campaign_id);
      return [String(r.spend_date), PAID_CHANNELS.indexOf(String(r.channel)), Number(campaign.slice(campaign.lastIndexOf('_') + 1))];
    },
  },
];

const SHOWN = CHECKS.filter((c) => c.shows !== undefined);

// ---- reading the files

/**
 * The fields of a CSV line as DuckDB writes them (an unquoted empty field is NULL, `""` the empty
 * string), or undefined when the line is not CSV.
 */
function csvFields(line: string): (string | null)[] | undefined {
  const out: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; } else { i = q + 1; break; }
      }
      out.push(v);
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(end === i ? null : line.slice(i, end));
      i = end;
    }
    if (i === line.length) return out;
    if (line[i] !== ',') return undefined;
    i++;
    if (i === line.length) { out.push(null); return out; }
  }
}

let con: DuckDBConnection;
const cache = new Map<string, Rec[]>();

/**
 * The readable records of a day's file of a source, in file order: every Parquet row, every JSON
 * line that parses, every CSV row with the header's column count (a malformed one has more).
 */
async function records(raw: string, name: SourceName, day: string): Promise<Rec[]> {
  const s = truth(raw, day).sources[name];
  const file = join(raw, s.files[0]);
  let got = cache.get(file);
  if (got) return got;
  got = [];
  if (s.format === 'parquet') {
    const all = await rows(con, `select * from read_parquet('${file}', file_row_number = true, hive_partitioning = false) order by file_row_number`);
    for (const { file_row_number: n, ...v } of all) got.push({ line: Number(n) + 1, text: JSON.stringify(v), v });
  } else {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (s.format === 'jsonl') {
      lines.forEach((text, i) => {
        try { got!.push({ line: i + 1, text, v: JSON.parse(text) as Row }); } catch { /* a malformed line */ }
      });
    } else {
      const head = csvFields(lines[0])!.map(String);
      lines.forEach((text, i) => {
        const f = i === 0 ? undefined : csvFields(text);
        if (f?.length === head.length) got!.push({ line: i + 1, text, v: Object.fromEntries(head.map((h, j) => [h, f[j]])) });
      });
    }
  }
  // every record is read but the malformed ones
  expect(got.length, `${name} ${day}`).toBe(s.rows - (s.defects.malformed?.count ?? 0));
  cache.set(file, got);
  return got;
}

const dayOf = (day: string): Day => ({ day, start: Date.parse(`${day}T00:00:00Z`), end: Date.parse(`${day}T00:00:00Z`) + DAY_MS });

/** -1, 0 or 1 as sort key a is before, equal to or after b. */
function compare(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

// ---- the lake: days on both sides of the payments unit change (2024-01-27), every declared
// defect kind raised so that each shows on enough records of even the smallest source (ad spend:
// 12 rows a day), and some malformed records, which the checks must skip

const FROM = '2024-01-23';
const TO = '2024-01-30';
const UNIT_CHANGE = '2024-01-27';
const RATES = `defects:
  late_arrival: 0.12
  duplicate: 0.15
  conflicting_update: 0.05
  bad_quantity: 0.05
  null_required: 0.15
  orphan_fk: 0.08
  invalid_code: 0.2
  mixed_timestamp: 0.2
  future_timestamp: 0.08
  malformed: 0.01
  payment_partial: 0.05
  payment_double: 0.05
`;
/** Fewest records checked per source and kind, so that no check passes vacuously. */
const MIN_CHECKED = 8;

let raw: string;

beforeAll(async () => {
  raw = (await generateLake(FROM, TO, RATES)).dir;
  con = await duck();
});

describe('the table of defect checks', () => {
  it('covers every defect kind each source declares, by a check or a reason', () => {
    for (const c of SHOWN) {
      const src = SOURCES.find((s) => s.name === c.name)!;
      const covered = [...Object.keys(c.shows!), ...Object.keys(c.notShown ?? {})].sort();
      expect(covered, c.name).toEqual([...src.defects].sort());
    }
    // every source but the two lake.test.ts checks record by record
    expect(CHECKS.map((c) => c.name).sort()).toEqual([...SOURCES.map((s) => s.name)].sort());
    expect(CHECKS.filter((c) => !c.shows).map((c) => c.name).sort()).toEqual(['product/events', 'shop/orders']);
  });
});

describe('defects shown', () => {
  for (const c of SHOWN) {
    it(`${c.name}: flags exactly the records whose data show each defect`, async () => {
      const checked = new Map<string, number>();
      for (const day of days(FROM, TO)) {
        const t = truth(raw, day).sources[c.name];
        // a malformed record cannot be read (its replay, if any, can: it is left out too)
        const broken = new Set(t.defects.malformed?.keys ?? []);
        const recs = await records(raw, c.name, day);
        const d = dayOf(day);
        for (const [kind, shows] of Object.entries(c.shows!)) {
          const shown = [...new Set(recs.filter((r) => shows(r.v, d)).map((r) => c.key(r.v)))].filter((k) => !broken.has(k)).sort();
          const want = [...new Set(t.defects[kind as DefectKind]?.keys ?? [])].filter((k) => !broken.has(k)).sort();
          expect(shown, `${c.name} ${day} ${kind}`).toEqual(want);
          checked.set(kind, (checked.get(kind) ?? 0) + want.length);
        }
      }
      for (const kind of Object.keys(c.shows!)) expect(checked.get(kind), `${c.name} ${kind}`).toBeGreaterThanOrEqual(MIN_CHECKED);
    });
  }
});

describe('duplicates', () => {
  for (const c of CHECKS) {
    it(`${c.name}: replays each recorded duplicate exactly, right after its original`, async () => {
      let checked = 0;
      for (const day of days(FROM, TO)) {
        const t = truth(raw, day).sources[c.name];
        const broken = new Set(t.defects.malformed?.keys ?? []);
        const recs = await records(raw, c.name, day);
        // a replay is the record on the next line with the same text (CSV row, JSON line) or the
        // same values in every column (Parquet); a key with a conflicting version can be replayed
        // twice, once per version, and is recorded once per replay
        const shown = recs.filter((r, i) => i > 0 && recs[i - 1].line === r.line - 1 && recs[i - 1].text === r.text).map((r) => c.key(r.v));
        const want = (t.defects.duplicate?.keys ?? []).filter((k) => !broken.has(k));
        expect(shown.filter((k) => !broken.has(k)).sort(), `${c.name} ${day}`).toEqual([...want].sort());
        checked += want.length;
      }
      expect(checked, c.name).toBeGreaterThanOrEqual(MIN_CHECKED);
    });
  }
});

describe('sort order', () => {
  for (const c of CHECKS) {
    it(`${c.name}: keeps each file in its source's order`, async () => {
      let rising = 0;
      for (const day of days(FROM, TO)) {
        const d = dayOf(day);
        let before: SortKey | undefined;
        const out: string[] = [];
        for (const r of await records(raw, c.name, day)) {
          const k = c.order(r.v, d);
          if (k === undefined) continue;
          const cmp = before === undefined ? 0 : compare(before, k);
          if (cmp > 0) out.push(`line ${r.line}: ${JSON.stringify(k)} after ${JSON.stringify(before)}`);
          if (cmp < 0) rising++;
          before = k;
        }
        expect(out.slice(0, 5), `${c.name} ${day}`).toEqual([]);
      }
      expect(rising, c.name).toBeGreaterThan(50);
    });
  }
});

describe('order items', () => {
  it('arrive on the same day as their order, every one of them', async () => {
    let checked = 0;
    for (const day of days(FROM, TO)) {
      // orders and items are Parquet, never malformed; an item arriving in the lake has its order
      // arriving that same day, so in the lake too. The order is named by the item's id: its
      // order_id column may be an orphan id
      const items = new Map<string, Set<number>>();
      for (const r of await records(raw, 'shop/order_items', day)) {
        const id = String(r.v.order_item_id);
        const dash = id.lastIndexOf('-');
        const order = id.slice(0, dash);
        if (!items.has(order)) items.set(order, new Set());
        items.get(order)!.add(Number(id.slice(dash + 1)));
      }
      const counts = new Map((await records(raw, 'shop/orders', day)).map((r) => [String(r.v.order_id), Number(r.v.item_count)]));
      expect([...items.keys()].filter((o) => !counts.has(o)), `${day}: items without their order`).toEqual([]);
      const wrong = [...counts].filter(([o, n]) => items.get(o)?.size !== n || [...items.get(o)!].some((j) => j < 0 || j >= n));
      expect(wrong.map(([o, n]) => `${o}: ${n} items, ${[...(items.get(o) ?? [])]} arrived`), `${day}: orders without all their items`).toEqual([]);
      checked += counts.size;
    }
    expect(checked).toBeGreaterThan(5000);
  });
});

/**
 * Checks every charge of a lake's order against the order's total: the amount (JSON number) is
 * the total before the unit change and the total in minor units (× 10^minor_unit) from it on.
 * Left out: charges of an order recorded as partially paid, charges whose amount or order id is
 * nulled or orphaned, with an invalid currency, or of an order not in the lake. Returns the
 * mismatches and what was checked, by `before` / the currency from the unit change on.
 */
async function chargesAgainstTotals(lake: string, lakeDays: string[]): Promise<{ wrong: string[]; checked: Map<string, number> }> {
  const totals = new Map<string, number>();
  const partial = new Set<string>();
  for (const day of lakeDays) {
    for (const r of await records(lake, 'shop/orders', day)) totals.set(String(r.v.order_id), hundredths(r.v.order_total));
    for (const k of truth(lake, day).sources['processor/payments'].defects.payment_partial?.keys ?? []) partial.add(k);
  }
  const wrong: string[] = [];
  const checked = new Map<string, number>();
  for (const day of lakeDays) {
    for (const { v } of await records(lake, 'processor/payments', day)) {
      const order = str((v.metadata ?? {}) as Row, 'order_id');
      const currency = (str(v, 'currency') ?? '').toUpperCase();
      const total = order === null ? undefined : totals.get(order);
      if (v.object !== 'charge' || order === null || ORPHAN_ORDER.test(order) || partial.has(order) || v.amount === null
        || !MINOR.has(currency) || total === undefined) continue;
      const amount = Number(v.amount);
      const before = day < UNIT_CHANGE;
      // total in hundredths: the minor unit of a 2-decimal currency, 100 yen
      const expected = before ? total : total / 10 ** (2 - MINOR.get(currency)!);
      const got = before ? hundredths(amount) : amount;
      if (got !== expected || (!before && !Number.isInteger(amount))) wrong.push(`${day} ${v.id} ${order} ${currency}: amount ${amount}, order total ${total / 100}`);
      const what = before ? 'before' : currency;
      checked.set(what, (checked.get(what) ?? 0) + 1);
    }
  }
  return { wrong, checked };
}

/**
 * The succeeded charges of each order recorded as partially or doubly paid, by kind: per order, its
 * distinct charges' amounts as a share of the order's total. Left out as in chargesAgainstTotals:
 * charges with an invalid currency, and orders not in the lake.
 */
async function mismatchCharges(lake: string, lakeDays: string[]): Promise<Record<'payment_partial' | 'payment_double', Map<string, Map<string, number>>>> {
  const totals = new Map<string, number>();
  const kinds = { payment_partial: new Map<string, Map<string, number>>(), payment_double: new Map<string, Map<string, number>>() };
  for (const day of lakeDays) {
    for (const r of await records(lake, 'shop/orders', day)) totals.set(String(r.v.order_id), hundredths(r.v.order_total));
    for (const kind of ['payment_partial', 'payment_double'] as const) {
      for (const k of truth(lake, day).sources['processor/payments'].defects[kind]?.keys ?? []) kinds[kind].set(k, new Map());
    }
  }
  for (const day of lakeDays) {
    for (const { v } of await records(lake, 'processor/payments', day)) {
      const order = str((v.metadata ?? {}) as Row, 'order_id');
      const currency = (str(v, 'currency') ?? '').toUpperCase();
      const total = order === null ? undefined : totals.get(order);
      if (v.object !== 'charge' || v.status !== 'succeeded' || order === null || !MINOR.has(currency) || total === undefined) continue;
      // the amount in hundredths: a 2-decimal currency's minor unit, 100 yen
      const amount = day < UNIT_CHANGE ? hundredths(v.amount) : Number(v.amount) * 10 ** (2 - MINOR.get(currency)!);
      for (const charges of [kinds.payment_partial.get(order), kinds.payment_double.get(order)]) charges?.set(String(v.id), amount / total);
    }
  }
  return kinds;
}

describe('payments', () => {
  it('tells a partial payment by one charge below the total and a double one by two full charges, never both', async () => {
    const { payment_partial: partial, payment_double: double } = await mismatchCharges(raw, days(FROM, TO));
    expect([...partial.keys()].filter((k) => double.has(k))).toEqual([]);
    // an order's charges may arrive after the lake's last day: only those seen are checked
    const partialSeen = [...partial].filter(([, c]) => c.size > 0);
    const doubleSeen = [...double].filter(([, c]) => c.size > 0);
    expect(partialSeen.length).toBeGreaterThan(MIN_CHECKED);
    expect(doubleSeen.length).toBeGreaterThan(MIN_CHECKED);
    for (const [order, charges] of partialSeen) {
      expect(charges.size, order).toBe(1);
      for (const share of charges.values()) expect(share, order).toBeGreaterThanOrEqual(0.3 - 1e-9);
      for (const share of charges.values()) expect(share, order).toBeLessThanOrEqual(0.9 + 1e-9);
    }
    for (const [order, charges] of doubleSeen) {
      expect(charges.size, order).toBeLessThanOrEqual(2);
      for (const share of charges.values()) expect(share, order).toBeCloseTo(1, 9);
    }
    expect(doubleSeen.filter(([, c]) => c.size === 2).length).toBeGreaterThan(MIN_CHECKED);
  });

  it('pays each order its total, in the currency\'s minor unit from the unit change on', async () => {
    const { wrong, checked } = await chargesAgainstTotals(raw, days(FROM, TO));
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(checked.get('before')).toBeGreaterThan(1000);
    // a 2-decimal currency (×100) and the yen (×1) both occur after the change
    expect(checked.get('USD')).toBeGreaterThan(500);
    expect(checked.get('EUR')).toBeGreaterThan(100);
    expect(checked.get('JPY')).toBeGreaterThan(20);
  });
});

describe('every rate 0', () => {
  it('shows none of any source\'s defects', async () => {
    const zero = await generateLake('2024-01-26', '2024-01-27', defectRates());
    const checked = new Map<string, number>();
    for (const day of ['2024-01-26', '2024-01-27']) {
      const d = dayOf(day);
      for (const c of SHOWN) {
        const recs = await records(zero.dir, c.name, day);
        const out: string[] = [];
        for (const [kind, shows] of Object.entries(c.shows!)) {
          for (const r of recs) if (shows(r.v, d)) out.push(`${kind} ${c.key(r.v)}`);
        }
        // no replay (duplicate) and no second version of a key (conflicting_update): every key once
        const keys = recs.map((r) => c.key(r.v));
        for (const k of keys.filter((k, i) => keys.indexOf(k) !== i)) out.push(`twice ${k}`);
        expect(out.slice(0, 10), `${c.name} ${day}`).toEqual([]);
        checked.set(c.name, (checked.get(c.name) ?? 0) + recs.length);
      }
    }
    for (const c of SHOWN) expect(checked.get(c.name), c.name).toBeGreaterThan(10);
    // no partial or double payment: each order charged once, its total
    const { wrong, checked: charges } = await chargesAgainstTotals(zero.dir, ['2024-01-26', '2024-01-27']);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(charges.get('before')).toBeGreaterThan(500);
    expect(charges.get('USD')).toBeGreaterThan(300);
    const succeeded = new Map<string, number>();
    for (const day of ['2024-01-26', '2024-01-27']) {
      for (const { v } of await records(zero.dir, 'processor/payments', day)) {
        const order = str((v.metadata ?? {}) as Row, 'order_id');
        if (v.object === 'charge' && v.status === 'succeeded' && order !== null) succeeded.set(order, (succeeded.get(order) ?? 0) + 1);
      }
    }
    expect([...succeeded].filter(([, n]) => n > 1)).toEqual([]);
    expect(succeeded.size).toBeGreaterThan(1000);
  });
});
