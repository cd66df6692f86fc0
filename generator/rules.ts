/**
 * The generator's rules: volumes, skew, drift dates, defect rates and formats, read from a YAML
 * file and validated key by key. A rules file may set any subset of keys; the rest come from the
 * built-in `generator/rules.yaml`. Every problem is a ConfigError naming the file, line and key.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, type Node as YamlNode } from 'yaml';
import { didYouMean } from '../src/didYouMean.js';
import { ConfigError, type SourceLocation } from '../src/errors.js';
import { YamlFile } from '../src/project/yamlFile.js';
import { formatDay, tryParseDay } from './dates.js';
import { FX_FROM, FX_TO } from './fxSeed.js';

/** The output formats a source can be written in. */
export type RawFormat = 'csv' | 'parquet' | 'jsonl';

/** The sources of the raw lake, as `<system>/<table>`. */
export const SOURCE_NAMES = [
  'crm/customers', 'billing/subscriptions', 'shop/orders', 'shop/order_items', 'logistics/shipments',
  'support/tickets', 'processor/payments', 'product/events', 'marketing/ad_spend',
] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** Defect kinds of the catalogue (DESIGN.md §2), as named in rules.yaml and truth.json. */
export const DEFECT_KINDS = [
  'late_arrival', 'duplicate', 'conflicting_update', 'bad_quantity', 'null_required', 'orphan_fk',
  'invalid_code', 'pii_in_json', 'malformed', 'mixed_timestamp', 'future_timestamp',
  'payment_partial', 'payment_double', 'payment_missing',
] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

/** Validated rules. Dates are day numbers (see dates.ts). */
export interface Rules {
  seed: number;
  company: {
    founded: number; initial_customers: number; signups_per_day: number; trial_days: number;
    trial_conversion: number; monthly_churn: number; upgrade_rate: number; downgrade_rate: number;
    reactivation_rate: number; profile_change_rate: number;
  };
  dates: { default_end: number; default_days: number };
  volume: { orders_per_day: number; max_items_per_order: number; events_per_day: number; tickets_per_day: number; campaigns_per_channel: number };
  fulfilment: { ship_within_days: number; deliver_within_days: number };
  arrival: { max_lag_days: number };
  skew: { zipf_exponent: number; hot_day: number; hot_day_multiplier: number; weekend_factor: number };
  drift: { orders_column_added: number; events_property_renamed: number; payments_unit_change: number };
  defects: Record<DefectKind, number>;
  formats: Record<SourceName, RawFormat>;
}

type Check = (v: unknown) => string | undefined | { value: unknown };
type Schema = { [key: string]: Schema | Check };

const int = (min: number, max: number): Check => (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `must be an integer between ${min} and ${max}`;
const num = (min: number, max: number): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? undefined : `must be a number between ${min} and ${max}`;
const rate: Check = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'must be a rate between 0 and 1');
const date: Check = (v) => {
  const s = v instanceof Date ? v.toISOString().slice(0, 10) : v;
  const d = typeof s === 'string' ? tryParseDay(s) : undefined;
  return d === undefined ? 'must be a date YYYY-MM-DD' : { value: d };
};
const format: Check = (v) => (v === 'csv' || v === 'parquet' || v === 'jsonl' ? undefined : 'must be one of csv, parquet, jsonl');

const SCHEMA: Schema = {
  seed: int(0, 2 ** 31 - 1),
  company: {
    founded: date, initial_customers: int(0, 10_000_000), signups_per_day: num(0, 1_000_000), trial_days: int(1, 365),
    trial_conversion: rate, monthly_churn: rate, upgrade_rate: rate, downgrade_rate: rate, reactivation_rate: rate, profile_change_rate: rate,
  },
  dates: { default_end: date, default_days: int(1, 3660) },
  volume: {
    orders_per_day: int(0, 10_000_000), max_items_per_order: int(1, 50), events_per_day: int(0, 100_000_000),
    tickets_per_day: int(0, 10_000_000), campaigns_per_channel: int(1, 50),
  },
  fulfilment: { ship_within_days: int(0, 30), deliver_within_days: int(1, 30) },
  arrival: { max_lag_days: int(1, 30) },
  skew: { zipf_exponent: num(1, 20), hot_day: date, hot_day_multiplier: num(1, 100), weekend_factor: num(0, 10) },
  drift: { orders_column_added: date, events_property_renamed: date, payments_unit_change: date },
  defects: Object.fromEntries(DEFECT_KINDS.map((k) => [k, rate])),
  formats: Object.fromEntries(SOURCE_NAMES.map((s) => [s, format])),
};

