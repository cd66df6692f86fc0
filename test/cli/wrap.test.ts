/**
 * Fitting the CLI's text to the terminal (src/cli/wrap.ts): help at any width, progress lines and
 * the summary wrapped at spaces on a terminal, never inside a word or a number.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { formatHelp } from '../../src/cli/command.js';
import { commands } from '../../src/cli/commands.js';
import { progressPrinter, summaryTable } from '../../src/cli/generate.js';
import { twoColumns, widthOf, wrapLine, wrapText } from '../../src/cli/wrap.js';
import type { GenerateEvent, GenerateSummary } from '../../generator/generate.js';

/** The words of some lines, in order, whatever the breaks. */
const words = (lines: readonly string[]) => lines.join(' ').split(/\s+/).filter((w) => w !== '');

describe('wrapLine', () => {
  it('breaks at spaces within the width, indents what follows, and keeps every word whole and in order', () => {
    const line = 'Defects injected: late_arrival 77,817, null_required 2,175, mixed_timestamp 102,330, duplicate 20,361';
    const out = wrapLine(line, 40, 2);
    expect(out.length).toBeGreaterThan(2);
    expect(out.filter((l) => l.length > 40)).toEqual([]);
    expect(out.slice(1).every((l) => l.startsWith('  ') && !l.startsWith('   '))).toBe(true);
    expect(words(out)).toEqual(words([line]));
  });

  it('leaves a line that fits, the spaces of a padded column, and a word wider than the width', () => {
    expect(wrapLine('  crm/customers       8,658 rows', 80)).toEqual(['  crm/customers       8,658 rows']);
    expect(wrapLine('  --out DIR   The folder of the lake', 20, 14)).toEqual(['  --out DIR   The', '              folder', '              of the', '              lake']);
    expect(wrapLine('a generator/sources/orderUniverse.ts b', 10)).toEqual(['a', 'generator/sources/orderUniverse.ts', 'b']);
  });
});

describe('wrapText', () => {
  it('reflows a paragraph, keeps indented lines (examples) and blank lines', () => {
    const text = 'Raw files land in <out>/<system>/<table>/dt=YYYY-MM-DD/part-NNNNN.<csv|parquet|jsonl>, partitioned by\narrival day.\n\nExamples:\n  stratum generate --day 2024-03-15';
    expect(wrapText(text, 60).split('\n')).toEqual([
      'Raw files land in',
      '<out>/<system>/<table>/dt=YYYY-MM-DD/part-NNNNN.<csv|parquet|jsonl>,',
      'partitioned by arrival day.',
      '',
      'Examples:',
      '  stratum generate --day 2024-03-15',
    ]);
  });
});

describe('twoColumns', () => {
  it('wraps the right column beside the left, or under it when it would be narrower than 30', () => {
    const rows = [['--day YYYY-MM-DD', 'Generate one arrival day, the whole of it, in every source.'], ['-q', 'Quiet.']] as const;
    expect(twoColumns(rows, 50)).toEqual(['  --day YYYY-MM-DD  Generate one arrival day, the', '                    whole of it, in every source.', '  -q                Quiet.']);
    expect(twoColumns(rows, 40)).toEqual(['  --day YYYY-MM-DD', '      Generate one arrival day, the', '      whole of it, in every source.', '  -q', '      Quiet.']);
    // a left cell padded to line up with others keeps its right cell under its text, not level with it
    expect(twoColumns([['-q, --quiet', 'Quiet.'], ['    --day YYYY-MM-DD', 'One day.']], 40)).toEqual(['  -q, --quiet', '      Quiet.', '      --day YYYY-MM-DD', '          One day.']);
  });
});

