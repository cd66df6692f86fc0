/**
 * Reference data the generator draws from: countries with their currency and weight, marketing
 * channels, plans and product categories. The CSV seeds in seeds/ hold the same facts for the
 * warehouse; a test checks the two agree.
 */

/**
 * Countries customers come from: ISO alpha-2, the currency they pay in, a share of signups, the
 * offset of their local time from UTC in minutes, and the shape of a business phone number there in
 * international form (`#` a digit, `N` a digit 2-9). The offset is one per country, standard time
 * all year (no daylight saving): the US at -6 h (Central, about the mean of its zones weighted by
 * people), Canada at -5 h (Toronto), Australia at +10 h (Sydney), India at +5:30 (see timeOfDay.ts).
 */
export const COUNTRIES: readonly { code: string; currency: string; weight: number; utcOffsetMinutes: number; phone: string }[] = [
  { code: 'US', currency: 'USD', weight: 38, utcOffsetMinutes: -360, phone: '+1 N## N## ####' },
  { code: 'GB', currency: 'GBP', weight: 10, utcOffsetMinutes: 0, phone: '+44 20 #### ####' },
  { code: 'DE', currency: 'EUR', weight: 8, utcOffsetMinutes: 60, phone: '+49 30 N#######' },
  { code: 'FR', currency: 'EUR', weight: 6, utcOffsetMinutes: 60, phone: '+33 1 ## ## ## ##' },
  { code: 'CA', currency: 'CAD', weight: 5, utcOffsetMinutes: -300, phone: '+1 N## N## ####' },
  { code: 'AU', currency: 'AUD', weight: 4, utcOffsetMinutes: 600, phone: '+61 2 N### ####' },
  { code: 'NL', currency: 'EUR', weight: 4, utcOffsetMinutes: 60, phone: '+31 20 N## ####' },
  { code: 'ES', currency: 'EUR', weight: 3, utcOffsetMinutes: 60, phone: '+34 91 ### ## ##' },
  { code: 'IT', currency: 'EUR', weight: 3, utcOffsetMinutes: 60, phone: '+39 02 N### ####' },
  { code: 'JP', currency: 'JPY', weight: 4, utcOffsetMinutes: 540, phone: '+81 3 N### ####' },
  { code: 'BR', currency: 'BRL', weight: 4, utcOffsetMinutes: -180, phone: '+55 11 N###-####' },
  { code: 'IN', currency: 'INR', weight: 5, utcOffsetMinutes: 330, phone: '+91 22 N### ####' },
  { code: 'SG', currency: 'SGD', weight: 2, utcOffsetMinutes: 480, phone: '+65 6### ####' },
  { code: 'SE', currency: 'SEK', weight: 2, utcOffsetMinutes: 60, phone: '+46 8 N## ### ##' },
  { code: 'IE', currency: 'EUR', weight: 2, utcOffsetMinutes: 0, phone: '+353 1 N## ####' },
];

/**
 * The warehouse marketplace orders with physical goods ship from (logistics/shipments), in the US,
 * the largest market: it works in its own local time, its country's offset from UTC in seconds
 * (standard time all year, as the countries'), so its working hours, its same-day cut-off and the
 * carriers' Sundays are its local ones (sources/shop.ts).
 */
export const WAREHOUSE: { readonly country: string; readonly utcOffsetSec: number } = {
  country: 'US', utcOffsetSec: COUNTRIES.find((c) => c.code === 'US')!.utcOffsetMinutes * 60,
};

/** Every currency the generator uses. fx_rates.csv has a rate to USD for each, every day. */
export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'JPY', 'BRL', 'INR', 'SGD', 'SEK'] as const;

/** ISO 4217 minor unit digits of the currencies that have none; every other one has 2. */
const ZERO_DECIMAL: readonly string[] = ['JPY'];

/** The ISO 4217 minor unit digits of a currency: 0 for the yen, 2 for the others here. */
export function minorDigits(currency: string): number {
  return ZERO_DECIMAL.includes(currency) ? 0 : 2;
}

/** SQL of the minor unit digits of the currency code in column `col` (see minorDigits). */
export function minorDigitsSql(col: string): string {
  return `case when ${col} in (${ZERO_DECIMAL.map((c) => `'${c}'`).join(', ')}) then 0 else 2 end`;
}

/** Marketing channels: whether they are paid (have ad spend), and their share of signups. */
export const CHANNELS: readonly { id: string; paid: boolean; weight: number; utmSource: string; utmMedium: string }[] = [
  { id: 'paid_search', paid: true, weight: 25, utmSource: 'google', utmMedium: 'cpc' },
  { id: 'paid_social', paid: true, weight: 15, utmSource: 'meta', utmMedium: 'paid_social' },
  { id: 'linkedin_ads', paid: true, weight: 10, utmSource: 'linkedin', utmMedium: 'paid_social' },
  { id: 'display', paid: true, weight: 5, utmSource: 'bing', utmMedium: 'display' },
  { id: 'organic_search', paid: false, weight: 22, utmSource: 'google', utmMedium: 'organic' },
  { id: 'referral', paid: false, weight: 10, utmSource: 'partner', utmMedium: 'referral' },
  { id: 'email', paid: false, weight: 8, utmSource: 'newsletter', utmMedium: 'email' },
  { id: 'direct', paid: false, weight: 5, utmSource: '(direct)', utmMedium: '(none)' },
];

/** Plan tiers in upgrade order, with the monthly list price in USD (annual = 10 months). */
export const PLAN_TIERS: readonly { tier: string; monthlyUsd: number }[] = [
  { tier: 'starter', monthlyUsd: 29 }, { tier: 'growth', monthlyUsd: 99 }, { tier: 'scale', monthlyUsd: 299 },
];

/** Currencies plans are listed in; others are billed in USD. Prices per currency (x USD). */
export const PLAN_CURRENCIES: readonly { currency: string; factor: number }[] = [
  { currency: 'USD', factor: 1 }, { currency: 'EUR', factor: 0.92 }, { currency: 'GBP', factor: 0.79 },
];

/** The plan id for a tier, period and currency, e.g. `growth_monthly_eur`. */
export function planId(tier: string, period: 'monthly' | 'annual', currency: string): string {
  return `${tier}_${period}_${currency.toLowerCase()}`;
}

/**
 * Marketplace product categories with a typical unit price range in USD, and whether their items
 * are physical goods, which ship (an order ships when one of its items does; the others are
 * delivered digitally and have no shipment).
 */
export const CATEGORIES: readonly { id: string; minUsd: number; maxUsd: number; shipped: boolean }[] = [
  { id: 'templates', minUsd: 5, maxUsd: 60, shipped: false }, { id: 'integrations', minUsd: 20, maxUsd: 300, shipped: false },
  { id: 'hardware', minUsd: 40, maxUsd: 900, shipped: true }, { id: 'services', minUsd: 100, maxUsd: 2500, shipped: false },
  { id: 'training', minUsd: 30, maxUsd: 400, shipped: false }, { id: 'data', minUsd: 10, maxUsd: 500, shipped: false },
];

/** Products in the marketplace's catalogue (w_products): product i is in category i mod CATEGORIES.length. */
export const PRODUCTS = 1024;

/** Industries of customer accounts. */
export const INDUSTRIES = ['software', 'retail', 'manufacturing', 'healthcare', 'finance', 'education', 'logistics', 'media', 'hospitality', 'agency'] as const;

/** Picks an index from cumulative weights with a uniform draw u in [0, 1). */
export function weightedIndex(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = u * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.length - 1;
}
