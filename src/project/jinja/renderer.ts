/**
 * Renders dbt templates with nunjucks. Holds the compiled macro files of a project (built-ins
 * first, then the project's, which override by name; `dbt.<name>` still reaches the built-in, as
 * in dbt), wraps every macro so `return(...)` works and calls are recorded, resolves
 * `adapter.dispatch`, and turns template failures into CompileError at the template's file and line.
 */
import nunjucks from 'nunjucks';
import type { Dialect } from '../../engine/adapter.js';
import { ConfigError, StratumError } from '../../errors.js';
import { CompileError } from '../errors.js';
import type { MacroDef } from '../types.js';
import { builtinMacroFile } from './builtinMacros.js';
import { crossDbMacroFile } from './crossDbMacros.js';
import { createJinjaEnvironment, splitArgs } from './environment.js';
import { RAW_MACRO_PREFIX, type MacroFile } from './macroFile.js';
import { MacroReturn, PendingQuery, type RenderState } from './renderState.js';

type AnyFn = (...args: unknown[]) => unknown;
type ExportingTemplate = nunjucks.Template & { getExported(ctx: object, frame: unknown, cb: (err: Error | null, exported: Record<string, unknown>) => void): void };

/**
 * Converts a nunjucks error to a CompileError at file:line. Nunjucks reports `[Line N, Column M]`,
 * 1-based for syntax errors but 0-based (and omitted on the first line) for render errors.
 */
export function toCompileError(e: unknown, file: string, phase: 'syntax' | 'render' = 'syntax', source?: string): StratumError {
  if (e instanceof StratumError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /\[Line (\d+)(?:, Column (\d+))?\]/.exec(msg);
  const shift = phase === 'render' ? 1 : 0;
  // An unterminated block is reported without a position: point at the end of the file.
  const eof = source !== undefined && /end of file/.test(msg) ? source.split('\n').length : undefined;
  const line = pos ? Number(pos[1]) + shift : phase === 'render' ? 1 : eof;
  const column = pos?.[2] !== undefined ? Number(pos[2]) + shift : undefined;
  const detail = msg
    .replace(/^\([^)]*\)\s*/, '')
    .replace(/\[Line \d+(?:, Column \d+)?\]\s*/, '')
    .replace(/^(Template render error|Error):\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return new CompileError(detail || 'template error', { file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) });
}

/**
 * The compiled code of the built-in macro files, shared by every renderer of the process: nunjucks
 * turns a template into JavaScript once and each environment runs that code (`{type: 'code'}`).
 */
const builtinCode = new Map<string, { type: 'code'; obj: unknown }>();

/** The built-in macro file `file` compiled for `env`, its code generated once per process. */
function builtinTemplate(file: MacroFile, env: nunjucks.Environment): nunjucks.Template {
  let code = builtinCode.get(file.source);
  if (!code) {
    const { compiler } = nunjucks as unknown as { compiler: { compile(src: string, asyncFilters: unknown, extensions: unknown, name: string, opts: unknown): string } };
    const { asyncFilters, extensionsList, opts } = env as unknown as { asyncFilters: unknown; extensionsList: unknown; opts: unknown };
    // nunjucks' own way to load compiled code (Template._compile)
    code = { type: 'code', obj: (new Function(compiler.compile(file.source, asyncFilters, extensionsList, file.path, opts)) as () => unknown)() };
    builtinCode.set(file.source, code);
  }
  return new nunjucks.Template(code as unknown as string, env, file.path, true);
}

/** A node of nunjucks' template AST, as far as unknownFilter reads it. */
interface AstNode {
  readonly typename?: string;
  readonly fields?: readonly string[];
  readonly lineno?: number;
  readonly colno?: number;
  readonly name?: { readonly value?: unknown };
  readonly [field: string]: unknown;
}

/** The first filter (in source order) that `source` applies and `env` does not have, 1-based, or undefined. */
function unknownFilter(source: string, env: nunjucks.Environment): { name: string; line: number; column: number } | undefined {
  const { parser } = nunjucks as unknown as { parser: { parse(src: string, extensions: unknown, opts: unknown): AstNode } };
  const { extensionsList, opts } = env as unknown as { extensionsList: unknown; opts: unknown };
  let first: { name: string; line: number; column: number } | undefined;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) walk(v as AstNode);
  };
  const walk = (node: AstNode): void => {
    if (node.typename === 'Filter' && typeof node.name?.value === 'string') {
      const name = node.name.value;
      let known = true;
      try {
        env.getFilter(name);
      } catch {
        known = false;
      }
      const at = { name, line: (node.lineno ?? 0) + 1, column: (node.colno ?? 0) + 1 };
      if (!known && (!first || at.line < first.line || (at.line === first.line && at.column < first.column))) first = at;
    }
    for (const f of node.fields ?? []) visit(node[f]);
    visit(node.children);
  };
  walk(parser.parse(source, extensionsList, opts));
  return first;
}

