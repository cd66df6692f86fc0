/**
 * An engine QueryResult shaped like the agate table dbt's `run_query` returns, enough for what
 * models realistically do: `results.columns[0].values()`, `results.rows` (rows index by position
 * and by column name), `results.column_names`, `results | length`.
 */
import type { CellValue, QueryResult } from '../../engine/adapter.js';
import { PyDecimal, PyFloat, pyFloatRepr, pyJsonDumps, PyTuple } from '../pythonRepr.js';
import { fromIso, PyTimedelta } from './datetimeModule.js';
import { splitArgs } from './environment.js';

/** One agate column: its name and its values. */
export interface AgateColumn {
  readonly name: string;
  values(): unknown[];
}

/** What `run_query()` returns to a template. */
export interface AgateTable {
  readonly columns: AgateColumn[] & Record<string, AgateColumn>;
  readonly column_names: string[];
  readonly rows: unknown[][];
  readonly length: number;
  /** agate's print_table(max_rows=20, max_columns=6): prints the table (see printTable) where the template's print() goes. */
  print_table(...raw: unknown[]): string;
}

/**
 * A cell as the Python value dbt's run_query gives a template: ints as ints, a DOUBLE as a float
 * (2.0 prints `2.0`), a DECIMAL as a Decimal (exact, `1.50`), dates and timestamps as date and
 * datetime objects (`.strftime()`, `+ timedelta`), an interval as a timedelta, and lists, structs
 * and maps as their JSON text (dbt's table_from_data_flat); a value Python could not hold (a
 * timestamp with another offset than UTC) stays its text.
 */
function pyValue(v: CellValue, type: string): unknown {
  if (v === null) return null;
  const kind = agateType(type);
  if (kind === 'integer') return typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (kind === 'number') return typeof v === 'number' ? new PyFloat(v) : (PyDecimal.parse(String(v)) ?? v);
  if (kind === 'date' || kind === 'datetime') {
    try {
      return fromIso(kind === 'date' ? String(v) : pyDateTime(String(v), 'T'), kind === 'date');
    } catch {
      return v;
    }
  }
  if (type === 'INTERVAL') return pyTimedelta(String(v));
  return kind === 'text' && (typeof v === 'object' || /^(BLOB|TIME)$/.test(type)) ? pyText(v, type) : v;
}

/** Converts a query result to an agate-like table; its print_table() gives its text to `print`. */
export function toAgateTable(result: QueryResult, print: (text: string) => void = () => undefined): AgateTable {
  const names = result.columns.map((c) => c.name);
  const types = result.columns.map((c) => c.type);
  const rows = result.rows.map((r) => {
    const row: unknown[] & Record<string, unknown> = r.map((v, i) => pyValue(v, types[i]!)) as unknown[] & Record<string, unknown>;
    names.forEach((n, i) => {
      if (!/^\d+$/.test(n) && !(n in Array.prototype)) row[n] = row[i];
    });
    return row;
  });
  // agate's values() and column_names are tuples: they print as `(1, 2)`
  const columns = names.map((name, i) => ({ name, values: () => PyTuple.from(rows.map((r) => r[i])) })) as AgateColumn[] & Record<string, AgateColumn>;
  for (const c of [...columns]) if (!/^\d+$/.test(c.name) && !(c.name in Array.prototype)) columns[c.name] = c;
  const printTableOf = (...raw: unknown[]): string => {
    const { args, kwargs } = splitArgs(raw);
    const limit = (v: unknown, dflt: number) => (v === undefined ? dflt : v === null ? undefined : Number(v));
    print(printTable(result, { maxRows: limit(kwargs.max_rows ?? args[0], 20), maxColumns: limit(kwargs.max_columns ?? args[1], MAX_COLUMNS) }).trimEnd());
    return '';
  };
  return { columns, column_names: PyTuple.from(names) as string[], rows, length: rows.length, print_table: printTableOf };
}

