/**
 * A nunjucks Environment configured to behave like the Jinja dbt uses: no autoescaping, Python
 * literals (`True`, `None`), Python methods on strings, lists and dicts (`.upper()`, `.append()`,
 * `.items()`, ...), Python's printing (`True`, `None`, `['a']`) and truthiness (an empty list is
 * false), tuples, slices and negative indexes, `namespace()`, `{% do %}`, dbt's filters (`as_bool`,
 * `as_number`, `as_text`, `tojson`) and the `none` test. The runtime patches are process-wide and
 * installed once.
 */
import nunjucks from 'nunjucks';
import { byCodePoint, isPlainObject, PyDecimal, PyFloat, pyJsonDumps, pyRepr, pyStr, PyTuple } from '../pythonRepr.js';

type AnyFn = (...args: unknown[]) => unknown;

const STRING_METHODS: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, chars) => (typeof chars === 'string' ? trimChars(s, chars, true, true) : s.trim()),
  lstrip: (s, chars) => (typeof chars === 'string' ? trimChars(s, chars, true, false) : s.trimStart()),
  rstrip: (s, chars) => (typeof chars === 'string' ? trimChars(s, chars, false, true) : s.trimEnd()),
  split: (s, sep, max) => pySplit(s, typeof sep === 'string' ? sep : undefined, typeof max === 'number' ? max : -1),
  startswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.startsWith(String(x))) : s.startsWith(String(p))),
  endswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.endsWith(String(x))) : s.endsWith(String(p))),
  replace: (s, a, b) => s.split(String(a)).join(String(b)),
  title: (s) => s.replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  join: (s, items) => (Array.isArray(items) ? items.map(String).join(s) : ''),
  isdigit: (s) => /^\d+$/.test(s),
  isupper: (s) => s === s.toUpperCase() && s !== s.toLowerCase(),
  islower: (s) => s === s.toLowerCase() && s !== s.toUpperCase(),
  format: (s, ...args) => {
    let i = 0;
    const kw = isKeywords(args[args.length - 1]) ? (args.pop() as Record<string, unknown>) : {};
    return s.replace(/\{(\w*)\}/g, (_m, k: string) => String(k === '' ? args[i++] : /^\d+$/.test(k) ? args[Number(k)] : kw[k]));
  },
  count: (s, sub) => s.split(String(sub)).length - 1,
  find: (s, sub) => s.indexOf(String(sub)),
};

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && chars.includes(s[a] as string)) a++;
  while (right && b > a && chars.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

function pySplit(s: string, sep: string | undefined, max: number): string[] {
  const parts = sep === undefined ? s.trim().split(/\s+/).filter((p) => p !== '') : s.split(sep);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(sep ?? ' ')];
}

/** Whether a value is the trailing keyword-arguments object nunjucks passes (`__keywords: true`). */
export function isKeywords(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && (v as { __keywords?: unknown }).__keywords === true;
}

/**
 * Splits the arguments nunjucks passes to a JS function into positionals and keyword arguments
 * (`f(1, b=2)` arrives as `(1, {b: 2, __keywords: true})`).
 */
export function splitArgs(args: readonly unknown[]): { args: unknown[]; kwargs: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (isKeywords(last)) {
    const kwargs: Record<string, unknown> = { ...last };
    delete kwargs.__keywords;
    return { args: args.slice(0, -1), kwargs };
  }
  return { args: [...args], kwargs: {} };
}

/** A value with its mappings' keys in sorted order, nested ones too (json.dumps' sort_keys). */
export function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort(byCodePoint).map((k) => [k, sortedKeys(v[k])]));
  return v;
}


/**
 * Python's round(x, digits): halves to even (`round(2.5)` is 2), as Jinja's `round` filter does
 * by default; `ceil` and `floor` as its other methods.
 */
function pyRound(x: number, digits: number, method: string): number {
  const f = 10 ** digits;
  if (method === 'ceil') return Math.ceil(x * f) / f;
  if (method === 'floor') return Math.floor(x * f) / f;
  if (!Number.isFinite(x) || digits < 0 || digits > 80 || Math.abs(x) >= 1e21) return Math.round(x * f) / f;
  // as CPython: decided on the double's exact decimal value (toFixed(100) spells it out), so 2.675
  // (2.67499999...) goes down, and only an exact half goes to the even neighbour
  const [whole, frac] = Math.abs(x).toFixed(100).split('.') as [string, string];
  const kept = `${whole}${frac.slice(0, digits)}`;
  const next = frac.slice(digits);
  const half = next[0] === '5' && /^50*$/.test(next);
  const up = next[0]! > '5' || (next[0] === '5' && !half) || (half && Number(kept[kept.length - 1]) % 2 === 1);
  const digitsOut = up ? (BigInt(kept) + 1n).toString().padStart(kept.length, '0') : kept;
  const text = digits === 0 ? digitsOut : `${digitsOut.slice(0, -digits) || '0'}.${digitsOut.slice(-digits)}`;
  return (x < 0 ? -1 : 1) * Number(text);
}

