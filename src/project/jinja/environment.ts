/**
 * A nunjucks Environment configured to behave like the Jinja dbt uses: no autoescaping, Python
 * literals (`True`, `None`), Python methods on strings, lists and dicts (`.upper()`, `.append()`,
 * `.items()`, ...), `{% do %}`, dbt's filters (`as_bool`, `as_number`, `as_text`, `tojson`) and
 * the `none` test. The runtime patches are process-wide and installed once.
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
  compilerProto.compileAdd = function compileAdd(this: { _emit(s: string): void; compile(n: unknown, f: unknown): void }, node: { left: unknown; right: unknown }, frame: unknown): void {
    this._emit('runtime.pyAdd(');
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  };
  const runtime = nunjucks.runtime as unknown as { memberLookup: (obj: unknown, key: unknown) => unknown };
  const compatLookup = runtime.memberLookup;
  runtime.memberLookup = (obj: unknown, key: unknown): unknown => {
    if (typeof obj === 'string' || obj instanceof nunjucks.runtime.SafeString) {
      const s = String(obj);
      const m = typeof key === 'string' ? STRING_METHODS[key] : undefined;
      if (m) return (...a: unknown[]) => m(s, ...a);
    }
    if (Array.isArray(obj) && key === 'extend') return (items: unknown) => void obj.push(...(Array.isArray(items) ? items : []));
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
  env.addFilter('string', (v: unknown) => (v === null || v === undefined ? 'None' : String(v)));
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