/**
 * The arguments of a call to a macro that reads `kwargs` or `varargs`: the keyword arguments it
 * does not name moved into its `kwargs` argument (a mapping, empty when there are none), the
 * positional arguments past its named ones into `varargs` (a list), as Jinja does.
 */
function withCatchAll(args: readonly unknown[], def: MacroDef): unknown[] {
  const named = def.arguments;
  const { args: positional, kwargs } = splitArgs(args);
  const rest: Record<string, unknown> = {};
  const own: Record<string, unknown> = { __keywords: true };
  for (const [k, v] of Object.entries(kwargs)) {
    if (named.includes(k) || k === 'caller' || !def.catchAllKwargs) own[k] = v;
    else rest[k] = v;
  }
  if (def.catchAllKwargs) own.kwargs = rest;
  if (!def.catchAllVarargs) return [...positional, own];
  own.varargs = positional.slice(named.length);
  return [...positional.slice(0, named.length), own];
}

/** A project's Jinja machinery: environment, macros and the render entry point. */
export class JinjaRenderer {
  /** Every macro by name; project macros override built-ins. */
  readonly macros: ReadonlyMap<string, MacroDef>;
  /** The built-in macros (package `dbt`) by name, overridden or not: what `dbt.<name>` calls. */
  private readonly builtinMacros = new Map<string, MacroDef>();
  /** How many of macroTemplates are built-in files (they come first). */
  private readonly builtinFileCount: number;
  private readonly env = createJinjaEnvironment();
  private readonly macroTemplates: ExportingTemplate[] = [];
  private readonly templateCache = new Map<string, nunjucks.Template>();

  /**
   * Compiles the built-in and project macro files. Throws CompileError at the file and line of a
   * Jinja syntax error, ConfigError when two project files define the same macro.
   */
  constructor(projectFiles: readonly MacroFile[], private readonly dialect: Dialect, private readonly projectName: string) {
    const macros = new Map<string, MacroDef>();
    const owner = new Map<string, string>();
    const builtins = [builtinMacroFile(), crossDbMacroFile()];
    for (const file of builtins) for (const m of file.macros) this.builtinMacros.set(m.name, m);
    this.builtinFileCount = builtins.length;
    for (const file of [...builtins, ...projectFiles]) {
      for (const m of file.macros) {
        const prev = owner.get(m.name);
        if (prev && prev !== '<builtin>') {
          throw new ConfigError(`macro '${m.name}' is defined twice (also in ${prev})`, { file: file.path, line: m.line, key: m.name });
        }
        owner.set(m.name, file.path);
        macros.set(m.name, m);
      }
      this.macroTemplates.push((builtins.includes(file) ? builtinTemplate(file, this.env) : this.compile(file.source, file.path)) as ExportingTemplate);
      // nunjucks looks filters up only when a macro runs, and then blames the template that
      // called it: an unknown one is named here, at the macro's line, as Jinja does when it compiles
      const unknown = builtins.includes(file) ? undefined : unknownFilter(file.source, this.env);
      if (unknown) throw new CompileError(`no filter named '${unknown.name}'`, { file: file.path, line: unknown.line, column: unknown.column });
    }
    this.macros = macros;
  }

  private compile(source: string, file: string): nunjucks.Template {
    const key = `${file}\u0000${source}`;
    const hit = this.templateCache.get(key);
    if (hit) return hit;
    let t: nunjucks.Template;
    try {
      // as Jinja reads a template: line breaks as `\n`, and one at the very end dropped
      // (keep_trailing_newline is off in dbt), so a model's compiled SQL ends where its last line does
      t = new nunjucks.Template(source.replace(/\r\n?/g, '\n').replace(/\n$/, ''), this.env, file, true);
    } catch (e) {
      throw toCompileError(e, file, 'syntax', source);
    }
    this.templateCache.set(key, t);
    return t;
  }