/**
 * The agate type dbt gives a result column (dbt_common's type tester on the values DuckDB's Python
 * client returns): ints are `integer` (printed plainly), floats and decimals `number` (printed
 * grouped, to at most 3 places), dates, datetimes and booleans their own, and everything else
 * (strings, times, intervals, UUIDs, blobs, lists and structs as JSON) `text`. A column of nothing
 * but NULLs is `integer`, the type tester's first type.
 */
export type AgateType = 'integer' | 'number' | 'date' | 'datetime' | 'boolean' | 'text';

/** The agate type of a column of DuckDB type `type` (its name as DuckDB spells it: `DECIMAL(18,2)`). */
export function agateType(type: string): AgateType {
  if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$|^NULL$/.test(type)) return 'integer';
  if (/^(FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/.test(type)) return 'number';
  if (type === 'BOOLEAN') return 'boolean';
  if (type === 'DATE') return 'date';
  if (/^TIMESTAMP( WITH TIME ZONE|_S|_MS|_NS)?$/.test(type)) return 'datetime';
  return 'text';
}

const DATETIME_TEXT = /^(-?\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/** A DuckDB timestamp's text as Python's datetime prints it: microseconds in six digits (none when 0), an offset as `+00:00`. */
function pyDateTime(text: string, sep: ' ' | 'T'): string {
  const m = DATETIME_TEXT.exec(text);
  if (!m) return text;
  const micro = (m[3] ?? '').padEnd(6, '0').slice(0, 6);
  const tz = m[4] ? `${m[4]}${m[5]}:${m[6] ?? '00'}${m[7] ? `:${m[7]}` : ''}` : '';
  return `${m[1]}${sep}${m[2]}${micro && micro !== '000000' ? `.${micro}` : ''}${tz}`;
}

/** A DuckDB interval's text (`1 year 2 months 3 days 04:05:06.5`) as DuckDB's Python client gives it: a timedelta, a month 30 days. */
function pyTimedelta(text: string): PyTimedelta {
  let days = 0;
  for (const [, n, unit] of text.matchAll(/(-?\d+) (year|mon|day)/g)) days += Number(n) * (unit === 'year' ? 360 : unit === 'mon' ? 30 : 1);
  const t = /(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?/.exec(text);
  const us = t ? (t[1] ? -1 : 1) * ((Number(t[2]) * 3600 + Number(t[3]) * 60 + Number(t[4])) * 1e6 + Number((t[5] ?? '').padEnd(6, '0').slice(0, 6))) : 0;
  return new PyTimedelta(days * 86_400_000_000 + us);
}

/** Python's repr of bytes (a BLOB, read as hex): `b'x\x00'`. */
function pyBytes(hex: string): string {
  let out = '';
  for (let i = 0; i < hex.length; i += 2) {
    const c = parseInt(hex.slice(i, i + 2), 16);
    const ch = String.fromCharCode(c);
    out += ch === "'" || ch === '\\' ? `\\${ch}` : c === 10 ? '\\n' : c === 13 ? '\\r' : c === 9 ? '\\t' : c >= 0x20 && c < 0x7f ? ch : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `b'${out}'`;
}

/** A DuckDB type, parsed as far as nested values need: lists, structs, maps, and the rest by name. */
type TypeTree = { list: TypeTree } | { struct: Map<string, TypeTree> } | { map: TypeTree } | { name: string };

/** Splits `a, b(c, d), "e f" g` at its top-level commas. */
function topLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '(' || ch === '[')) depth++;
    else if (!quoted && (ch === ')' || ch === ']')) depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function parseType(type: string): TypeTree {
  const t = type.trim();
  if (/\[\d*\]$/.test(t)) return { list: parseType(t.replace(/\[\d*\]$/, '')) };
  if (t.startsWith('STRUCT(') && t.endsWith(')')) {
    return {
      struct: new Map(topLevel(t.slice(7, -1)).map((field) => {
        const m = /^("(?:[^"]|"")*"|\S+)\s+(.*)$/.exec(field)!;
        return [m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!, parseType(m[2]!)];
      })),
    };
  }
  if (t.startsWith('MAP(') && t.endsWith(')')) return { map: parseType(topLevel(t.slice(4, -1))[1] ?? 'VARCHAR') };
  return { name: t };
}