/** A number result: a PyFloat when `float` (an operand was one), else the number. */
function numeric(n: number, float: boolean): number | PyFloat {
  return float ? new PyFloat(n) : n;
}

const isFloat = (v: unknown): boolean => v instanceof PyFloat;

/** Python's arithmetic operators on numbers (and `*` on a string or list and a number, which repeats it). */
const PY_OPERATORS = { add: '+', sub: '-', mul: '*', div: '/' } as const;

/**
 * `a <op> b` where either is a Decimal (a run_query value): exact with an int or a Decimal, as
 * Python's; a float operand is Python's TypeError. Undefined where neither is a Decimal.
 */
function decimalOp(op: keyof typeof PY_OPERATORS, a: unknown, b: unknown): PyDecimal | undefined {
  if (!(a instanceof PyDecimal) && !(b instanceof PyDecimal)) return undefined;
  const operand = (v: unknown): PyDecimal => {
    if (v instanceof PyDecimal || typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return PyDecimal.of(v as number | bigint | PyDecimal);
    const type = v instanceof PyFloat || typeof v === 'number' ? 'float' : typeof v === 'string' ? 'str' : v === null || v === undefined ? 'NoneType' : 'object';
    const [l, r] = a instanceof PyDecimal ? ['decimal.Decimal', type] : [type, 'decimal.Decimal'];
    throw new Error(`TypeError: unsupported operand type(s) for ${PY_OPERATORS[op]}: '${l}' and '${r}'`);
  };
  const [x, y] = [operand(a), operand(b)];
  return op === 'add' ? x.add(y) : op === 'sub' ? x.add(y.neg()) : op === 'mul' ? x.mul(y) : x.div(y);
}

const ARITHMETIC = {
  mul: (a: unknown, b: unknown): unknown => {
    const dec = decimalOp('mul', a, b);
    if (dec) return dec;
    const [seq, n] = typeof b === 'number' ? [a, b] : [b, a];
    if (typeof n === 'number' && (typeof seq === 'string' || seq instanceof nunjucks.runtime.SafeString)) return String(seq).repeat(Math.max(0, n));
    if (typeof n === 'number' && Array.isArray(seq)) return Array.from({ length: Math.max(0, n) }, () => seq).flat();
    return numeric(Number(a) * Number(b), isFloat(a) || isFloat(b));
  },
  div: (a: unknown, b: unknown): PyFloat | PyDecimal => {
    const dec = decimalOp('div', a, b);
    if (dec) return dec;
    if (Number(b) === 0) throw new Error('ZeroDivisionError: division by zero');
    return new PyFloat(Number(a) / Number(b));
  },
  floorDiv: (a: unknown, b: unknown): unknown => {
    if (Number(b) === 0) throw new Error('ZeroDivisionError: integer division or modulo by zero');
    return numeric(Math.floor(Number(a) / Number(b)), isFloat(a) || isFloat(b));
  },
  pow: (a: unknown, b: unknown): unknown => numeric(Number(a) ** Number(b), isFloat(a) || isFloat(b) || Number(b) < 0),
  neg: (a: unknown): unknown => (a instanceof PyDecimal ? a.neg() : numeric(-Number(a), isFloat(a))),
  pos: (a: unknown): unknown => (a instanceof PyDecimal ? a : numeric(Number(a), isFloat(a))),
};

/**
 * Python's `%`: on a string, printf-style formatting (`'%s-%03d' % ('a', 7)`, `'%(k)s' % {'k': 1}`:
 * conversions s r d i f e g x X c and %%, with flags, width and precision); on numbers, the
 * remainder with the sign of the divisor (`-7 % 3` is 2). Throws Python's TypeError messages when
 * the arguments do not fit the format.
 */
export function pyMod(a: unknown, b: unknown): unknown {
  if (!(typeof a === 'string' || a instanceof nunjucks.runtime.SafeString)) {
    const x = Number(a);
    const y = Number(b);
    const float = isFloat(a) || isFloat(b);
    if (y === 0) throw new Error(float ? 'ZeroDivisionError: float modulo' : 'ZeroDivisionError: integer modulo by zero');
    return numeric(x - y * Math.floor(x / y), float);
  }
  const mapping = isPlainObject(b) ? b : undefined;
  const args = mapping ? [] : Array.isArray(b) ? b : [b];
  let next = 0;
  const out = String(a).replace(/%(\(([^)]*)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sridfeEgGxXc%])/g, (_m, _k, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    let v: unknown;
    if (key !== undefined) {
      if (!mapping || !(key in mapping)) throw new Error(`KeyError: '${key}'`);
      v = mapping[key];
    } else {
      if (next >= args.length) throw new Error('TypeError: not enough arguments for format string');
      v = args[next++];
    }
    const p = prec === undefined ? undefined : Number(prec);
    const n = Number(v);
    const numeric = !'src'.includes(conv);
    if (numeric && Number.isNaN(n)) throw new Error(`TypeError: %${conv} format: a real number is required, not ${typeof v}`);
    let text = conv === 's' ? pyStr(v) : conv === 'r' ? pyRepr(v) : conv === 'c' ? (typeof v === 'string' ? v : String.fromCharCode(n))
      : conv === 'd' || conv === 'i' ? String(Math.trunc(n)) : conv === 'f' ? n.toFixed(p ?? 6)
        : conv === 'e' || conv === 'E' ? n.toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : conv === 'g' || conv === 'G' ? String(p === undefined ? n : Number(n.toPrecision(p || 1)))
          : Math.trunc(n).toString(16);
    if (conv === 'E' || conv === 'G' || conv === 'X') text = text.toUpperCase();
    if (conv === 's' && p !== undefined) text = text.slice(0, p);
    if (numeric && flags.includes('+') && n >= 0) text = `+${text}`;
    else if (numeric && flags.includes(' ') && n >= 0) text = ` ${text}`;
    const w = width === undefined ? 0 : Number(width);
    if (text.length >= w) return text;
    if (flags.includes('-')) return text.padEnd(w);
    if (numeric && flags.includes('0')) {
      const sign = /^[-+ ]/.test(text) ? text[0] : '';
      return sign + text.slice(sign.length).padStart(w - sign.length, '0');
    }
    return text.padStart(w);
  });
  if (!mapping && next < args.length) throw new Error('TypeError: not all arguments converted during string formatting');
  return out;
}

