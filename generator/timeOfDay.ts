/**
 * The time of day people act at: B2B business hours in the account's local time. One table of
 * hourly weights in local time (HOUR_WEIGHTS) and one inverse-CDF mapping from a uniform integer
 * draw to a second of the UTC day (secondOfDay), written in JS (the account world), as SQL
 * (secondOfDaySql, the high-volume sources) and in AssemblyScript (assembly/events.ts's
 * secondOfDay, handed the same weights), all integer arithmetic, so the three agree bit for bit.
 *
 * The draw picks one of 1,000 slots (the hours hold HOUR_WEIGHTS[h] slots each) and a second
 * within that hour; the local second is shifted to UTC by the account's offset from UTC (one per
 * country, standard time all year: catalog.ts's COUNTRIES) modulo a day. So the day a record
 * happens on is drawn as before and only its time of day moves: a day's counts are the same, and
 * the UTC curve is the local one rotated by the offset (a Tokyo account's 09:00 is 00:00 UTC of
 * the same UTC day, not of the day before).
 */
import { COUNTRIES } from './catalog.js';

/**
 * How many of 1,000 acts fall in each hour of the local day: quiet at night, a morning ramp from
 * 07:00, a dip at lunch (12:00), the day's peak in the afternoon (14:00-16:00) and an evening tail.
 * 74.5% fall in 09:00-18:00 (37.5% of the day), 1% in 02:00-05:00 (12.5%).
 */
export const HOUR_WEIGHTS: readonly number[] = [
  8, 5, 4, 3, 3, 5, 12, 30, // 00-07
  60, 85, 92, 88, 62, 80, 95, 98, // 08-15
  85, 60, 35, 25, 21, 18, 15, 11, // 16-23
];

/** The slots the weights share out (their sum). */
export const TIME_SLOTS = 1000;

/** A time-of-day draw is a uniform integer in [0, TIME_DRAW): a slot and a second of its hour. */
export const TIME_DRAW = TIME_SLOTS * 3600;

if (HOUR_WEIGHTS.length !== 24 || HOUR_WEIGHTS.reduce((a, b) => a + b, 0) !== TIME_SLOTS) {
  throw new Error(`internal: HOUR_WEIGHTS must be 24 weights summing to ${TIME_SLOTS}`);
}

/** The local hour of each slot: hour h holds HOUR_WEIGHTS[h] slots, in order. */
const HOUR_OF_SLOT: readonly number[] = HOUR_WEIGHTS.flatMap((w, h) => Array<number>(w).fill(h));

/**
 * The second of the UTC day of an act drawn `draw` (uniform in [0, TIME_DRAW)) by an account
 * `offsetSec` seconds ahead of UTC: the local second the draw maps to through HOUR_WEIGHTS,
 * shifted to UTC modulo a day. In [0, 86400).
 */
export function secondOfDay(draw: number, offsetSec: number): number {
  return (HOUR_OF_SLOT[Math.floor(draw / 3600)] * 3600 + (draw % 3600) + 86400 - offsetSec) % 86400;
}

/**
 * SQL of secondOfDay: `draw` a column (or other cheap expression: it is read twice) holding an
 * integer in [0, TIME_DRAW), `offsetSec` one holding the offset in seconds. A list literal indexed
 * per row, no subquery.
 */
export function secondOfDaySql(draw: string, offsetSec: string): string {
  return `(([${HOUR_OF_SLOT.join(',')}])[1 + ${draw} // 3600] * 3600 + ${draw} % 3600 + 86400 - ${offsetSec}) % 86400`;
}

const OFFSETS = new Map(COUNTRIES.map((c) => [c.code, c.utcOffsetMinutes * 60]));

/** The offset from UTC, in seconds, of an account of `country` (a COUNTRIES code). */
export function utcOffsetSec(country: string): number {
  const o = OFFSETS.get(country);
  if (o === undefined) throw new Error(`internal: no UTC offset for country ${country}`);
  return o;
}

/**
 * The offsets of anonymous visitors (who come from an ad, not from an account): one entry per
 * unit of a country's weight, so a uniform index into it draws a country as signups do.
 */
export const VISITOR_OFFSETS: readonly number[] = COUNTRIES.flatMap((c) => Array<number>(c.weight).fill(c.utcOffsetMinutes * 60));