/**
 * A nested value as DuckDB's Python client gives it and dbt's JSON encoder writes it: decimals and
 * floats as floats, dates, times and timestamps in ISO form, intervals and blobs as their str(),
 * a MAP's entries as a dict.
 */
function pyNested(v: CellValue, type: TypeTree): unknown {
  if (v === null) return null;
  if ('list' in type) return Array.isArray(v) ? v.map((x) => pyNested(x, type.list)) : v;
  if ('struct' in type) return typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pyNested(x, type.struct.get(k) ?? { name: 'VARCHAR' })])) : v;
  if ('map' in type) return Array.isArray(v) ? Object.fromEntries(v.map((e) => [String((e as { key: CellValue }).key), pyNested((e as { value: CellValue }).value, type.map)])) : v;
  const name = type.name;
  if (agateType(name) === 'number') return new PyFloat(Number(v));
  if (agateType(name) === 'datetime') return pyDateTime(String(v), 'T');
  if (name === 'TIME' || name === 'BLOB') return pyText(v, name);
  if (name === 'INTERVAL' && typeof v === 'object' && !Array.isArray(v)) {
    const { months = 0, days = 0, micros = 0 } = v as { months?: number; days?: number; micros?: number };
    return new PyTimedelta((Number(months) * 30 + Number(days)) * 86_400_000_000 + Number(micros)).toString();
  }
  return v;
}

/** The text of a non-null cell of a `text` column, as Python's str() of the value DuckDB's client returns. */
function pyText(v: CellValue, type: string): string {
  if (type === 'INTERVAL') return pyTimedelta(String(v)).toString();
  if (type === 'BLOB') return pyBytes(String(v));
  if (type === 'TIME') return String(v).replace(/\.(\d+)$/, (_m, f: string) => `.${f.padEnd(6, '0').slice(0, 6)}`);
  if (typeof v === 'object' && v !== null) return pyJsonDumps(pyNested(v, parseType(type)));
  return String(v);
}

/** A number cell as an exact decimal text: a float as Python's repr (its Decimal), a DECIMAL as DuckDB writes it. */
function decimalText(v: CellValue): string {
  return typeof v === 'number' ? pyFloatRepr(v) : String(v);
}

/** A decimal text's sign, coefficient digits and exponent, normalized (trailing zeros moved into the exponent); undefined for inf / nan. */
function parseDecimal(text: string): { negative: boolean; digits: string; exponent: number } | undefined {
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m) return undefined;
  const frac = m[3] ?? '';
  let digits = `${m[2] ?? ''}${frac}`.replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - frac.length;
  if (digits === '') return { negative: m[1] === '-', digits: '0', exponent: 0 };
  const zeros = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - zeros);
  exponent += zeros;
  return { negative: m[1] === '-', digits, exponent };
}

/** `#,##0.000` with `places` decimals, halves to even, as babel's format_decimal writes it (en_US). */
function formatDecimal(d: { negative: boolean; digits: string; exponent: number }, places: number): string {
  // the value as an integer count of 10^-places
  let units: bigint;
  const shift = d.exponent + places;
  if (shift >= 0) units = BigInt(d.digits + '0'.repeat(shift));
  else {
    const kept = d.digits.length + shift > 0 ? d.digits.slice(0, d.digits.length + shift) : '0';
    const rest = d.digits.length + shift > 0 ? d.digits.slice(d.digits.length + shift) : d.digits.padStart(-shift, '0');
    units = BigInt(kept);
    const half = '5' + '0'.repeat(rest.length - 1);
    if (rest > half || (rest === half && units % 2n === 1n)) units += 1n;
  }
  const text = units.toString().padStart(places + 1, '0');
  const whole = text.slice(0, text.length - places).replace(/\B(?=(\d{3})+$)/g, ',');
  return `${d.negative ? '-' : ''}${whole}${places > 0 ? `.${text.slice(text.length - places)}` : ''}`;
}

/** How agate's print_table shows a result (dbt show): at most 6 columns, values cut to 20 characters, numbers to 3 places. */
const MAX_COLUMNS = 6;
const MAX_WIDTH = 20;
const MAX_PRECISION = 3;

