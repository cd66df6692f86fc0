/**
 * `stratum generate`: builds the synthetic company's raw data lake. Progress lines go to stderr;
 * the summary (a table, or JSON with --json) to stdout.
 */
import Table from 'cli-table3';
import { formatDay, parseDay } from '../../generator/dates.js';
import type { GenerateEvent, GenerateSummary } from '../../generator/generate.js';
import { loadRules, unavailableDay, withFormats, type Rules } from '../../generator/rules.js';
import { UsageError } from '../errors.js';
import { boolFlag, cancelOnSignals, intFlag, listFlag, sizeFlag, stringFlag, type Command, type ParsedArgs } from './command.js';
import { twoColumns, widthOf, wrapLine } from './wrap.js';

/** Formats a byte count as `12.3 MB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/**
 * The arrival-day range a command line asks for; the rules' default dataset when none. Throws
 * UsageError naming the flag (`--day`, `--from`, `--to`, `--days`) that is malformed, conflicts
 * with another, or reaches a day before the company was founded or outside the fx seed.
 */
export function resolveRange(args: ParsedArgs, rules: Rules, cmd: string): { from: number; to: number } {
  const day = stringFlag(args, 'day');
  const fromS = stringFlag(args, 'from');
  const toS = stringFlag(args, 'to');
  // the days from the founding to the default end, as --help says
  const days = intFlag(args, cmd, 'days', 1, Math.max(1, rules.dates.default_end - rules.company.founded + 1));
  const given = [day !== undefined, fromS !== undefined || toS !== undefined, days !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError(`stratum ${cmd}: use one of --day, --from/--to, --days`);
  const check = (d: number, what: string) => {
    const why = unavailableDay(rules, d);
    if (why) throw new UsageError(`stratum ${cmd}: ${what}${why}`);
  };
  if (day !== undefined) {
    const d = parseDay(day, `stratum ${cmd}: --day`);
    check(d, `--day ${day} is `);
    return { from: d, to: d };
  }
  if (fromS !== undefined || toS !== undefined) {
    if (fromS === undefined || toS === undefined) throw new UsageError(`stratum ${cmd}: --from and --to go together`);
    const from = parseDay(fromS, `stratum ${cmd}: --from`);
    const to = parseDay(toS, `stratum ${cmd}: --to`);
    if (to < from) throw new UsageError(`stratum ${cmd}: --to ${toS} is before --from ${fromS}`);
    check(from, `--from ${fromS} is `);
    check(to, `--to ${toS} is `);
    return { from, to };
  }
  const end = rules.dates.default_end;
  const n = days ?? rules.dates.default_days;
  const range = { from: end - n + 1, to: end };
  const what = days !== undefined ? `--days ${days}` : `the default range (dates.default_days ${n} days to dates.default_end, in the rules)`;
  check(range.from, `${what} starts on ${formatDay(range.from)}, `);
  check(range.to, `${what} ends on ${formatDay(range.to)}, `);
  return range;
}

/**
 * Renders the summary as a table; on a terminal too narrow for the table, each source as two
 * columns (its format, rows and bytes beside or under its name), which wrap as help does.
 */
export function summaryTable(s: GenerateSummary, width = widthOf(process.stdout, Infinity)): string {
  const t = new Table({ head: ['source', 'format', 'rows', 'bytes'], colAligns: ['left', 'left', 'right', 'right'], style: { head: [], border: [], compact: true } });
  const rows = [...Object.entries(s.bySource).map(([name, v]) => [name, v.format, v.rows, v.bytes] as const), ['total', '', s.rows, s.bytes] as const];
  for (const [name, format, n, bytes] of rows) t.push([name, format, n.toLocaleString('en-US'), formatBytes(bytes)]);
  const table = t.toString();
  // a number and its unit stay on one line (a no-break space while wrapping)
  const narrow = () => twoColumns(rows.map(([name, format, n, bytes]) => [name, [format, `${n.toLocaleString('en-US')}\u00a0rows`, formatBytes(bytes).replace(' ', '\u00a0')].filter((x) => x !== '').join(', ')] as const), width);
  // a kind and its count stay on one line (a no-break space while wrapping)
  const defects = Object.entries(s.defects).filter(([, n]) => n > 0).map(([k, n]) => `${k}\u00a0${n.toLocaleString('en-US')}`).join(', ');
  return [
    ...wrapLine(`Generated ${s.days} day(s), ${s.from} .. ${s.to}: ${s.rows.toLocaleString('en-US')} rows, ${formatBytes(s.bytes)} in ${s.seconds.toFixed(1)}s (${s.rowsPerSecond.toLocaleString('en-US')} rows/s)`, width, 2),
    ...(table.split('\n')[0].length <= width ? [table] : narrow()),
    ...wrapLine(`Defects injected: ${defects || 'none'}`, width, 2),
  ].join('\n').replace(/\u00a0/g, ' ') + '\n';
}

/** The line saying that `days` days a killed generator run had begun to place were placed now. */
export function finishedLine(days: number): string {
  return `Finished placing ${days} day(s) that an earlier, unfinished 'stratum generate' had begun to place.\n`;
}

/** What a generator run prints when Ctrl-C, SIGTERM or SIGHUP cancels it (see cancelOnSignals). */
export const GENERATE_CANCEL_NOTICE = 'Cancelling: finishing no new day, removing the staging folder (Ctrl-C again to stop at once)';

/**
 * A progress printer for generation events: plain lines on stderr, 80 columns wide at the
 * default scale; on a terminal, a longer line wraps at a space, under its third column (or 4
 * columns in, when under the third would leave fewer than 30, as twoColumns does), a number
 * kept with its unit.
 */
export function progressPrinter(quiet: boolean, width = widthOf(process.stderr, Infinity)): (e: GenerateEvent) => void {
  const under = width - 24 >= 30 ? 24 : 4;
  // a no-break space while wrapping, between a number and its unit
  const write = (line: string) => process.stderr.write(wrapLine(line, width, under).join('\n').replace(/\u00a0/g, ' ') + '\n');
  const n = (x: number) => x.toLocaleString('en-US');
  const bytes = (x: number) => formatBytes(x).replace(' ', '\u00a0');
  return (e) => {
    if (quiet) return;
    if (e.type === 'finished') write(finishedLine(e.days).trimEnd());
    if (e.type === 'start') write(`Generating ${e.days} day(s) ${e.from} .. ${e.to} at scale ${e.scale} (${e.sources} sources)`);
    if (e.type === 'world') {
      write(`  ${'company world'.padEnd(21)} ${e.from} .. ${e.to} ${n(e.accounts).padStart(9)}\u00a0accounts [${e.seconds.toFixed(2)}s]`);
      write(`${' '.repeat(under)}${n(e.subscriptionChanges)}\u00a0subscription changes, ${n(e.invoices)}\u00a0invoices`);
    }
    if (e.type === 'source') write(`  ${e.source.padEnd(21)} ${e.from} .. ${e.to} ${n(e.rows).padStart(9)}\u00a0rows ${bytes(e.bytes).padStart(8)} [${e.seconds.toFixed(2)}s]`);
    if (e.type === 'days') write(`  ${e.done} of ${e.total} days done`);
  };
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Generate the synthetic company\'s raw data lake (dirty on purpose, with a ground-truth manifest).',
  flags: [
    { name: 'day', type: 'string', value: 'YYYY-MM-DD', description: 'Generate one arrival day.' },
    { name: 'from', type: 'string', value: 'YYYY-MM-DD', description: 'First arrival day of a range (with --to).' },
    { name: 'to', type: 'string', value: 'YYYY-MM-DD', description: 'Last arrival day of a range (with --from).' },
    { name: 'days', type: 'string', value: 'N', description: 'The N days ending on the default end date (rules dates.default_end), from 1 to the days since the company was founded (91 with the built-in rules).' },
    { name: 'scale', type: 'string', value: 'N', description: 'Multiply customers and volumes by N, an integer from 1 to 100 (default 1). Memory grows with it: about 1 GB at 1, 2.2 GB at 10, 7 GB for a single day at 100 (see --memory-limit).' },
    { name: 'seed', type: 'string', value: 'N', description: 'Random seed, an integer from 0 to 2147483647 (default: the rules\' seed, 42).' },
    { name: 'out', type: 'string', value: 'DIR', description: 'The lake\'s folder (default raw/): new, empty, or a lake of the same seed, scale, rules and formats (unless the run replaces all its days).' },
    { name: 'rules', type: 'string', value: 'FILE', description: 'Rules file laid over the built-in generator/rules.yaml.' },
    { name: 'formats', type: 'string', value: 'SPEC', multiple: true, description: 'Write sources in other formats: <source>=<csv|parquet|jsonl> pairs, comma-separated, e.g. shop/orders=csv.' },
    { name: 'memory-limit', type: 'string', value: 'SIZE', description: 'Cap DuckDB\'s memory at SIZE, e.g. 2GB or 512MiB (default: DuckDB\'s, 80% of the machine\'s memory). Past it, sorts and tables spill to disk inside the lake\'s folder: slower, the same bytes. The rest of the process (the company\'s accounts, in Node, and the WebAssembly writers\' lines of a day) is not capped: some 6.5 GB on the hot day at scale 100.' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'Print no progress and no summary, only errors (and the JSON with --json).' },
    { name: 'json', type: 'boolean', description: 'Print the summary as JSON on stdout (with seed, scale and the lake\'s folder); progress still goes to stderr unless --quiet.' },
  ],
  details: `With no date flags it generates the default dataset (91 days ending 2024-03-31).
Raw files land in <out>/<system>/<table>/dt=YYYY-MM-DD/part-NNNNN.<csv|parquet|jsonl>, partitioned by
arrival day, with the ground truth in <out>/_truth/dt=YYYY-MM-DD/truth.json.

Examples:
  stratum generate --day 2024-03-15
  stratum generate --from 2024-01-01 --to 2024-01-31 --scale 10
  stratum generate --days 30 --formats shop/orders=csv --json

Exit codes: 0 generated, 1 the run failed (out of memory, a full disk, a file larger than the system allows; the days placed stay), 2 bad usage, rules or output folder, 130 cancelled (the days placed stay).`,
  async run(args) {
    let rules = loadRules(stringFlag(args, 'rules'));
    const seed = intFlag(args, 'generate', 'seed', 0, 2 ** 31 - 1);
    if (seed !== undefined) rules = { ...rules, seed };
    const formats = listFlag(args, 'formats');
    if (formats.length > 0) rules = withFormats(rules, formats.join(','), 'stratum generate: --formats');
    const scale = intFlag(args, 'generate', 'scale', 1, 100) ?? 1;
    const memoryLimit = sizeFlag(args, 'generate', 'memory-limit');
    const { from, to } = resolveRange(args, rules, 'generate');
    const json = boolFlag(args, 'json');
    const quiet = boolFlag(args, 'quiet');
    // the generator (and DuckDB in it) is loaded when a run needs it, not for every command's help
    const { generate } = await import('../../generator/generate.js');
    const cancel = cancelOnSignals(GENERATE_CANCEL_NOTICE);
    let summary;
    try {
      summary = await generate({ rules, from, to, scale, outDir: stringFlag(args, 'out') ?? 'raw', memoryLimit, onEvent: progressPrinter(quiet), signal: cancel.signal });
    } finally {
      cancel.dispose();
    }
    if (json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else if (!quiet) process.stdout.write(summaryTable(summary));
    return 0;
  },
};