/** Dated keys (day numbers once read) that must not lie before `company.founded`. */
const AFTER_FOUNDING = ['dates.default_end', 'skew.hot_day', 'drift.orders_column_added', 'drift.events_property_renamed', 'drift.payments_unit_change'];

/** Where each dotted key got its value: the location, and which file (0 = built-in) set it. */
type KeyOrigins = Map<string, { loc: SourceLocation; order: number }>;

/** Path of the built-in rules file. */
export const DEFAULT_RULES_PATH = fileURLToPath(new URL('./rules.yaml', import.meta.url));

/**
 * Validates one YAML document against the schema, writing checked values into `into` and where
 * each came from into `origins`. Throws ConfigError naming file, line and dotted key.
 */
function validate(node: YamlNode | null, schema: Schema, into: Record<string, unknown>, yaml: YamlFile, order: number, origins: KeyOrigins, path: string): void {
  const file = yaml.displayPath;
  const lineOf = (n: YamlNode | null | undefined): number | undefined => (n?.range ? yaml.lineAt(n.range[0]) : undefined);
  // a scalar as the file spells it (`.nan`, `1e400`, `"x"`), which its parsed value may not show
  const shown = (n: YamlNode | null, value: unknown): string => {
    if (isScalar(n) && n.range) return yaml.spelled(n.range) || 'nothing';
    return JSON.stringify(value) ?? 'nothing';
  };
  if (!isMap(node)) throw new ConfigError(`${path || 'the rules'} must be a mapping of keys`, { file, line: lineOf(node), key: path || undefined });
  // `<<: *defaults` merges a mapping in, each key of it checked (and named) at its own line
  for (const pair of yaml.entries(node)) {
    const keyNode = pair.key as YamlNode;
    if (!isScalar(keyNode)) {
      throw new ConfigError(`a key must be a plain name, not a list or mapping: ${keyNode.range ? yaml.spelled(keyNode.range) : String(keyNode)}`, { file, line: lineOf(keyNode) });
    }
    const key = String(keyNode.value);
    const full = path ? `${path}.${key}` : key;
    const spec = schema[key];
    if (!spec) {
      const hint = didYouMean(key, Object.keys(schema), (c) => `'${path ? `${path}.` : ''}${c}'`);
      throw new ConfigError(`unknown key '${full}'${hint}`, { file, line: lineOf(keyNode), key: full });
    }
    // an alias (`*rate`) is read as the value its anchor holds, and named at its own line
    const written = pair.value as YamlNode | null;
    const valueNode = yaml.resolved(written);
    if (typeof spec === 'function') {
      const value = isScalar(valueNode) ? valueNode.value : valueNode?.toJSON?.();
      const res = spec(value);
      if (typeof res === 'string') throw new ConfigError(`${full} ${res}, got ${shown(valueNode, value)}`, { file, line: lineOf(written ?? keyNode), key: full });
      into[key] = res ? res.value : value;
      origins.set(full, { loc: { file, line: lineOf(keyNode), key: full }, order });
    } else {
      const sub = (into[key] as Record<string, unknown> | undefined) ?? {};
      validate(valueNode, spec, sub, yaml, order, origins, full);
      into[key] = sub;
    }
  }
}

/** Reads and validates a rules file, writing its values into `into` and their origins into `origins`. */
function readRulesFile(file: string, order: number, into: Record<string, unknown>, origins: KeyOrigins): void {
  // the user's file is the one --rules named; say so, since the message starts with its path
  const yaml = YamlFile.read(file, file, order > 0 ? '(the rules file given with --rules)' : undefined);
  // an empty overlay (nothing but comments, say) changes nothing, as an empty dbt yml does
  const root = yaml.root as YamlNode | null;
  if (order > 0 && (root == null || (isScalar(root) && root.value == null))) return;
  validate(root, SCHEMA, into, yaml, order, origins, '');
}