/** Cuts a value to MAX_WIDTH characters (code points), ending it with `...` when cut. */
function cut(s: string): string {
  const chars = [...s];
  return chars.length > MAX_WIDTH ? `${chars.slice(0, MAX_WIDTH - 3).join('')}...` : s;
}

/**
 * The result as agate's `print_table()` prints it, as `dbt show` does (GitHub-flavoured Markdown):
 * a header row, a divider and every row; text left-aligned, other types right-aligned; columns
 * past the sixth shown as `...`.
 */
export function printTable(result: QueryResult, opts: { maxRows?: number; maxColumns?: number } = {}): string {
  const types = result.columns.map((c) => agateType(c.type));
  const maxColumns = opts.maxColumns ?? MAX_COLUMNS;
  const shown = result.columns.slice(0, maxColumns);
  const truncated = result.columns.length > maxColumns;
  const shownRows = opts.maxRows === undefined ? result.rows : result.rows.slice(0, opts.maxRows);
  const header = [...shown.map((c) => cut(c.name)), ...(truncated ? ['...'] : [])];
  // each number cell's exact decimal, read once (undefined: null, inf or nan)
  const decimals = shownRows.map((r) => shown.map((_, j) => (types[j] === 'number' && r[j] !== null ? parseDecimal(decimalText(r[j]!)) : undefined)));
  // a number column's places: the most any of its values has, at most 3 (then each ends with …)
  const formats = shown.map((_, j) => {
    const places = Math.max(0, ...decimals.flatMap((r) => (r[j] ? [-r[j].exponent] : [])));
    return { places: Math.min(places, MAX_PRECISION), ellipsis: places > MAX_PRECISION ? '…' : '' };
  });
  const cell = (v: CellValue, i: number, j: number): string => {
    if (v === null) return '';
    const type = types[j]!;
    if (type === 'number') {
      const d = decimals[i]![j];
      if (!d) return /nan/i.test(decimalText(v)) ? 'NaN' : decimalText(v).startsWith('-') ? '-Infinity' : 'Infinity';
      return cut(`${formatDecimal(d, formats[j]!.places)}${formats[j]!.ellipsis}`);
    }
    if (type === 'boolean') return v ? 'True' : 'False';
    if (type === 'datetime') return cut(pyDateTime(String(v), ' '));
    if (type === 'text') return cut(pyText(v, result.columns[j]!.type));
    return cut(typeof v === 'bigint' ? v.toString() : String(v));
  };
  const rows = shownRows.map((r, i) => [...shown.map((_, j) => cell(r[j]!, i, j)), ...(truncated ? ['...'] : [])]);
  const widths = header.map((h, j) => Math.max([...h].length, ...rows.map((r) => [...r[j]!].length)));
  const line = (cells: string[]) => `|${cells.map((c, j) => ` ${types[j] === 'text' ? c.padEnd(widths[j]! + c.length - [...c].length) : c.padStart(widths[j]! + c.length - [...c].length)} `).join('|')}|`;
  // rows past maxRows: one row of ... (not counted in the widths, as agate writes it)
  const more = shownRows.length < result.rows.length ? [line(header.map(() => '...'))] : [];
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line), ...more].join('\n') + '\n';
}

/**
 * The result's rows as agate's `to_json` gives them to `dbt show --output json`: objects keyed by
 * column, ints as ints, numbers as Python floats, dates and datetimes in ISO form, booleans, and
 * other values as their text. Values PyFloat where Python has a float, for pyJsonDumps.
 */
export function tableJson(result: QueryResult): Record<string, unknown>[] {
  const types = result.columns.map((c) => agateType(c.type));
  return result.rows.map((r) => Object.fromEntries(result.columns.map((c, j) => {
    const v = r[j]!;
    if (v === null) return [c.name, null];
    const type = types[j]!;
    const out = type === 'number' ? new PyFloat(typeof v === 'number' ? v : Number(v)) : type === 'datetime' ? pyDateTime(String(v), 'T') : type === 'text' ? pyText(v, c.type) : v;
    return [c.name, out];
  })));
}