/** `a.<method>(b)` when `a` has that Python operator method and it applies to `b`, else undefined. */
function dunder(a: unknown, method: '__add__' | '__sub__', b: unknown): unknown {
  const f = typeof a === 'object' && a !== null ? (a as Record<string, unknown>)[method] : undefined;
  return typeof f === 'function' ? (f as AnyFn).call(a, b) : undefined;
}

/**
 * Python's `==`: lists and dicts element by element, dates and timedeltas (values with a
 * `valueOf` of their own) by value, a string never equal to a number; JS's loose `==` for the rest
 * (None and an undefined name are equal, as nunjucks has it).
 */
function pyEq(a: unknown, b: unknown): boolean {
  const text = (v: unknown) => typeof v === 'string' || v instanceof nunjucks.runtime.SafeString;
  if (text(a) || text(b)) return text(a) && text(b) && String(a) === String(b);
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && pyEq(a[k], b[k]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && a.constructor === b.constructor && a.valueOf !== Object.prototype.valueOf) return a.valueOf() === b.valueOf();
  return a == b;
}

/** Python's truthiness: an empty list, dict or string is false. */
export function pyBool(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string' || v instanceof nunjucks.runtime.SafeString) return String(v) !== '';
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (v instanceof PyDecimal) return v.coef !== 0n;
  return Boolean(v);
}

/** Jinja's float: digits with a fraction, an exponent or both, `_` between digits (lexer.py's float_re). */
const FLOAT_RE = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/y;
/** Jinja's int: binary, octal, hex, or decimal, `_` between digits (lexer.py's integer_re). */
const INT_RE = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y;

/**
 * The number token Jinja reads at `at` where nunjucks' lexer reads it otherwise (an exponent, `_`, a
 * base prefix), as nunjucks' token type and value; undefined where nunjucks' own reading is Jinja's,
 * or where a name character follows (left to nunjucks, as before).
 */
function jinjaNumber(str: string, at: number): { type: 'float' | 'int'; value: string; length: number } | undefined {
  for (const [re, type] of [[FLOAT_RE, 'float'], [INT_RE, 'int']] as const) {
    re.lastIndex = at;
    const m = re.exec(str);
    if (!m) continue;
    const text = m[0];
    if (/[\w]/.test(str.charAt(at + text.length))) return undefined;
    if (type === 'float') return /[eE_]/.test(text) ? { type, value: text.replace(/_/g, ''), length: text.length } : undefined;
    if (!/[_bBoOxX]/.test(text)) return undefined;
    return { type, value: String(Number(text.replace(/_/g, '').replace(/^0[oO]/, '0o'))), length: text.length };
  }
  return undefined;
}

/**
 * A tuple with one item (`(1,)`) or none (`()`), and a trailing comma in a list, dict or tuple, as
 * Jinja's parser allows: nunjucks' aggregate parse, with a comma before its closing bracket allowed
 * and a group's commas recorded (compileGroup makes a group with one a tuple). Installed before
 * nunjucks' Jinja compatibility, which falls back from it to a slice (`x[1:]`).
 */