/**
 * Throws ConfigError when a dated key lies before `company.founded`, located at whichever of the
 * two keys was set last (the file laid over the built-in one wins), naming the other's line.
 */
function checkAgainstFounding(rules: Rules, origins: KeyOrigins): void {
  const founded = origins.get('company.founded')!;
  for (const key of AFTER_FOUNDING) {
    const [section, name] = key.split('.');
    const day = (rules as unknown as Record<string, Record<string, number>>)[section][name];
    if (day >= rules.company.founded) continue;
    const other = origins.get(key)!;
    if (founded.order > other.order) {
      throw new ConfigError(`company.founded ${formatDay(rules.company.founded)} is after ${key} ${formatDay(day)} (${other.loc.file}:${other.loc.line})`, founded.loc);
    }
    throw new ConfigError(`${key} ${formatDay(day)} is before company.founded ${formatDay(rules.company.founded)}`, other.loc);
  }
}

/**
 * Throws ConfigError when the company is founded before the fx seed's first day (every order is
 * priced with its day's rate, so the orders of earlier days would be missing), or when the default
 * range (`dates.default_days` days ending on `dates.default_end`) ends after the fx seed's last
 * day, or starts before `company.founded`: located at the key the user's file set (the later one
 * when both), naming the other.
 */
function checkDefaultRange(rules: Rules, origins: KeyOrigins): void {
  if (rules.company.founded < tryParseDay(FX_FROM)!) {
    throw new ConfigError(`company.founded ${formatDay(rules.company.founded)} is before ${FX_FROM}, the first day of seeds/fx_rates.csv (every order is priced with its day's exchange rate)`,
      origins.get('company.founded')!.loc);
  }
  const { default_end: end, default_days: days } = rules.dates;
  const endAt = origins.get('dates.default_end')!;
  if (end > tryParseDay(FX_TO)!) {
    throw new ConfigError(`dates.default_end ${formatDay(end)} is after ${FX_TO}, the last day of seeds/fx_rates.csv (the generator has exchange rates up to it)`, endAt.loc);
  }
  const start = end - days + 1;
  if (start >= rules.company.founded) return;
  // blamed on the key the user's file set (days, then end, then founded when it set several)
  const keys = ['dates.default_days', 'dates.default_end', 'company.founded'];
  const blame = keys.reduce((a, b) => (origins.get(b)!.order > origins.get(a)!.order ? b : a));
  const others = keys.filter((k) => k !== blame).map((k) => `${k} at ${origins.get(k)!.loc.file}:${origins.get(k)!.loc.line}`).join(', ');
  throw new ConfigError(`the default range of dates.default_days ${days} days ending on dates.default_end ${formatDay(end)} starts on ${formatDay(start)}, before company.founded ${formatDay(rules.company.founded)} (${others})`, origins.get(blame)!.loc);
}

/**
 * Loads rules: the built-in defaults, then `path` (if given) over them. Throws ConfigError for
 * an unreadable file, invalid YAML, a key that is not a plain name, an unknown key, a wrong type,
 * an out-of-range value, a date before `company.founded`, or a default range outside the days
 * the company and the fx seed cover.
 */
export function loadRules(path?: string): Rules {
  const merged: Record<string, unknown> = {};
  const origins: KeyOrigins = new Map();
  readRulesFile(DEFAULT_RULES_PATH, 0, merged, origins);
  if (path !== undefined) readRulesFile(path, 1, merged, origins);
  const rules = merged as unknown as Rules;
  checkAgainstFounding(rules, origins);
  checkDefaultRange(rules, origins);
  return rules;
}

/**
 * Applies `--formats` overrides like `shop/orders=csv,product/events=parquet`. Throws ConfigError
 * starting with `what` (the flag as the command line spells it) for an empty entry, an unknown
 * source or an unknown format.
 */