describe('the widths', () => {
  it('fit help to a terminal\'s columns, else 80; output lines to a terminal\'s columns, else not at all', () => {
    expect(widthOf({ isTTY: true, columns: 132 })).toBe(132);
    expect(widthOf({ isTTY: false, columns: 132 })).toBe(80);
    expect(widthOf({})).toBe(80);
    expect(widthOf({ isTTY: true, columns: 100 }, Infinity)).toBe(100);
    expect(widthOf({}, Infinity)).toBe(Infinity);
  });

  it('take a positive integer COLUMNS over the detected width, on a terminal or not, and ignore any other', () => {
    expect(widthOf({ isTTY: true, columns: 132 }, 80, { COLUMNS: '100' })).toBe(100);
    expect(widthOf({}, 80, { COLUMNS: '120' })).toBe(120);
    expect(widthOf({}, Infinity, { COLUMNS: ' 60 ' })).toBe(60);
    for (const bad of ['', '0', '-5', 'abc', '80x', '1.5', '1e3', '99999999999999999999']) {
      expect(widthOf({ isTTY: true, columns: 132 }, 80, { COLUMNS: bad }), bad).toBe(132);
      expect(widthOf({}, 80, { COLUMNS: bad }), bad).toBe(80);
    }
  });

  it('fit `stratum --help` and a command\'s help to COLUMNS', () => {
    const help = (columns: string | undefined, ...argv: string[]) => {
      const env = { ...process.env };
      delete env.COLUMNS;
      if (columns !== undefined) env.COLUMNS = columns;
      const r = spawnSync(process.execPath, ['bin/stratum.js', ...argv, '--help'], { encoding: 'utf8', env });
      expect(r.status).toBe(0);
      return r.stdout.split('\n');
    };
    for (const argv of [[], ['generate']]) {
      const piped = help(undefined, ...argv);
      // piped, help is fitted to 80 columns; COLUMNS=50 narrows it, COLUMNS=200 widens it
      expect(piped.filter((l) => l.length > 80 && l.trim().includes(' '))).toEqual([]);
      const narrow = help('50', ...argv);
      expect(narrow.filter((l) => l.length > 50 && l.trim().includes(' '))).toEqual([]);
      expect(narrow.length).toBeGreaterThan(piped.length);
      const wide = help('200', ...argv);
      expect(Math.max(...wide.map((l) => l.length))).toBeGreaterThan(80);
      expect(words(narrow)).toEqual(words(piped));
      expect(help('abc', ...argv)).toEqual(piped);
    }
  });
});

describe('help', () => {
  it('of every command fits 80 and 60 columns, with every word of its flags and details', () => {
    for (const cmd of commands) {
      for (const width of [80, 60]) {
        const text = formatHelp(cmd, width).split('\n');
        // a word wider than the line (a long example command's argument) is left whole
        const over = text.filter((l) => l.length > width && l.trim().includes(' '));
        expect(over, `${cmd.name} at ${width}`).toEqual([]);
      }
      expect(words(formatHelp(cmd, 60).split('\n'))).toEqual(words(formatHelp(cmd, 1000).split('\n')));
    }
  });
});