function patchAggregates(): void {
  type Node = { lineno: number; colno: number; [field: string]: unknown };
  type Token = { type: string; lineno: number; colno: number };
  type AggregateParser = {
    nextToken(): Token; peekToken(): Token; skip(type: string): boolean; fail(msg: string, l?: number, c?: number): never;
    parsePrimary(): Node; parseExpression(): Node;
  };
  const closing = new Set(['right-paren', 'right-bracket', 'right-curly']);
  const parserProto = (nunjucks as unknown as { parser: { Parser: { prototype: Record<string, unknown> } } }).parser.Parser.prototype;
  const nodes = (nunjucks as unknown as { nodes: Record<string, unknown> }).nodes;
  parserProto.parseAggregate = function parseAggregate(this: AggregateParser): unknown {
    const tok = this.nextToken();
    const name = tok.type === 'left-paren' ? 'Group' : tok.type === 'left-bracket' ? 'Array' : tok.type === 'left-curly' ? 'Dict' : undefined;
    if (!name) return null;
    const node = new (nodes[name] as unknown as new (l: number, c: number) => Node & { children: unknown[]; addChild(c: unknown): void })(tok.lineno, tok.colno);
    for (;;) {
      // nunjucks' own parse read the type of a null token here (a TypeError naming no line)
      if (!this.peekToken()) this.fail(`unexpected end of template: the ${name === 'Group' ? '(' : name === 'Array' ? '[' : '{'} opened here is not closed`, tok.lineno, tok.colno);
      if (closing.has(this.peekToken().type)) {
        this.nextToken();
        break;
      }
      if (node.children.length > 0) {
        if (!this.skip('comma')) this.fail('parseAggregate: expected comma after expression', tok.lineno, tok.colno);
        node.comma = true;
        if (closing.has(this.peekToken().type)) continue;
      }
      if (name === 'Dict') {
        const key = this.parsePrimary();
        if (!this.skip('colon')) this.fail('parseAggregate: expected colon after dict key', tok.lineno, tok.colno);
        const Pair = nodes.Pair as unknown as new (l: number, c: number, k: unknown, v: unknown) => Node;
        node.addChild(new Pair(key.lineno, key.colno, key, this.parseExpression()));
      } else node.addChild(this.parseExpression());
    }
    return node;
  };
}

let installed = false;

