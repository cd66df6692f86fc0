/**
 * The shape of a CLI command and the one argument parser every command uses. Each command
 * declares its flags once; the same declaration drives parsing, validation and `--help`.
 */
import { parseArgs } from 'node:util';
import { didYouMean } from '../didYouMean.js';
import { CancelledError, UsageError } from '../errors.js';
import { twoColumns, widthOf, wrapText } from './wrap.js';

/** One flag of a command. `string` flags take a value; `boolean` flags do not. */
export interface FlagSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown in help, e.g. `YYYY-MM-DD`. */
  readonly value?: string;
  readonly description: string;
  /** May be given more than once; the values are collected in order. */
  readonly multiple?: boolean;
  /**
   * Takes every argument after it up to the next flag, as dbt's `--select a b` does (a multiple
   * flag only; its command takes no positionals).
   */
  readonly greedy?: boolean;
}

/** Parsed command line: flag values by name, and the positional arguments. */
export interface ParsedArgs {
  readonly flags: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** A subcommand of `stratum`. `run` returns the process exit code. */
export interface Command {
  /** The words that select it, e.g. `generate` or `source freshness`. */
  readonly name: string;
  readonly summary: string;
  /** Extra help text printed under the flags (examples, notes). */
  readonly details?: string;
  readonly flags: readonly FlagSpec[];
  /** Positional arguments accepted, shown in usage; none accepted when absent. */
  readonly positionals?: string;
  /**
   * Flags of the tool it stands in for (dbt) that it does not take, each with what to use instead
   * (or ''): named as such, not as an unknown flag.
   */
  readonly unsupportedFlags?: Readonly<Record<string, string>>;
  /**
   * Runs the command. `signal` aborts when Ctrl-C, SIGTERM or SIGHUP asks it to stop (main's
   * cancelOnSignals): a command interrupts its queries with it and closes what it opened; main
   * then exits 130. A command with a notice of its own opens its own cancelOnSignals inside.
   */
  run(args: ParsedArgs, signal: AbortSignal): Promise<number>;
}

const helpFlag: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'Show this help and exit.' };

/**
 * Parses `argv` against the command's flags. Returns null when `--help` was asked for (after
 * printing help). Throws UsageError naming the offending flag for unknown flags, missing or empty
 * values, or unexpected positionals.
 */
