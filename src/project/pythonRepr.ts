/**
 * Python's `str()` and `repr()` of the values a YAML file yields (strings, numbers, booleans,
 * null, lists, mappings) and a template makes (floats, tuples), as dbt-core and its Jinja print
 * them: dbt puts `str(value)` into generic test names and hashes `repr()` of a test's metadata
 * into its unique id, and templates print values with `str()`, so Stratum spells them the same.
 */

/** Whether a value is a plain mapping (a dict literal, parsed JSON/YAML), not a class instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A Python float made by a template (a literal `1.0`, `/`, arithmetic on a float, the `float`
 * filter, a date's `timestamp()`): a number that prints as Python's repr, so that `{{ 10 / 2 }}`
 * renders `5.0` as dbt's does (JS numbers do not tell 5.0 from 5). Arithmetic outside the
 * operators below sees its number through valueOf.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
  toString(): string {
    return pyFloatRepr(this.value);
  }
}

/** Python's repr of a float: the shortest digits that read back, `1.0`, `0.0001`, `1e-05`, `1e+16`, `inf`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, e] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(e);
  const point = exp + 1; // digits before the decimal point
  if (point > 16 || point < -3) return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A Python tuple (`('a', 'b')`, zip()'s and dict.items()'s pairs): a list that prints in parentheses. */
export class PyTuple extends Array<unknown> {}


const PY_NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr()` of a str: single quotes unless it holds `'` and no `"`, escapes as CPython writes them. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && PY_NON_PRINTABLE.test(ch)) {
      out += cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/**
 * Python's `repr()` of a number parsed from YAML: integers as digits, other values as Python's
 * float repr. A YAML `1.0` reaches JavaScript as the integer 1, so it prints as `1` where Python
 * prints `1.0` (a template's `1.0` is a PyFloat and prints `1.0`).
 */
export function pyNumber(n: number | bigint): string {
  if (typeof n === 'bigint' || Number.isInteger(n)) {
    if (typeof n === 'number' && Math.abs(n) >= 1e16) return BigInt(n).toString();
    return String(n);
  }
  return pyFloatRepr(n);
}

/** Python's `repr()` of a value: `'a'`, `True`, `None`, `[1, 'b']`, `('a', 1)`, `{'k': 'v'}` (mapping keys in their order). */
export function pyRepr(v: unknown): string {
  // a String object: nunjucks' SafeString (a template's output) is one
  if (typeof v === 'string' || v instanceof String) return pyStrRepr(String(v));
  if (v instanceof PyTuple) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${[...v].map(pyRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

/**
 * Python's `str()` of a value, as Jinja prints it: strings as they are, `True` / `False`, `None`
 * (an undefined template name prints nothing), numbers as Python's, lists and dicts as `repr()`,
 * and other objects (dates, relations) by their own toString.
 */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  if (typeof v === 'number' || typeof v === 'bigint') return pyNumber(v);
  if (Array.isArray(v) || isPlainObject(v)) return pyRepr(v);
  return String(v);
}

/** Compares strings by code point, as Python's `sorted()` does. */
export function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A JSON string as Python's json.dumps writes it (ensure_ascii): non-ASCII as \uXXXX (surrogate pairs above U+FFFF). */
function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Python's `json.dumps(v)` (dbt's `tojson`, `dbt show --output json`): `", "` and `": "` between
 * items, or with `indent` one item a line and `","` / `": "`; floats (PyFloat, or a number that is
 * not whole) as Python's repr, `NaN` / `Infinity`; other objects by their str().
 */
export function pyJsonDumps(v: unknown, indent?: number, depth = 0): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string' || v instanceof String) return pyJsonString(String(v));
  if (v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))) {
    const x = Number(v);
    return Number.isNaN(x) ? 'NaN' : !Number.isFinite(x) ? (x > 0 ? 'Infinity' : '-Infinity') : pyFloatRepr(x);
  }
  if (typeof v === 'number' || typeof v === 'bigint') return pyNumber(v);
  const items: string[] = Array.isArray(v)
    ? v.map((x) => pyJsonDumps(x, indent, depth + 1))
    : isPlainObject(v) ? Object.entries(v).map(([k, x]) => `${pyJsonString(k)}: ${pyJsonDumps(x, indent, depth + 1)}`) : [];
  if (!Array.isArray(v) && !isPlainObject(v)) return pyJsonString(pyStr(v));
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return open + close;
  if (indent === undefined) return `${open}${items.join(', ')}${close}`;
  const pad = ' '.repeat(indent * (depth + 1));
  return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(indent * depth)}${close}`;
}