/** Installs the process-wide runtime patches (Jinja compat and Python string/list methods). */
function installRuntimePatches(): void {
  if (installed) return;
  installed = true;
  patchAggregates();
  nunjucks.installJinjaCompat();
  // Python's `+` concatenates lists (JS's would turn them into strings); `+` and `-` call a value's
  // own __add__ / __sub__ (dates and timedeltas), and `==` compares lists, dicts and dates by value.
  const rt = nunjucks.runtime as unknown as Record<string, unknown>;
  rt.pyAdd = (a: unknown, b: unknown): unknown => {
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    const dec = decimalOp('add', a, b);
    if (dec) return dec;
    const sum = dunder(a, '__add__', b) ?? (a as number) + (b as number);
    return typeof sum === 'number' ? numeric(sum, isFloat(a) || isFloat(b)) : sum;
  };
  rt.pySub = (a: unknown, b: unknown): unknown => decimalOp('sub', a, b) ?? dunder(a, '__sub__', b) ?? numeric((a as number) - (b as number), isFloat(a) || isFloat(b));
  rt.pyFloat = (n: number): PyFloat => new PyFloat(n);
  rt.pyTuple = (items: unknown[]): PyTuple => PyTuple.from(items);
  Object.assign(rt, { pyMul: ARITHMETIC.mul, pyDiv: ARITHMETIC.div, pyFloorDiv: ARITHMETIC.floorDiv, pyPow: ARITHMETIC.pow, pyNeg: ARITHMETIC.neg, pyPos: ARITHMETIC.pos });
  rt.pyEq = pyEq;
  // `x in list` compares as `==` does (1.0 in [1]); `in` a string finds a substring; `in` a dict a key
  const origIn = rt.inOperator as AnyFn;
  rt.inOperator = (key: unknown, val: unknown): unknown => (Array.isArray(val) ? val.some((x) => pyEq(x, key)) : origIn(key, val));
  const compilerProto = (nunjucks as unknown as { compiler: { Compiler: { prototype: Record<string, unknown> } } }).compiler.Compiler.prototype;
  type Emitter = { _emit(s: string): void; compile(n: unknown, f: unknown): void };
  type Node = { lineno: number; colno: number; [field: string]: unknown };
  const nodes = (nunjucks as unknown as { nodes: Record<string, { extend(name: string, props: object): new (l: number, c: number, ...a: unknown[]) => Node }> }).nodes;
  /** Emits `runtime.<fn>(<args compiled>` and then `close`. */
  const emitCall = (self: Emitter, fn: string, args: readonly unknown[], frame: unknown, close = ')'): void => {
    self._emit(`runtime.${fn}(`);
    args.forEach((a, i) => {
      if (i > 0) self._emit(', ');
      self.compile(a, frame);
    });
    self._emit(close);
  };
  compilerProto.compileAdd = function compileAdd(this: Emitter, node: Node, frame: unknown): void {
    emitCall(this, 'pyAdd', [node.left, node.right], frame);
  };
  for (const [kind, fn] of [['Sub', 'pySub'], ['Mul', 'pyMul'], ['Div', 'pyDiv'], ['FloorDiv', 'pyFloorDiv'], ['Pow', 'pyPow']] as const) {
    compilerProto[`compile${kind}`] = function compileBinary(this: Emitter, node: Node, frame: unknown): void {
      emitCall(this, fn, [node.left, node.right], frame);
    };
  }
  for (const [kind, fn] of [['Neg', 'pyNeg'], ['Pos', 'pyPos']] as const) {
    compilerProto[`compile${kind}`] = function compileUnary(this: Emitter, node: Node, frame: unknown): void {
      emitCall(this, fn, [node.target], frame);
    };
  }
  // a float literal (`1.0`) is a PyFloat: the parser marks the literals it read from float tokens
  const parserProto = (nunjucks as unknown as { parser: { Parser: { prototype: Record<string, unknown> } } }).parser.Parser.prototype;
  const origPrimary = parserProto.parsePrimary as AnyFn;
  parserProto.parsePrimary = function parsePrimary(this: { peekToken(): { type: string } | null }, ...rest: unknown[]): unknown {
    const float = this.peekToken()?.type === 'float';
    const node = origPrimary.apply(this, rest) as Node;
    if (float && node instanceof (nodes.Literal as unknown as new () => Node) && typeof node.value === 'number') node.pyFloat = true;
    return node;
  };
  // Numbers as Jinja's lexer reads them: an exponent makes a float (`1e3`, `1.5E-2`), `_` separates
  // digits (`1_000`), and `0x` / `0o` / `0b` prefix an int. nunjucks read `1e3` as an unknown name
  // (printing nothing) and `1.5e2` as a syntax error; other numbers keep nunjucks' own tokens.
  type Lexer = { in_code: boolean; index: number; str: string; lineno: number; colno: number; previous(): string; forwardN(n: number): void };
  const lexerProto = Object.getPrototypeOf((nunjucks as unknown as { lexer: { lex(s: string): object } }).lexer.lex('')) as Record<string, unknown>;
  const origNextToken = lexerProto.nextToken as AnyFn;
  // A `}` that closes an open `{` is a brace even where `}}` follows (`{{ f({}) }}`, `{'a': {}}`): Jinja's
  // lexer balances braces, where nunjucks read `}}` as the end of the tag.
  lexerProto.nextToken = function nextToken(this: Lexer & { openCurly?: number }, ...rest: unknown[]): unknown {
    const at = this.str.charAt(this.index);
    const digit = this.in_code && /[0-9]/.test(at);
    // `x.0` is an item lookup, as Jinja's `x[0]`: its digits are the name nunjucks looks up
    const index = digit && this.previous() === '.' ? /^[0-9]+/.exec(this.str.slice(this.index, this.index + 20))?.[0] : undefined;
    const number = index !== undefined ? { type: 'symbol', value: index, length: index.length }
      : digit ? jinjaNumber(this.str, this.index)
        : this.in_code && at === '}' && (this.openCurly ?? 0) > 0 ? { type: 'right-curly', value: '}', length: 1 } : undefined;
    if (!number) {
      const tok = origNextToken.apply(this, rest) as { type: string } | null;
      if (tok?.type === 'left-curly') this.openCurly = (this.openCurly ?? 0) + 1;
      else if (tok?.type === 'variable-end' || tok?.type === 'block-end') this.openCurly = 0;
      return tok;
    }
    if (number.type === 'right-curly') this.openCurly! -= 1;
    const tok = { type: number.type, value: number.value, lineno: this.lineno, colno: this.colno };
    this.forwardN(number.length);
    return tok;
  };
  const origLiteral = compilerProto.compileLiteral as AnyFn;
  compilerProto.compileLiteral = function compileLiteral(this: Emitter, node: Node, ...rest: unknown[]): unknown {
    if (!node.pyFloat) return origLiteral.call(this, node, ...rest);
    this._emit(`runtime.pyFloat(${String(node.value)})`);
    return undefined;
  };
  // `a == b` and `a != b` (a chain of comparisons keeps nunjucks' JS operators)
  const origCompare = compilerProto.compileCompare as AnyFn;
  compilerProto.compileCompare = function compileCompare(this: Emitter, node: Node & { expr: unknown; ops: { type: string; expr: unknown }[] }, frame: unknown): unknown {
    const op = node.ops.length === 1 ? node.ops[0] : undefined;
    if (!op || (op.type !== '==' && op.type !== '!=')) return origCompare.call(this, node, frame);
    if (op.type === '!=') this._emit('!');
    emitCall(this, 'pyEq', [node.expr, op.expr], frame);
    return undefined;
  };
  // Printing and `~` use Python's str() (True, None, ['a']); conditions use Python's truthiness
  // (an empty list or dict is false), and `a or b` / `a and b` give an operand, as in Python.
  rt.pyStr = pyStr;
  rt.pyBool = pyBool;
  const origSuppress = rt.suppressValue as AnyFn;
  rt.suppressValue = (val: unknown, autoescape: unknown): unknown => origSuppress(val instanceof nunjucks.runtime.SafeString || typeof val === 'string' ? val : pyStr(val), autoescape);
  rt.pyMod = pyMod;
  compilerProto.compileMod = function compileMod(this: Emitter, node: Node, frame: unknown): void {
    emitCall(this, 'pyMod', [node.left, node.right], frame);
  };
  compilerProto.compileConcat = function compileConcat(this: Emitter, node: Node, frame: unknown): void {
    emitCall(this, 'pyStr', [node.left], frame, ') + ');
    emitCall(this, 'pyStr', [node.right], frame);
  };
  compilerProto.compileNot = function compileNot(this: Emitter, node: Node, frame: unknown): void {
    emitCall(this, 'pyBool', [node.target], frame);
    this._emit(' === false');
  };
  // `a or b` is a when a is true, else b; `a and b` is b when a is true, else a (a evaluated once)
  const emitOperand = (self: Emitter, node: Node, frame: unknown, or: boolean): void => {
    self._emit(`(function(l) { return runtime.pyBool(l) ? ${or ? 'l : ' : ''}`);
    self.compile(node.right, frame);
    self._emit(`${or ? '' : ' : l'}; })(`);
    self.compile(node.left, frame);
    self._emit(')');
  };
  compilerProto.compileOr = function compileOr(this: Emitter, node: Node, frame: unknown): void {
    emitOperand(this, node, frame, true);
  };
  compilerProto.compileAnd = function compileAnd(this: Emitter, node: Node, frame: unknown): void {
    emitOperand(this, node, frame, false);
  };
  // `if` conditions are wrapped in a node that compiles to runtime.pyBool(...)
  const PyBool = nodes.Node!.extend('PyBool', { fields: ['target'] });
  compilerProto.compilePyBool = function compilePyBool(this: Emitter, node: Node, frame: unknown): void {
    emitCall(this, 'pyBool', [node.target], frame);
  };
  const origAssertType = compilerProto.assertType as AnyFn;
  compilerProto.assertType = function assertType(this: unknown, node: unknown, ...types: unknown[]): void {
    if (node instanceof PyBool) return;
    origAssertType.call(this, node, ...types);
  };
  for (const kind of ['compileIf', 'compileInlineIf']) {
    const orig = compilerProto[kind] as AnyFn;
    compilerProto[kind] = function compileCondition(this: unknown, node: Node, ...rest: unknown[]): unknown {
      if (!(node.cond instanceof PyBool)) node.cond = new PyBool(node.lineno, node.colno, node.cond);
      return orig.call(this, node, ...rest);
    };
  }
  // Each pass of a `for` body is a scope of its own, as in Jinja: a `{% set %}` in it is seen for
  // the rest of that pass only, and neither by the next pass nor after the loop (nunjucks wrote it
  // to the frame outside the loop). Reads still reach the variables outside.
  const LoopBody = nodes.Node!.extend('LoopBody', { fields: ['body'] });
  compilerProto.compileLoopBody = function compileLoopBody(this: Emitter & { _emitLine(s: string): void }, node: Node, frame: unknown): void {
    this._emitLine('frame = frame.push(true);');
    this.compile(node.body, frame);
    this._emitLine('frame = frame.pop();');
  };
  const origFor = compilerProto.compileFor as AnyFn;
  compilerProto.compileFor = function compileFor(this: unknown, node: Node, ...rest: unknown[]): unknown {
    if (!(node.body instanceof LoopBody)) node.body = new LoopBody(node.lineno, node.colno, node.body);
    return origFor.call(this, node, ...rest);
  };
  // A parenthesised list with commas is a tuple (Jinja's `x in ('a', 'b')`, `(1,)`, `()`), not JS's comma operator.
  compilerProto.compileGroup = function compileGroup(this: Emitter & { _compileAggregate(n: unknown, f: unknown, a: string, b: string): void }, node: Node & { children: unknown[] }, frame: unknown): void {
    if (node.children.length !== 1 || node.comma === true) {
      this._emit('runtime.pyTuple(');
      this._compileAggregate(node, frame, '[', ']');
      this._emit(')');
    } else this._compileAggregate(node, frame, '(', ')');
  };
  // `{% set ns.attr = value %}` assigns an attribute (of a namespace()), as Jinja allows.
  const origSet = compilerProto.compileSet as AnyFn;
  compilerProto.compileSet = function compileSet(this: Emitter & { _emitLine(s: string): void }, node: Node & { targets: Node[]; value: unknown; body: unknown }, frame: unknown): unknown {
    const target = node.targets[0];
    if (node.targets.length !== 1 || !(target instanceof (nodes.LookupVal as unknown as new () => Node))) return origSet.call(this, node, frame);
    this._emit('(');
    this.compile(target.target, frame);
    this._emit(')[');
    this.compile(target.val, frame);
    this._emit('] = ');
    this.compile(node.value ?? node.body, frame);
    this._emitLine(';');
    return undefined;
  };
  const runtime = nunjucks.runtime as unknown as { memberLookup: (obj: unknown, key: unknown, ...slice: unknown[]) => unknown };
  const compatLookup = runtime.memberLookup;
  runtime.memberLookup = (obj: unknown, key: unknown, ...slice: unknown[]): unknown => {
    // `x[a:b]` arrives as (obj, start, stop, step); a string's slice is a string
    if (slice.length > 0) {
      const items = compatLookup(typeof obj === 'string' || obj instanceof nunjucks.runtime.SafeString ? [...String(obj)] : obj, key, ...slice);
      return typeof obj === 'string' || obj instanceof nunjucks.runtime.SafeString ? (items as string[]).join('') : items;
    }
    // Python's negative index counts from the end
    if (typeof key === 'number' && key < 0 && (Array.isArray(obj) || typeof obj === 'string')) return obj[obj.length + key];
    if (typeof obj === 'string' || obj instanceof nunjucks.runtime.SafeString) {
      const s = String(obj);
      const m = typeof key === 'string' ? STRING_METHODS[key] : undefined;
      if (m) return (...a: unknown[]) => m(s, ...a);
    }
    // list.append / .extend and dict.get as Python's: the first two return None, get's default is None
    if (Array.isArray(obj) && key === 'append') return (item: unknown) => (obj.push(item), null);
    if (Array.isArray(obj) && key === 'extend') return (items: unknown) => (obj.push(...(Array.isArray(items) ? items : [])), null);
    if (isPlainObject(obj) && key === 'get' && !('get' in obj)) return (k: unknown, d: unknown = null) => (String(k) in obj ? obj[String(k)] : d);
    if (isPlainObject(obj) && key === 'items' && !('items' in obj)) return () => Object.entries(obj).map((e) => PyTuple.from(e));
    // a function with attributes of its own (a Python class: `datetime(...)` and `datetime.now()`)
    // is itself, not nunjucks' wrapper that calls it, so that its attributes can be read
    const member = obj !== null && (typeof obj === 'object' || typeof obj === 'function') ? (obj as Record<string, unknown>)[key as string] : undefined;
    if (typeof member === 'function' && Object.keys(member).length > 0) return member;
    // Jinja's d['values'] is the item and an object's own method wins over dict emulation.
    if (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && typeof key === 'string' && key in obj) {
      const v = (obj as Record<string, unknown>)[key];
      return typeof v === 'function' ? (...a: unknown[]) => (v as AnyFn).apply(obj, a) : v;
    }
    if (obj instanceof Map) {
      if (key === 'get') return (k: unknown, d: unknown = null) => (obj.has(k) ? obj.get(k) : d);
    }
    return compatLookup(obj, key);
  };
}

