/**
 * A nunjucks Environment configured to behave like the Jinja dbt uses: no autoescaping, Python
 * literals (`True`, `None`), Python methods on strings, lists and dicts (`.upper()`, `.append()`,
 * `.items()`, ...), Python's printing (`True`, `None`, `['a']`) and truthiness (an empty list is
 * false), tuples, slices and negative indexes, `namespace()`, `{% do %}`, dbt's filters (`as_bool`,
 * `as_number`, `as_text`, `tojson`) and the `none` test. The runtime patches are process-wide and
 * installed once.
 */
import nunjucks from 'nunjucks';

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

/** Whether a value is a plain mapping (a dict literal, parsed JSON/YAML), not a class instance. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Python's `repr()` of a template value: `'a'`, `[1, 'b']`, `{'k': None}`, `True`. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string' || v instanceof nunjucks.runtime.SafeString) {
    const s = String(v);
    const q = s.includes("'") && !s.includes('"') ? '"' : "'";
    return q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), `\\${q}`).replace(/\n/g, '\\n') + q;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

/**
 * Python's `str()` of a template value, as Jinja prints it: `True` / `False`, `None` for none
 * (an undefined name prints nothing), and lists and dicts in their Python form.
 */
export function pyStr(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v) || isPlainObject(v)) return pyRepr(v);
  return String(v);
}

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
    return x - y * Math.floor(x / y);
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

/** Python's truthiness: an empty list, dict or string is false. */
function pyBool(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string' || v instanceof nunjucks.runtime.SafeString) return String(v) !== '';
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

let installed = false;

/** Installs the process-wide runtime patches (Jinja compat and Python string/list methods). */
function installRuntimePatches(): void {
  if (installed) return;
  installed = true;
  nunjucks.installJinjaCompat();
  // Python's `+` concatenates lists; JS's would turn them into strings.
  const rt = nunjucks.runtime as unknown as Record<string, unknown>;
  rt.pyAdd = (a: unknown, b: unknown): unknown => (Array.isArray(a) && Array.isArray(b) ? [...a, ...b] : (a as number) + (b as number));
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
  // A parenthesised list with commas is a tuple (Jinja's `x in ('a', 'b')`), not JS's comma operator.
  compilerProto.compileGroup = function compileGroup(this: Emitter & { _compileAggregate(n: unknown, f: unknown, a: string, b: string): void }, node: Node & { children: unknown[] }, frame: unknown): void {
    if (node.children.length > 1) this._compileAggregate(node, frame, '[', ']');
    else this._compileAggregate(node, frame, '(', ')');
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
  env.addFilter('tojson', (v: unknown) => JSON.stringify(v));
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
  tests.addTest('float', (v: unknown) => typeof v === 'number' && !Number.isInteger(v));
  return env;
}
