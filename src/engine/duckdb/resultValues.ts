/**
 * Converts DuckDB results into Stratum's plain `QueryResult`: integers as numbers (bigint past
 * 2^53), doubles as numbers, decimals, dates, times, timestamps and intervals as their SQL text,
 * blobs as hex, nested values recursively (their dates and timestamps as text too).
 */
import { DuckDBTypeId, type DuckDBResultReader } from '@duckdb/node-api';
import type { CellValue, ColumnInfo, QueryResult } from '../adapter.js';

/** Types read through the lossless JSON form (strings) rather than JS numbers/Dates. */
const TEXT_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIME,
  DuckDBTypeId.TIME_TZ,
  DuckDBTypeId.TIME_NS,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.INTERVAL,
  DuckDBTypeId.UUID,
  DuckDBTypeId.BIGNUM,
  DuckDBTypeId.BIT,
  DuckDBTypeId.ENUM,
]);

function fromJs(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(fromJs);
  if (typeof v === 'object') {
    const out: { [k: string]: CellValue } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = fromJs(x);
    return out;
  }
  return String(v);
}

/** Types holding other values (lists, structs, maps): read from the JS form, with their dates, times and timestamps from the JSON form. */
const NESTED_TYPES = new Set<DuckDBTypeId>([DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.STRUCT, DuckDBTypeId.MAP, DuckDBTypeId.UNION]);

/**
 * A nested value from its JS form, its dates, times and timestamps as their SQL text taken from the
 * JSON form at the same place (the JS form makes a JS Date of a DATE, which would print as a timestamp
 * in UTC: `2024-01-01T00:00:00.000Z`).
 */
function fromNested(js: unknown, json: unknown): CellValue {
  if (js instanceof Date) return typeof json === 'string' ? json : js.toISOString();
  // a TIME's JS form is its microseconds since midnight
  if ((typeof js === 'bigint' || typeof js === 'number') && typeof json === 'string' && /^\d\d:\d\d:\d\d/.test(json)) return json;
  if (Array.isArray(js)) return js.map((x, i) => fromNested(x, Array.isArray(json) ? json[i] : undefined));
  if (typeof js === 'object' && js !== null && !(js instanceof Uint8Array)) {
    const out: { [k: string]: CellValue } = {};
    const j = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    for (const [k, x] of Object.entries(js as Record<string, unknown>)) out[k] = fromNested(x, j[k]);
    return out;
  }
  return fromJs(js);
}

/** The columns of a result: names and DuckDB type names (e.g. `DECIMAL(18,2)`). */
export function resultColumns(reader: DuckDBResultReader): ColumnInfo[] {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  return names.map((name, i) => ({ name, type: types[i].toString() }));
}

/**
 * Reads the rows `[offset, offset + limit)` already fetched into `reader` and converts them.
 * Only those rows are converted; the caller bounds how many chunks were fetched.
 */
export function readerToResult(reader: DuckDBResultReader, offset = 0, limit = Number.POSITIVE_INFINITY): QueryResult {
  const columns = resultColumns(reader);
  const total = reader.currentRowCount;
  const end = Math.min(total, offset + limit);
  const ids = columns.map((_, i) => reader.columnTypeId(i));
  const rows: CellValue[][] = [];
  if (end <= offset) return { columns, rows };
  const jsRows = reader.getRowsJS();
  const needsText = ids.some((id) => TEXT_TYPES.has(id) || NESTED_TYPES.has(id));
  const jsonRows = needsText ? reader.getRowsJson() : undefined;
  // an interval's JSON form is {months, days, micros}: its SQL text is DuckDB's own (`1 month 2 days 03:04:05.5`)
  const valueRows = ids.includes(DuckDBTypeId.INTERVAL) ? reader.getRows() : undefined;
  for (let r = offset; r < end; r++) {
    const row: CellValue[] = [];
    for (let c = 0; c < columns.length; c++) {
      const id = ids[c];
      if (id === DuckDBTypeId.INTERVAL) {
        const v = valueRows![r][c];
        row.push(v === null ? null : String(v));
      } else if (TEXT_TYPES.has(id)) {
        const j = jsonRows![r][c];
        row.push(j === null ? null : String(j));
      } else if (NESTED_TYPES.has(id)) {
        row.push(fromNested(jsRows[r][c], jsonRows![r][c]));
      } else {
        row.push(fromJs(jsRows[r][c]));
      }
    }
    rows.push(row);
  }
  return { columns, rows };
}