/** `{% do expr %}`: evaluates an expression for its side effects and outputs nothing. */
class DoExtension {
  readonly tags = ['do'];
  parse(parser: { nextToken(): { value: string }; parseExpression(): unknown; advanceAfterBlockEnd(v: string): void }, nodes: { NodeList: new (l: number, c: number, items: unknown[]) => unknown; CallExtension: new (ext: unknown, prop: string, args: unknown) => unknown }): unknown {
    const tok = parser.nextToken();
    const expr = parser.parseExpression();
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtension(this, 'run', new nodes.NodeList(0, 0, [expr]));
  }
  run(): string {
    return '';
  }
}

function toBool(v: unknown): boolean {
  if (typeof v === 'string') return ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase());
  return Boolean(v);
}

/** Creates a Jinja-like nunjucks Environment (no loader: templates are compiled from strings). */
export function createJinjaEnvironment(): nunjucks.Environment {
  installRuntimePatches();
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false, trimBlocks: false, lstripBlocks: false });
  env.addExtension('do', new DoExtension());
  env.addFilter('as_bool', toBool);
  env.addFilter('as_number', (v: unknown) => Number(v));
  env.addFilter('as_text', (v: unknown) => (v === null || v === undefined ? '' : String(v)));
  env.addFilter('as_native', (v: unknown) => v);
  // Jinja2's tojson filter: json.dumps with sorted keys, and <, >, & and ' escaped for HTML
  env.addFilter('tojson', (v: unknown) => pyJsonDumps(sortedKeys(v)).replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`));
  // `default(x, true)` replaces any false value, an empty list or dict included
  const withDefault = (v: unknown, dflt: unknown = '', boolean: unknown = false): unknown => (v === undefined || (boolean === true && !pyBool(v)) ? dflt : v);
  env.addFilter('default', withDefault);
  env.addFilter('d', withDefault);
  env.addFilter('string', (v: unknown) => (v === undefined ? 'None' : pyStr(v)));
  env.addFilter('join', ((items: unknown, sep: unknown = '', attr?: unknown) => {
    const list = Array.isArray(items) ? items : typeof items === 'string' ? [...items] : [];
    return (typeof attr === 'string' ? list.map((x) => (x as Record<string, unknown>)?.[attr]) : list).map(pyStr).join(pyStr(sep));
  }) as AnyFn);
  // the item `better` prefers over every other one (none of an empty list)
  const extreme = (better: (a: number, b: number) => boolean) => (v: unknown) => (Array.isArray(v) && v.length > 0 ? v.reduce((a, b) => (better(b as number, a as number) ? b : a)) : undefined);
  env.addFilter('max', extreme((a, b) => a > b));
  env.addFilter('min', extreme((a, b) => a < b));
  // Jinja's selectattr/rejectattr take a test (`selectattr('type', 'equalto', 'x')`); nunjucks' only an attribute
  const byAttr = (keep: boolean): AnyFn => (items: unknown, attr: unknown, test?: unknown, ...testArgs: unknown[]) => {
    const check = typeof test === 'string' ? ((env as unknown as { getTest(n: string): AnyFn }).getTest(test)) : pyBool;
    return (Array.isArray(items) ? items : []).filter((x) => Boolean(check((x as Record<string, unknown>)?.[String(attr)], ...testArgs)) === keep);
  };
  env.addFilter('selectattr', byAttr(true));
  env.addFilter('rejectattr', byAttr(false));
  // `namespace(a=1)` and `dict(a=1)`: a mapping of the arguments (`{% set ns.a = 2 %}` assigns into it)
  const mapping = (...raw: unknown[]): Record<string, unknown> => {
    const { args, kwargs } = splitArgs(raw);
    return { ...(isPlainObject(args[0]) ? args[0] : {}), ...kwargs };
  };
  env.addGlobal('namespace', mapping);
  env.addGlobal('dict', mapping);
  env.addFilter('unique', (v: unknown) => (Array.isArray(v) ? [...new Set(v)] : v));
  env.addFilter('map', ((items: unknown, ...rest: unknown[]) => {
    const { args, kwargs } = splitArgs(rest);
    const list = Array.isArray(items) ? items : [];
    const attr = kwargs.attribute ?? undefined;
    if (typeof attr === 'string') return list.map((x) => (x as Record<string, unknown>)?.[attr]);
    const f = args[0];
    const filter = typeof f === 'string' ? (env.getFilter(f) as AnyFn) : undefined;
    return filter ? list.map((x) => filter(x, ...args.slice(1))) : list;
  }) as AnyFn);
  const tests = env as unknown as { addTest(name: string, fn: (v: unknown) => boolean): void };
  tests.addTest('none', (v: unknown) => v === null || v === undefined);
  tests.addTest('mapping', (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v));
  tests.addTest('sequence', (v: unknown) => Array.isArray(v) || typeof v === 'string');
  tests.addTest('boolean', (v: unknown) => typeof v === 'boolean');
  tests.addTest('integer', (v: unknown) => Number.isInteger(v));
  tests.addTest('float', (v: unknown) => v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v)));
  tests.addTest('number', (v: unknown) => v instanceof PyFloat || v instanceof PyDecimal || typeof v === 'number');
  // Jinja's float, int, round and abs: a float stays a float (`{{ 2.5 | round }}` is 3.0)
  env.addFilter('float', (v: unknown, dflt: unknown = new PyFloat(0)) => {
    // Python's float() also reads inf, -inf, infinity and nan, in any case
    const special = typeof v === 'string' ? /^\s*([+-]?)(inf|infinity|nan)\s*$/i.exec(v) : null;
    if (special) return new PyFloat(special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity);
    const n = v instanceof PyFloat ? v.value : typeof v === 'number' ? v : Number.parseFloat(String(v));
    return Number.isNaN(n) ? dflt : new PyFloat(n);
  });
  const origInt = env.getFilter('int') as AnyFn;
  env.addFilter('int', (v: unknown, ...rest: unknown[]) => (v instanceof PyFloat ? Math.trunc(v.value) : origInt(v, ...rest)));
  env.addFilter('round', (v: unknown, digits: unknown = 0, method: unknown = 'common') => {
    const n = pyRound(Number(v), Number(digits), String(method));
    return method === 'common' && !isFloat(v) && Number.isInteger(v) ? n : new PyFloat(n);
  });
  env.addFilter('abs', (v: unknown) => numeric(Math.abs(Number(v)), isFloat(v)));
  return env;
}
