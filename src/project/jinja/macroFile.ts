/**
 * Finds the `{% macro %}` and `{% test %}` blocks of a macro file and rewrites its source so
 * Stratum can wrap every macro: `{% macro name(...) %}` becomes `{% macro stratum__macro__name(...) %}`,
 * `{% test name(...) %}` becomes `{% macro stratum__macro__test_name(...) %}` (dbt's `test_<name>` macro),
 * and `{% materialization %}` blocks are blanked (Stratum's runner owns materializations).
 * Line numbers are preserved.
 */
import type { MacroDef } from '../types.js';

/** The prefix of the nunjucks name of a wrapped macro. */
export const RAW_MACRO_PREFIX = 'stratum__macro__';

/** A macro file ready to compile: the rewritten source and the macros it defines. */
export interface MacroFile {
  /** Path relative to the project root (`<builtin>` for Stratum's own). */
  readonly path: string;
  readonly source: string;
  readonly macros: readonly MacroDef[];
}

const START = /\{%(-?)\s*(macro|test)\s+([A-Za-z_]\w*)\s*\(/g;
const END = /\{%-?\s*end(macro|test)\s*-?%\}/g;
const MATERIALIZATION = /\{%-?\s*materialization\b[\s\S]*?\{%-?\s*endmaterialization\s*-?%\}/g;

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Splits a macro signature's argument list at top-level commas and returns the names. */
function argumentNames(sig: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quote = '';
  for (const ch of sig) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((a) => a.split('=')[0]?.trim() ?? '').filter((a) => a !== '');
}

/** Index of the `)` closing the `(` just before `from`, skipping strings and nesting. */
function closingParen(text: string, from: number): number {
  let depth = 1;
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Parses a macro file. `path` is relative to the project root, `packageName` is the project's
 * name (or `dbt` for built-ins). Unterminated blocks are left for nunjucks to report.
 */
export function parseMacroFile(text: string, path: string, packageName: string): MacroFile {
  const blanked = text.replace(MATERIALIZATION, (m) => m.replace(/[^\n]/g, ' '));
  const macros: MacroDef[] = [];
  let out = '';
  let last = 0;
  START.lastIndex = 0;
  for (let m = START.exec(blanked); m; m = START.exec(blanked)) {
    const [whole, dash, kind, name] = m as unknown as [string, string, string, string];
    const close = closingParen(blanked, m.index + whole.length);
    if (close < 0) continue;
    const sig = blanked.slice(m.index + whole.length, close);
    const macroName = kind === 'test' ? `test_${name}` : name;
    END.lastIndex = close;
    const end = END.exec(blanked);
    const endIdx = end ? end.index + end[0].length : blanked.length;
    const args = argumentNames(sig);
    // Jinja's `kwargs`: nunjucks has none, so such a macro gets an argument of that name, which
    // the renderer fills with the keyword arguments the macro does not name
    const catchAll = !args.includes('kwargs') && /\bkwargs\b/.test(blanked.slice(close, endIdx));
    // likewise Jinja's `varargs`, the positional arguments past the named ones
    const catchVarargs = !args.includes('varargs') && /\bvarargs\b/.test(blanked.slice(close, endIdx));
    macros.push({
      uniqueId: `macro.${packageName}.${macroName}`,
      name: macroName,
      packageName,
      originalFilePath: path,
      rawCode: text.slice(m.index, endIdx),
      line: lineAt(text, m.index),
      arguments: args,
      ...(catchAll ? { catchAllKwargs: true } : {}),
      ...(catchVarargs ? { catchAllVarargs: true } : {}),
    });
    const extra = [...(catchAll ? ['kwargs=none'] : []), ...(catchVarargs ? ['varargs=none'] : [])].join(', ');
    out += blanked.slice(last, m.index) + `{%${dash} macro ${RAW_MACRO_PREFIX}${macroName}(` + sig + (extra === '' ? '' : `${sig.trim() === '' ? '' : ', '}${extra}`);
    last = close;
    START.lastIndex = close;
  }
  out += blanked.slice(last);
  return { path, source: out.replace(/\{%(-?)\s*endtest\s*(-?)%\}/g, '{%$1 endmacro $2%}'), macros };
}
