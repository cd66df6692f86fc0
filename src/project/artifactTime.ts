/**
 * Timestamps as dbt's artifacts spell them: `generated_at` and timings as
 * `2024-01-02T19:40:00.123000Z` (microseconds, `Z`), and freshness times as Python's
 * `datetime.isoformat()` of a UTC time, `2024-01-02T19:40:00+00:00` (microseconds only when not 0).
 */
import { JinjaDateTime, UTC } from './jinja/datetimeModule.js';

/** `2024-01-02T19:40:00.123000Z` for a Date or an ISO string (JavaScript has milliseconds, so the last 3 digits are 0). */
export function dbtTimestamp(t: Date | string): string {
  const iso = typeof t === 'string' ? t : t.toISOString();
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/**
 * Python's `isoformat()` of a UTC datetime: `2024-01-02T19:40:00+00:00`, or with `.ffffff` when
 * the microseconds are not 0. Takes a Date, an ISO string, or a timestamp as DuckDB prints it
 * (`2024-01-02 19:40:00.5`, naive, read as UTC as dbt does); returns other text unchanged.
 */
export function pyIsoformatUtc(t: Date | string): string {
  const text = typeof t === 'string' ? t : t.toISOString();
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]00(?::?00)?)?$/.exec(text.trim());
  if (!m) return text;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  return new JinjaDateTime(ms * 1000 + Number((m[3] ?? '').padEnd(6, '0').slice(0, 6)), false, UTC).isoformat();
}
