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
  if (v instanceof PyDecimal) return v.repr();
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

/** A value for code outside templates (a config, a YAML file's data): its PyFloats as numbers, in lists and dicts too. */
export function plainValue(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plainValue);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  return v;
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
  if (!Array.isArray(v) && !isPlainObject(v)) return pyJsonString(pyStr(v));
  const items = Array.isArray(v) ? v.map((x) => pyJsonDumps(x, indent, depth + 1)) : Object.entries(v).map(([k, x]) => `${pyJsonString(k)}: ${pyJsonDumps(x, indent, depth + 1)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return open + close;
  if (indent === undefined) return `${open}${items.join(', ')}${close}`;
  const pad = ' '.repeat(indent * (depth + 1));
  return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(indent * depth)}${close}`;
}

/** The number of decimal digits of a non-negative bigint. */
function digitCount(n: bigint): number {
  return n === 0n ? 1 : n.toString().length;
}

/**
 * Python's `decimal.Decimal`, as run_query returns a DECIMAL column's values: exact, printed as its
 * text (`1.50`), with exact `+`, `-`, `*` and `/` to 28 significant digits (halves to even, as
 * Python's default context), comparable with numbers. The value is `coef × 10^exp`.
 */
export class PyDecimal {
  constructor(readonly coef: bigint, readonly exp: number, readonly negative = coef < 0n) {}

  /** Parses a decimal text (`-12.50`, `1E+3`); undefined when it is not one. */
  static parse(text: string): PyDecimal | undefined {
    const m = /^([+-])?(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m || (m[2] === undefined && !m[3])) return undefined;
    const frac = m[3] ?? '';
    const coef = BigInt(`${m[2] ?? ''}${frac}` || '0');
    return new PyDecimal(m[1] === '-' ? -coef : coef, Number(m[4] ?? 0) - frac.length, m[1] === '-');
  }

  /** An int as a Decimal (Python converts an int operand exactly). */
  static of(v: number | bigint | PyDecimal): PyDecimal {
    return v instanceof PyDecimal ? v : new PyDecimal(BigInt(v), 0);
  }

  /** Python's str(): plain digits unless the exponent is positive or the value very small (then `1E+3`, `1E-7`). */
  toString(): string {
    const digits = (this.coef < 0n ? -this.coef : this.coef).toString();
    const sign = this.negative ? '-' : '';
    const adjusted = this.exp + digits.length - 1;
    if (this.exp <= 0 && adjusted >= -6) {
      if (this.exp === 0) return sign + digits;
      const padded = digits.padStart(-this.exp + 1, '0');
      return `${sign}${padded.slice(0, padded.length + this.exp)}.${padded.slice(padded.length + this.exp)}`;
    }
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }

  /** Python's repr: `Decimal('1.50')`. */
  repr(): string {
    return `Decimal('${this.toString()}')`;
  }

  valueOf(): number {
    return Number(this.toString());
  }

  toJSON(): string {
    return this.toString();
  }

  /** `this + o`, to 28 significant digits (Python's default context). */
  add(o: PyDecimal): PyDecimal {
    const exp = Math.min(this.exp, o.exp);
    const coef = this.coef * 10n ** BigInt(this.exp - exp) + o.coef * 10n ** BigInt(o.exp - exp);
    return rounded(coef, exp, coef < 0n || (coef === 0n && this.negative && o.negative));
  }

  /** `-this` (minus zero is zero, as in Python). */
  neg(): PyDecimal {
    return new PyDecimal(-this.coef, this.exp, this.coef !== 0n && !this.negative);
  }

  /** `this * o`, to 28 significant digits. */
  mul(o: PyDecimal): PyDecimal {
    return rounded(this.coef * o.coef, this.exp + o.exp, this.negative !== o.negative);
  }

  /** `this / o` as Python's Decimal divides: exact where it can be (as near the ideal exponent as the digits allow), else 28 significant digits. */
  div(o: PyDecimal): PyDecimal {
    if (o.coef === 0n) throw new Error("decimal.DivisionByZero: [<class 'decimal.DivisionByZero'>]");
    const negative = this.negative !== o.negative;
    const ideal = this.exp - o.exp;
    const a = this.coef < 0n ? -this.coef : this.coef;
    const b = o.coef < 0n ? -o.coef : o.coef;
    if (a === 0n) return new PyDecimal(0n, ideal, negative);
    // a quotient of exactly PRECISION digits: a·10^s / b
    let s = PRECISION - (digitCount(a) - digitCount(b));
    const quotient = (shift: number): [bigint, bigint, bigint] => {
      const n = shift >= 0 ? a * 10n ** BigInt(shift) : a;
      const d = shift >= 0 ? b : b * 10n ** BigInt(-shift);
      return [n / d, n % d, d];
    };
    let [q, r, d] = quotient(s);
    if (digitCount(q) > PRECISION) [q, r, d] = quotient(--s);
    let exp = ideal - s;
    if (r === 0n) {
      while (exp < ideal && q % 10n === 0n) {
        q /= 10n;
        exp += 1;
      }
    } else if (2n * r > d || (2n * r === d && q % 2n === 1n)) {
      q += 1n;
      if (digitCount(q) > PRECISION) {
        q /= 10n;
        exp += 1;
      }
    }
    return new PyDecimal(negative ? -q : q, exp, negative);
  }
}

/** Python's default context precision. */
const PRECISION = 28;

/** coef·10^exp rounded to PRECISION significant digits, halves to even. */
function rounded(coef: bigint, exp: number, negative: boolean): PyDecimal {
  let c = coef < 0n ? -coef : coef;
  const drop = digitCount(c) - PRECISION;
  if (drop > 0) {
    const unit = 10n ** BigInt(drop);
    const r = c % unit;
    c /= unit;
    if (2n * r > unit || (2n * r === unit && c % 2n === 1n)) c += 1n;
    exp += drop;
    if (digitCount(c) > PRECISION) {
      c /= 10n;
      exp += 1;
    }
  }
  return new PyDecimal(negative ? -c : c, exp, negative);
}