export function parseCommandArgs(cmd: Command, argv: readonly string[]): ParsedArgs | null {
  const specs = [...cmd.flags, helpFlag];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of specs) {
    options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  // `-q=1`: node would read it as the letters q, =, 1 and name '-=' an unknown flag
  const end = argv.indexOf('--');
  for (const arg of end < 0 ? argv : argv.slice(0, end)) {
    const short = /^-([A-Za-z])=/.exec(arg);
    const f = short && specs.find((x) => x.short === short[1]);
    if (f) {
      const fix = f.type === 'boolean' ? `'-${f.short}' (or '--${f.name}'), which takes no value` : `'-${f.short} ${f.value ?? 'VALUE'}' or '--${f.name}=${f.value ?? 'VALUE'}'`;
      throw new UsageError(`stratum ${cmd.name}: '${arg}' is not a flag: write ${fix} (see stratum ${cmd.name} --help)`);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args: spreadGreedy(joinNegativeValues(argv, specs), specs), options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    const msg = (e as Error).message;
    // `--dya` → `--day`: the flag closest to an unknown one (`--dya=x` is named without its value)
    const unknown = /^Unknown option '(-[^'=]+)/.exec(msg);
    const instead = unknown ? cmd.unsupportedFlags?.[unknown[1]] : undefined;
    if (unknown && instead !== undefined) throw new UsageError(`stratum ${cmd.name}: dbt's ${unknown[1]} is not supported by Stratum${instead ? `; ${instead}` : ''} (see stratum ${cmd.name} --help)`);
    const long = unknown?.[1].startsWith('--') ? unknown[1].slice(2) : undefined;
    const hint = long ? didYouMean(long, specs.map((f) => f.name), (n) => `'--${n}'`) : '';
    throw new UsageError(`stratum ${cmd.name}: ${cleanParseError(msg)}${hint} (see stratum ${cmd.name} --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(formatHelp(cmd));
    return null;
  }
  // an empty value (`--out ""`) is a slip, never a choice: it would quietly mean "the default"
  const empty = parsed.tokens.find((t) => t.kind === 'option' && t.value === '');
  if (empty?.kind === 'option') throw new UsageError(`stratum ${cmd.name}: --${empty.name} must not be empty (see stratum ${cmd.name} --help)`);
  // `--day A --day B`: node keeps the last; a flag that takes one value is given once
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (seen.has(t.name) && !specs.find((f) => f.name === t.name)?.multiple) {
      throw new UsageError(`stratum ${cmd.name}: --${t.name} is given twice; give it once (see stratum ${cmd.name} --help)`);
    }
    seen.add(t.name);
  }
  if (!cmd.positionals && parsed.positionals.length > 0) {
    throw new UsageError(`stratum ${cmd.name}: unexpected argument '${parsed.positionals[0]}' (see stratum ${cmd.name} --help)`);
  }
  return { flags: parsed.values as ParsedArgs['flags'], positionals: parsed.positionals };
}

/** `argv` with a negative number after a flag that takes a value joined to it (`--limit -1` is `--limit=-1`, as dbt reads it). */
function joinNegativeValues(argv: readonly string[], specs: readonly FlagSpec[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i)];
    const f = specs.find((x) => x.type === 'string' && (a === `--${x.name}` || (x.short !== undefined && a === `-${x.short}`)));
    if (f && /^-\d+(\.\d+)?$/.test(argv[i + 1] ?? '')) out.push(`--${f.name}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

/**
 * `argv` with the arguments that follow a greedy flag's value, up to the next flag, each given
 * that flag again: `-s a b --x` becomes `-s a --select b --x`.
 */
function spreadGreedy(argv: readonly string[], specs: readonly FlagSpec[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i)];
    out.push(a);
    const name = /^--([^=]+)/.exec(a)?.[1];
    const f = specs.find((x) => x.greedy && (x.name === name || (x.short !== undefined && a === `-${x.short}`)));
    if (!f) continue;
    if (!a.includes('=') && i + 1 < argv.length) out.push(argv[++i]);
    while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) out.push(`--${f.name}`, argv[++i]);
  }
  return out;
}

/** node's parseArgs error message as one short line naming the flag (`flag '--x' needs a value`). */
export function cleanParseError(msg: string): string {
  // node's messages are long ("Unknown option '--x'. To specify a positional argument starting
  // with a '-', place it at the end of the command after '--', as in '-- \"--x\"")
  const ambiguous = /^Option '(-[\w-]+)' argument is ambiguous/.exec(msg);
  // "Option '--seed' argument is ambiguous.\nDid you forget ...": a value starting with a dash
  if (ambiguous) return `flag '${ambiguous[1]}' needs a value (one starting with a dash is written ${ambiguous[1]}=-VALUE)`;
  // "Option '-q, --day <value>' argument missing": the flag given last, with nothing after it
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
  if (missing) return `flag '${missing[1]}' needs a value`;
  const first = msg.split(/\.\s/)[0] ?? msg;
  return first.replace(/^Unknown option/, 'unknown flag').replace(/^Option/, 'flag');
}

/** Renders the `--help` text of a command from its declaration, fitted to `width` columns. */
export function formatHelp(cmd: Command, width = widthOf(process.stdout)): string {
  const lines = [`Usage: stratum ${cmd.name} [flags]${cmd.positionals ? ` ${cmd.positionals}` : ''}`, '', wrapText(cmd.summary, width), '', 'Flags:'];
  const rows = [...cmd.flags, helpFlag].map((f) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    return [left, f.description + (f.greedy ? ` (takes several: --${f.name} a b; repeatable)` : f.multiple ? ' (repeatable)' : '')] as const;
  });
  lines.push(...twoColumns(rows, width));
  if (cmd.details) lines.push('', wrapText(cmd.details.trimEnd(), width));
  return lines.join('\n') + '\n';
}

/** Reads a string flag, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag (false when absent). */
export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}

/** Reads a repeatable string flag as a list (empty when absent). */
export function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

/**
 * Reads an integer flag within [min, max]. Throws UsageError naming the flag when the value is
 * not an integer or out of range.
 */
