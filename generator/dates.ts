/**
 * Calendar days as integers. The generator works in "day numbers" (days since 1970-01-01, UTC)
 * so that day arithmetic is exact and SQL can use the same numbers.
 */
import { UsageError } from '../src/errors.js';

const MS_PER_DAY = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` to a day number; undefined when it is not a real calendar date. */
export function tryParseDay(text: string): number | undefined {
  const m = ISO_DAY.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCFullYear() !== Number(m[1]) || back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) return undefined;
  return ms / MS_PER_DAY;
}

/** Parses `YYYY-MM-DD` or throws UsageError naming `what` (e.g. `--day`). */
export function parseDay(text: string, what: string): number {
  const d = tryParseDay(text);
  if (d === undefined) throw new UsageError(`${what}: '${text}' is not a date (expected YYYY-MM-DD)`);
  return d;
}

/** Formats a day number as `YYYY-MM-DD`. */
export function formatDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Day of week of a day number, 0 = Sunday .. 6 = Saturday. */
export function weekday(day: number): number {
  return (day + 4) % 7; // 1970-01-01 was a Thursday
}