export function withFormats(rules: Rules, spec: string, what = '--formats'): Rules {
  const formats = { ...rules.formats };
  const parts = spec.split(',').map((s) => s.trim());
  if (parts.includes('')) {
    throw new ConfigError(`${what}: '${spec}' has an empty entry; give <source>=<format> pairs separated by commas, e.g. shop/orders=csv`);
  }
  const named = new Set<string>();
  for (const part of parts) {
    const [name, fmt, ...rest] = part.split('=');
    if (fmt === undefined || rest.length > 0) {
      throw new ConfigError(`${what}: '${part}' must be <source>=<format> with a source among ${SOURCE_NAMES.join(', ')}`);
    }
    if (!(SOURCE_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(`${what}: '${name}' is no source${didYouMean(name, SOURCE_NAMES) || `; the sources are ${SOURCE_NAMES.join(', ')}`}`);
    }
    if (fmt === '') throw new ConfigError(`${what}: ${name} needs a format after '=': csv, parquet or jsonl`);
    if (named.has(name)) throw new ConfigError(`${what}: ${name} is given twice`);
    named.add(name);
    const bad = format(fmt);
    if (typeof bad === 'string') throw new ConfigError(`${what}: ${name} ${bad}, got '${fmt}'`);
    formats[name as SourceName] = fmt as RawFormat;
  }
  return { ...rules, formats };
}

/** Why a day cannot be generated (it reads after "is" or "starts on D,"), or undefined when it can. */
export function unavailableDay(rules: Rules, day: number): string | undefined {
  if (day < rules.company.founded) return `before the company was founded (${formatDay(rules.company.founded)}, company.founded in the rules)`;
  if (day < tryParseDay(FX_FROM)!) return `before ${FX_FROM}, the first day of seeds/fx_rates.csv`;
  if (day > tryParseDay(FX_TO)!) return `after ${FX_TO}, the last day of seeds/fx_rates.csv`;
  return undefined;
}

/**
 * The version of the company model: raised whenever the generator makes other records from the
 * same rules, so that a lake made before is another company (see rulesFingerprint). 2: product
 * events in sessions, with marketplace browsing and no checkout for API orders. 3: ad clicks at
 * each channel's prices, 90% of them landing as tagged page views. 4: a partially paid order is
 * never also paid twice; a migrated subscription's first renewal may churn or change plan; the
 * first account takes 2-3% of draws, not 12-15%; a web or app order's session (a cancelled one's
 * too) enters the marketplace before the cart; urgent tickets are answered and solved sooner; half
 * the touches after an account's first come through other channels; 3% of invoice charges are
 * declined, then retried. 5: only orders with a physical (hardware) item ship, tracked shipped,
 * in transit, out for delivery and delivered; 40% of order refunds are partial; 2% of invoice
 * charges are refunded; product names fit their category; phone numbers are of the account's
 * country; anonymous ids do not tell an account's device by their shape. 6: the touches of the
 * first fortnight's signups come from the founding day on (before, those before it were dropped,
 * and a quarter of those signups had none). 7: the manifests' payments drift says amounts go to
 * minor units (cents; the yen, which has none, unchanged), not "cents instead of dollars"; an
 * order ships 1-4 hours after it (after 08:00 for a night's order) on its day when placed before
 * 16:00, else in working hours of a later day (17% of shipments went out at 23:59:59, 4 hours
 * after the order capped at the day's end); tickets are urgent 5% of the time, high 15%, normal 50%, low 30% (urgent and high were 20%
 * each); a CRM profile change is a new email 60% of the time, a new head count 30%, a rename 7%, a
 * move to another country 3% (each was 25%: 12% of accounts moved country in a quarter); the hot
 * day multiplies signups too (its ad spend was 4 times a day's, its signups a day's); an annual
 * plan churns at a third of the monthly rate, compounded over its year (18% at its renewal, not
 * 46%); an account's head count has a median of 13, not 583 (a quarter were above 2,000);
 * activation steps wait 5 minutes to 3 days after the one before (they came 10, 20 and 30 minutes
 * after the signup, 0, 1 or 2 days apart), and 85%, 70% and 55% of the accounts whose trial
 * converts reach steps 1 to 3, 45%, 30% and 20% of the others (60%, 45% and 35% of all, whatever
 * their trial's end). 8: an order has one item 40% of the time and each further one with
 * chance 0.6, up to max_items_per_order (they were uniform over 1-4; the built-in rules now allow 8);
 * carriers collect and deliver Monday to Saturday, a Sunday's moved to the Monday (a seventh of
 * deliveries came on Sundays); orders, events, tickets and ad spend grow with the accounts, a day's volume
 * the rules' times (accounts + a month's signups) / (initial accounts + a month's signups) (they
 * stayed flat while the accounts grew); people act in the business hours of their account's country
 * (timeOfDay.ts: one local curve of hourly weights, shifted to UTC by the country's offset, no
 * daylight saving): orders (so their payments, shipments and checkouts), tickets, sessions, ad
 * landings, signups, profile changes and reactivations (each was uniform over the 24 hours UTC);
 * declines (declines.ts): 5% of invoice charges are declined, retried 3, 8 and 15 days later (an
 * expired card paid only by a card update), the subscription past_due
 * meanwhile and canceled when dunning runs out (they were all paid 20 seconds later); an order's
 * declined charge is retried by its buyer within minutes, and one never paid is payment_failed,
 * unshipped, its checkout not completed; a CRM move to another country never draws the country it
 * leaves (a sixth of moves stayed put). 9: marketplace sessions that buy nothing are 4 per order
 * (they were 0.5), an entry then 0-3 search or listing views (0.3 of the one before each) and for
 * 22% the cart (40% were an entry and a cart, the others an entry alone): of the sessions that
 * visit the marketplace 16% buy, of those that view the cart 46% (they were 54% and 79%); an order
 * whose first charge is declined completes its checkout at the retry that pays it (it completed at
 * the order's second, before its declined tries); and a customer's card (cards.ts) lives 3 to 5 years and is
 * renewed at its expiry with the same number, a card update starts a new one (another number), and
 * payment_method_details shows the card at the charge, with its exp_month (it showed one card per
 * customer for good, its exp_year drawn from 2025-2029); an invoice is declined expired_card only
 * when its card on file expired since the charge before (40% of such expiries: EXPIRY_DECLINE), and
 * 4% of the others are declined card_declined or insufficient_funds (5% of all were declined, a
 * fifth of them expired_card, whatever the card), and an expired_card decline shows the card whose
 * expiry passed. 10: an account uses the app (app pages, feature_used) only on days its trial or
 * a subscription gives it access all through (access.ts), and its background sessions on other
 * days visit the public site under its account (any account's sessions used the app, a churned or
 * never converted one's too: 58% of the default dataset's app events).
 * Also in 10, the last records uniform over the UTC day take a time of day: a signup's
 * marketing touches come in the business hours of the account's country (on the signup's day, one
 * whose hour would not come before the signup comes the day before), refunds in the business hours
 * of the customer's country (support works in its customers' hours), and shipments in the
 * warehouse's local working hours (WAREHOUSE, in the US at -6 h: its 08:00-18:00, cut-off at
 * 16:00 and Sundays are local; they were UTC's), with the carrier's delivery scans in the buyer's
 * local morning and day of the buyer's calendar, a day later when that morning would not come after
 * the hub scan. 11: dunning's card update comes in the business hours of the customer's country
 * (it was a uniform second of the UTC day), and each activation step at its own business-hours time
 * of the day its wait ends, the next day when that would not come 5 minutes after the step before
 * (they came their waits after the signup, at its hour). A test
 * (test/generator/lake.test.ts, MODEL_DIGESTS) fails when the records change under the same model.
 */
export const COMPANY_MODEL = 11;

/**
 * A short fingerprint of the rules that shape the company, all but the seed and the formats
 * (recorded in each day's manifest apart), and of the model that reads them: 16 hex digits of the
 * SHA-256 of their JSON. Two runs make the same company, day for day, when seed, scale and
 * fingerprint agree.
 */
export function rulesFingerprint(rules: Rules, model = COMPANY_MODEL): string {
  const { seed: _seed, formats: _formats, ...shaping } = rules;
  return createHash('sha256').update(JSON.stringify({ model, ...shaping })).digest('hex').slice(0, 16);
}