export function intFlag(args: ParsedArgs, cmdName: string, name: string, min: number, max: number): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`stratum ${cmdName}: --${name} must be an integer, got '${raw}'`);
  const n = Number(raw);
  // the value as written: a huge one would print rounded (1e20) as a number
  if (n < min || n > max) throw new UsageError(`stratum ${cmdName}: --${name} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

/** Units of a size flag, as DuckDB reads them: KB..TB by powers of 1000, KiB..TiB by powers of 1024. */
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/**
 * Reads a size flag (`2GB`, `512MiB`, `1.5 GB`; units as DuckDB's `memory_limit` takes them) as
 * whole bytes, or undefined. Throws UsageError naming the flag when the value is not a size or is
 * not positive.
 */
export function sizeFlag(args: ParsedArgs, cmdName: string, name: string): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(raw.trim());
  const unit = m && SIZE_UNITS[m[2].toLowerCase()];
  if (!m || !unit) throw new UsageError(`stratum ${cmdName}: --${name} must be a size such as 2GB or 512MiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), got '${raw}'`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1) throw new UsageError(`stratum ${cmdName}: --${name} must be more than 0 bytes, got '${raw}'`);
  return bytes;
}

/** A cancellation scope of cancelOnSignals: its notice and the controller its signal comes from. */
interface CancelScope {
  readonly notice: string;
  readonly width: number;
  readonly controller: AbortController;
}

/** The signals that cancel: Ctrl-C, a process manager's or `timeout`'s SIGTERM, a closed terminal's SIGHUP. */
const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The scopes open now, outermost first (main's around every command, then a command's own). */
const scopes: CancelScope[] = [];

/** The one handler of CANCEL_SIGNALS while a scope is open: cancels the innermost scope, or stops at once. */
function onCancelSignal(): void {
  if (scopes.some((s) => s.controller.signal.aborted)) {
    // on a line of its own, after the terminal's echo of the key (^C)
    process.stderr.write('\nStopping now.\n');
    process.exit(130);
  }
  const inner = scopes[scopes.length - 1]!;
  process.stderr.write(`\n${wrapText(inner.notice, inner.width)}\n`);
  inner.controller.abort();
}

/**
 * An AbortSignal that Ctrl-C, a SIGTERM (a process manager, `timeout`) or a SIGHUP (the terminal
 * closed, an ssh connection dropped) aborts, after printing `notice` on stderr (wrapped at spaces
 * to `width`: a terminal's columns; piped, one line). Scopes nest: a signal cancels the innermost
 * open one only (a command's own, with its notice, inside main's), and one opened inside a
 * cancelled scope is cancelled from the start. A second signal stops the
 * process at once (exit 130), running its `exit` handlers (the generator's removes its staging
 * folder); `dispose` closes the scope when the work is done. Once cancelled it stays: the process
 * then only winds down and exits 130, and a further signal with no handler left would kill it
 * (no exit handlers, no exit code) in that time.
 */
export function cancelOnSignals(notice: string, width = widthOf(process.stderr, Infinity)): { signal: AbortSignal; dispose: () => void } {
  const scope: CancelScope = { notice, width, controller: new AbortController() };
  // a scope opened once a signal has cancelled one around it (a command's own, opened after Ctrl-C
  // while main's alone was open: loading the project, opening the warehouse) starts cancelled, so
  // that the work it guards stops at once instead of running to its end; the notice was said
  if (scopes.some((s) => s.controller.signal.aborted)) scope.controller.abort();
  if (scopes.length === 0) for (const s of CANCEL_SIGNALS) process.on(s, onCancelSignal);
  scopes.push(scope);
  const dispose = () => {
    const at = scopes.indexOf(scope);
    if (scope.controller.signal.aborted || at < 0) return;
    scopes.splice(at, 1);
    if (scopes.length === 0) for (const s of CANCEL_SIGNALS) process.off(s, onCancelSignal);
  };
  return { signal: scope.controller.signal, dispose };
}

/**
 * Throws CancelledError when `signal` has aborted, after the event loop has looked for signals: one
 * that came during synchronous work (a project's load, which reads and renders every file at once)
 * is only handled then. A command calls it between such work and what it prints or writes, so that
 * Ctrl-C during the work stops it with nothing printed or written.
 */
export async function throwIfCancelled(signal: AbortSignal): Promise<void> {
  // the loop reads the signals that came in its poll phase, which the first setImmediate may
  // follow (the work ran in that phase's callbacks) and the second follows after a poll of its own
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  if (signal.aborted) throw new CancelledError();
}
