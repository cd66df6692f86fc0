/**
 * Builds seeds/fx_rates.csv: one rate per currency per day to USD, moving by a small daily random
 * walk that is pulled back toward a realistic level (so that over three years rates wander a few
 * percent, not off to levels no market saw). Counter-based, so any day is reproducible. The seed
 * file is committed; a test checks it equals this function's output.
 */
import { CURRENCIES } from './catalog.js';
import { formatDay, tryParseDay } from './dates.js';
import { uniform } from './hash.js';

/**
 * USD per one unit of each currency: the first day's rate and the level the walk returns to
 * (about 2024's; EUR matches the 0.92 factor of plans.csv's euro prices).
 */
const LEVEL: Record<(typeof CURRENCIES)[number], number> = {
  USD: 1, EUR: 1.087, GBP: 1.265, CAD: 0.74, AUD: 0.66, JPY: 0.0068, BRL: 0.2, INR: 0.012, SGD: 0.745, SEK: 0.095,
};

/** Share of the distance (in log terms) to LEVEL that a day's move takes back: half-life ~35 days. */
const PULL = 0.02;

/** The seed file's date range. */
export const FX_FROM = '2023-01-01';
export const FX_TO = '2025-12-31';

/** Returns the CSV text of fx_rates.csv (`rate_date,currency,usd_per_unit`). */
export function fxRatesCsv(seed = 7): string {
  const from = tryParseDay(FX_FROM)!;
  const to = tryParseDay(FX_TO)!;
  const lines = ['rate_date,currency,usd_per_unit'];
  const level = { ...LEVEL };
  for (let d = from; d <= to; d++) {
    for (const [i, c] of CURRENCIES.entries()) {
      // a move of up to ±0.4% a day, and the pull back toward LEVEL
      if (c !== 'USD' && d > from) level[c] *= (1 + (uniform(seed, i, d) - 0.5) * 0.008) * Math.pow(LEVEL[c] / level[c], PULL);
      lines.push(`${formatDay(d)},${c},${level[c].toPrecision(6)}`);
    }
  }
  return lines.join('\n') + '\n';
}