describe('the generation summary', () => {
  it('wraps its first line and the defects between items on a terminal, and keeps them whole in a pipe', () => {
    const s: GenerateSummary = { from: '2024-01-01', to: '2024-03-31', seed: 42, scale: 1, out: '/x', days: 91, rows: 2_036_573, bytes: 325_871_571, seconds: 2.9,
      rowsPerSecond: 702_266, bySource: { 'crm/customers': { format: 'csv', rows: 8_658, bytes: 1_800_000 } },
      defects: { late_arrival: 77_817, null_required: 2_175, mixed_timestamp: 102_330, duplicate: 20_361, malformed: 729, orphan_fk: 8_625, pii_in_json: 24_633 } };
    const narrow = summaryTable(s, 80).split('\n');
    expect(narrow.filter((l) => l.length > 80)).toEqual([]);
    const defects = narrow.slice(narrow.findIndex((l) => l.startsWith('Defects injected:')), -1);
    expect(defects.length).toBeGreaterThan(1);
    // each continuation starts with a kind, never inside a number
    for (const l of defects.slice(1)) expect(l).toMatch(/^ {2}[a-z_]+ [\d,]+,?( |$)/);
    const piped = summaryTable(s, Infinity).split('\n');
    expect(piped[0]).toBe('Generated 91 day(s), 2024-01-01 .. 2024-03-31: 2,036,573 rows, 325.9 MB in 2.9s (702,266 rows/s)');
    expect(piped.filter((l) => l.startsWith('Defects injected:'))).toHaveLength(1);
    expect(words(narrow)).toEqual(words(piped));
  });

  it('gives each source its figures under its name on a terminal too narrow for the table', () => {
    const s: GenerateSummary = { from: '2024-03-29', to: '2024-03-31', seed: 42, scale: 1, out: '/x', days: 3, rows: 58_123, bytes: 9_125_743, seconds: 1.5,
      rowsPerSecond: 38_749, bySource: { 'crm/customers': { format: 'csv', rows: 273, bytes: 56_357 }, 'billing/subscriptions': { format: 'csv', rows: 201, bytes: 32_421 }, 'shop/orders': { format: 'parquet', rows: 5_007, bytes: 152_790 } },
      defects: { late_arrival: 2_488 } };
    // the table is 55 columns wide
    expect(summaryTable(s, 55).split('\n')).toContain('│ billing/subscriptions │ csv     │    201 │  32.4 KB │');
    expect(summaryTable(s, 54).split('\n')).toContain('      csv, 201 rows, 32.4 KB');
    const narrow = summaryTable(s, 40).split('\n');
    expect(narrow.filter((l) => l.length > 40)).toEqual([]);
    expect(narrow.slice(narrow.indexOf('  crm/customers'), -2)).toEqual(['  crm/customers', '      csv, 273 rows, 56.4 KB', '  billing/subscriptions', '      csv, 201 rows, 32.4 KB', '  shop/orders', '      parquet, 5,007 rows, 152.8 KB', '  total', '      58,123 rows, 9.1 MB']);
  });
});

describe('progress lines', () => {
  /** The lines progressPrinter writes on stderr for `events` at `width`. */
  const printed = (width: number, events: readonly GenerateEvent[]) => {
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t: string | Uint8Array) => ((err += String(t)), true));
    try {
      const print = progressPrinter(false, width);
      for (const e of events) print(e);
    } finally {
      spy.mockRestore();
    }
    return err.split('\n').slice(0, -1);
  };
  const events: GenerateEvent[] = [
    { type: 'world', from: '2024-01-01', to: '2024-04-30', accounts: 6_397, subscriptionChanges: 9_778, invoices: 5_896, seconds: 0.2 },
    { type: 'source', source: 'crm/customers', from: '2024-03-29', to: '2024-03-31', rows: 273, bytes: 56_357, seconds: 0.12 },
  ];

  it('stay whole in a pipe, and wrap under the third column on a terminal, or 4 columns in on a narrow one, a number kept with its unit', () => {
    expect(printed(Infinity, events)).toEqual([
      '  company world         2024-01-01 .. 2024-04-30     6,397 accounts [0.20s]',
      '                        9,778 subscription changes, 5,896 invoices',
      '  crm/customers         2024-03-29 .. 2024-03-31       273 rows  56.4 KB [0.12s]',
    ]);
    expect(printed(60, events)).toEqual([
      '  company world         2024-01-01 .. 2024-04-30',
      '                        6,397 accounts [0.20s]',
      '                        9,778 subscription changes,',
      '                        5,896 invoices',
      '  crm/customers         2024-03-29 .. 2024-03-31',
      '                        273 rows  56.4 KB [0.12s]',
    ]);
    const narrow = printed(40, events);
    expect(narrow.filter((l) => l.length > 40)).toEqual([]);
    expect(narrow).toEqual([
      '  company world         2024-01-01 ..',
      '    2024-04-30     6,397 accounts',
      '    [0.20s]',
      '    9,778 subscription changes,',
      '    5,896 invoices',
      '  crm/customers         2024-03-29 ..',
      '    2024-03-31       273 rows  56.4 KB',
      '    [0.12s]',
    ]);
  });
});