  /**
   * Resolves `adapter.dispatch(name)` as dbt searches: the project's `<dialect>__name`, then its
   * `default__name`, then the built-in ones in that order; undefined when there is none.
   */
  resolveDispatch(name: string): string | undefined {
    const candidates = [`${this.dialect}__${name}`, `default__${name}`];
    return candidates.find((n) => this.macros.has(n) && this.macros.get(n) !== this.builtinMacros.get(n)) ?? candidates.find((n) => this.macros.has(n));
  }

  /**
   * Renders a template once with the given context names. Throws PendingQuery when a query must
   * be answered first (see RenderState), CompileError/StratumError for user errors.
   */
  renderOnce(source: string, file: string, names: Record<string, unknown>, state: RenderState): string {
    state.beginRender();
    const ctx: Record<string, unknown> = { ...names };
    const impls = new Map<string, AnyFn>();
    const builtinImpls = new Map<string, AnyFn>();
    // the built-in files' macros (a hundred or so) are made for this render on the first call of one
    // of them, not for every render: most models call none but a test's
    let builtinsMade = false;
    const builtinImpl = (name: string): AnyFn | undefined => {
      if (!builtinsMade) {
        builtinsMade = true;
        this.macroTemplates.slice(0, this.builtinFileCount).forEach((t) => exportInto(t, builtinImpls));
      }
      return builtinImpls.get(name);
    };
    const wrap = (name: string, builtin = false): AnyFn => (...args: unknown[]) => {
      const impl = builtin ? builtinImpl(name) : (impls.get(name) ?? builtinImpl(name));
      if (!impl) throw new Error(`macro ${name} is not compiled`);
      const def = (builtin ? this.builtinMacros : this.macros).get(name);
      if (state.depth === 0 && def) state.calledMacros.add(def.uniqueId);
      state.depth++;
      try {
        return impl(...(def?.catchAllKwargs || def?.catchAllVarargs ? withCatchAll(args, def) : args));
      } catch (e) {
        if (e instanceof MacroReturn) return e.value;
        throw e;
      } finally {
        state.depth--;
      }
    };
    const namespace: Record<string, AnyFn> = {};
    for (const name of this.macros.keys()) namespace[name] = ctx[name] = wrap(name);
    // `dbt.<name>` is the built-in even where the project defines <name> (a bare call gets the project's)
    const dbtNamespace: Record<string, AnyFn> = { ...namespace };
    for (const [name, def] of this.builtinMacros) if (this.macros.get(name) !== def) dbtNamespace[name] = wrap(name, true);
    const adapter = { ...(ctx.adapter as object | undefined) } as Record<string, unknown>;
    adapter.dispatch = (name: unknown, ns?: unknown) => {
      const n = String(name);
      const found = this.resolveDispatch(n);
      if (!found) {
        const err = new CompileError(`adapter.dispatch('${n}'${ns ? `, '${String(ns)}'` : ''}): no macro named '${this.dialect}__${n}' or 'default__${n}'`, { file });
        state.thrown = err;
        throw err;
      }
      return namespace[found];
    };
    ctx.adapter = adapter;
    ctx.dbt = dbtNamespace;
    if (!(this.projectName in names)) ctx[this.projectName] = namespace;
    function exportInto(t: ExportingTemplate, into: Map<string, AnyFn>): void {
      t.getExported(ctx, null, (err, exported) => {
        if (err) throw err;
        for (const [k, v] of Object.entries(exported)) if (k.startsWith(RAW_MACRO_PREFIX)) into.set(k.slice(RAW_MACRO_PREFIX.length), v as AnyFn);
      });
    }
    for (const t of this.macroTemplates.slice(this.builtinFileCount)) exportInto(t, impls);
    const tmpl = this.compile(source, file);
    try {
      return tmpl.render(ctx);
    } catch (e) {
      if (state.pendingQuery !== undefined) throw new PendingQuery(state.pendingQuery);
      const thrown = state.thrown;
      if (thrown instanceof CompileError && thrown.location?.line === undefined) {
        // Locate the error at the template line nunjucks was rendering.
        const at = toCompileError(e, file, 'render') as CompileError;
        throw new CompileError(thrown.detail, { ...at.location, file });
      }
      if (thrown !== undefined) throw thrown;
      throw toCompileError(e, file, 'render');
    }
  }
}
