/**
 * What a generation run tells its caller: progress events (the notebook renders them), the CLI's
 * progress lines and summary (a table, or JSON), and `stratum start` (what `npm start` runs).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tryParseDay } from '../../generator/dates.js';
import { generate, WINDOW, type GenerateEvent, type GenerateSummary } from '../../generator/generate.js';
import { loadRules, SOURCE_NAMES } from '../../generator/rules.js';
import { buildWorld, signupsOn } from '../../generator/world.js';
import { lakeContents, lakeDays, readManifest, type TruthManifest } from '../../generator/lakeManifest.js';
import { CancelledError } from '../../src/errors.js';
import { summaryTable } from '../../src/cli/generate.js';
import { lakeReport } from '../../src/cli/start.js';
import { cli } from '../cli.js';
import { tempDir } from '../tempDir.js';
import { digest } from './fixture.js';

const dir = tempDir('stratum-progress-');

/** Day 2024-01-05 generated into a fresh lake `name` under dir, and what `stratum start` says of it, which checks clean. */
async function oneDayLake(name: string): Promise<{ out: string; clean: Awaited<ReturnType<typeof cli>> }> {
  const out = join(dir, name);
  expect((await cli('generate', '--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
  const clean = await cli('start', '--out', out);
  expect(clean.code).toBe(0);
  return { out, clean };
}

/** The advice `stratum start` gives for a day of oneDayLake's lake `out` that it refuses. */
function generateDayAgain(out: string): string {
  return `generate that day again, with the seed, scale and rules the lake was made with (stratum generate --day 2024-01-05 --out ${out})`;
}

/** Done as the advice says, the lake `out` checks as clean as it did when made. */
async function expectMended(out: string, clean: Awaited<ReturnType<typeof cli>>): Promise<void> {
  expect((await cli('generate', '--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
  expect(await cli('start', '--out', out)).toEqual(clean);
}

describe('progress events', () => {
  it('report the start, each source of each batch, the days done and the summary, adding up to it', async () => {
    const events: GenerateEvent[] = [];
    const started = performance.now();
    const summary = await generate({ rules: loadRules(), from: tryParseDay('2024-02-01')!, to: tryParseDay('2024-02-03')!, scale: 1, outDir: join(dir, 'events'), batchDays: 2, onEvent: (e) => events.push(e) });
    expect(events[0]).toEqual({ type: 'start', from: '2024-02-01', to: '2024-02-03', days: 3, sources: SOURCE_NAMES.length, scale: 1 });
    expect(events.at(-1)).toEqual({ type: 'done', summary });
    // then the world, every account that signs up from the founding day to 30 days past the range
    const rules = loadRules();
    let accounts = 0;
    for (let d = rules.company.founded; d <= tryParseDay('2024-03-04')!; d++) accounts += signupsOn(rules, 1, d);
    expect(events[1]).toMatchObject({ type: 'world', from: '2024-01-01', to: '2024-03-04', accounts });
    // two batches: [02-01, 02-02] and [02-03], each source once per batch, days done after each
    expect(events.filter((e) => e.type === 'days')).toEqual([{ type: 'days', done: 2, total: 3 }, { type: 'days', done: 3, total: 3 }]);
    const sources = events.filter((e) => e.type === 'source');
    expect(sources.length).toBe(2 * SOURCE_NAMES.length);
    expect(new Set(sources.map((e) => `${e.source} ${e.from}`)).size).toBe(sources.length);
    for (const name of SOURCE_NAMES) {
      const mine = sources.filter((e) => e.source === name);
      expect(mine.reduce((n, e) => n + e.rows, 0), name).toBe(summary.bySource[name].rows);
      expect(mine.reduce((n, e) => n + e.bytes, 0), name).toBe(summary.bySource[name].bytes);
    }
    expect(summary.rows).toBe(Object.values(summary.bySource).reduce((n, s) => n + s.rows, 0));
    expect(summary.rowsPerSecond).toBe(Math.round(summary.rows / summary.seconds));
    expect(summary.bytes).toBe(Object.values(summary.bySource).reduce((n, s) => n + s.bytes, 0));
    // the defects are the manifests' counts, every kind
    const defects: Record<string, number> = {};
    for (const day of ['2024-02-01', '2024-02-02', '2024-02-03']) {
      for (const t of Object.values(readManifest(join(dir, 'events', '_truth', `dt=${day}`, 'truth.json')).sources)) {
        for (const [k, v] of Object.entries(t.defects)) defects[k] = (defects[k] ?? 0) + (v?.count ?? 0);
      }
    }
    expect(summary.defects).toEqual(defects);
    expect(Object.keys(defects).length).toBe(14);
    const world = buildWorld(rules, 1, tryParseDay('2024-03-04')!);
    expect(events[1]).toMatchObject({ subscriptionChanges: world.subscriptionChanges.length, invoices: world.invoices.length });
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.seconds).toBeLessThan((performance.now() - started) / 1000);
  });
});

describe('batches in flight', () => {
  it('are at most two: a batch is placed after its sources, and its sources end after the batch two before it is placed', async () => {
    // five batches of one day: the lanes do not wait for each other at a batch's end, but the
    // third batch waits until the first is placed
    const events: GenerateEvent[] = [];
    const first = tryParseDay('2024-02-01')!;
    await generate({ rules: loadRules(), from: first, to: first + 4, scale: 1, outDir: join(dir, 'window'), batchDays: 1, onEvent: (e) => events.push(e) });
    expect(WINDOW).toBe(2);
    let placed = 0;
    const seen = [0, 0, 0, 0, 0];
    for (const e of events) {
      if (e.type === 'days') {
        expect(seen[placed], `batch ${placed}`).toBe(SOURCE_NAMES.length);
        placed = e.done;
      }
      if (e.type !== 'source') continue;
      const b = tryParseDay(e.from)! - first;
      expect(placed, `${e.source} of batch ${b}`).toBeGreaterThanOrEqual(Math.max(0, b - WINDOW + 1));
      expect(placed, `${e.source} of batch ${b}`).toBeLessThanOrEqual(b);
      seen[b]++;
    }
    expect(placed).toBe(5);
  });
});

describe('the summary table', () => {
  it('shows each source, the total, the defects drawn and the rate, in decimal units', () => {
    const s: GenerateSummary = { from: '2024-01-01', to: '2024-01-02', seed: 42, scale: 1, out: '/x', days: 2, rows: 1_234_567, bytes: 1_048_576 + 1000 + 999,
      seconds: 2.04, rowsPerSecond: 605_180, defects: { late_arrival: 12_345, duplicate: 0, malformed: 3 },
      bySource: { 'crm/customers': { format: 'csv', rows: 1_234_000, bytes: 1_048_576 }, 'shop/orders': { format: 'parquet', rows: 560, bytes: 1000 }, 'marketing/ad_spend': { format: 'csv', rows: 7, bytes: 999 } } };
    const text = summaryTable(s).split('\n');
    expect(text[0]).toBe('Generated 2 day(s), 2024-01-01 .. 2024-01-02: 1,234,567 rows, 1.1 MB in 2.0s (605,180 rows/s)');
    // the table's cells, without its box-drawing borders
    const cells = text.map((l) => l.split('\u2502').map((c) => c.trim()).filter((c) => c !== '')).filter((c) => c.length > 1);
    expect(cells).toEqual([['source', 'format', 'rows', 'bytes'], ['crm/customers', 'csv', '1,234,000', '1.0 MB'], ['shop/orders', 'parquet', '560', '1.0 KB'],
      ['marketing/ad_spend', 'csv', '7', '999 B'], ['total', '1,234,567', '1.1 MB']]);
    // a kind drawn no time is left out, and none at all says so
    expect(text.at(-2)).toBe('Defects injected: late_arrival 12,345, malformed 3');
    expect(summaryTable({ ...s, defects: { late_arrival: 0 } }).split('\n').at(-2)).toBe('Defects injected: none');
  });
});

describe('a cancelled run', () => {
  it('says how many days it placed, and those are complete', async () => {
    const out = join(dir, 'cancelled');
    const abort = new AbortController();
    const run = generate({ rules: loadRules(), from: tryParseDay('2024-02-01')!, to: tryParseDay('2024-02-03')!, scale: 1, outDir: out, batchDays: 2,
      onEvent: (e) => { if (e.type === 'days') abort.abort(); }, signal: abort.signal });
    await expect(run).rejects.toThrow(new CancelledError('generation cancelled after placing 2 of 3 days (2024-02-01 .. 2024-02-02), each complete; the others are as they were'));
    expect(readdirSync(join(out, '_truth'))).toEqual(['dt=2024-02-01', 'dt=2024-02-02']);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('a run that replaces a lake of another company', () => {
  it('places every day at once after its last batch, so that cancelled it leaves the old lake whole', async () => {
    const out = join(dir, 'replaced');
    const range = { from: tryParseDay('2024-02-01')!, to: tryParseDay('2024-02-03')!, scale: 1, outDir: out, batchDays: 1 };
    await generate({ rules: loadRules(), ...range });
    const old = digest(out);
    const seeds = () => ['01', '02', '03'].map((d) => readManifest(join(out, '_truth', `dt=2024-02-${d}`, 'truth.json')).seed);
    // cancelled once its first batch is staged: nothing of the other company is placed
    const abort = new AbortController();
    const cancelled = generate({ rules: { ...loadRules(), seed: 7 }, ...range, onEvent: (e) => { if (e.type === 'days') abort.abort(); }, signal: abort.signal });
    await expect(cancelled).rejects.toThrow(new CancelledError('generation cancelled before it placed any day (it replaces a lake of another seed, scale, rules or formats: every day is placed at the end); the lake is as it was'));
    expect(digest(out)).toEqual(old);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    // run to its end, it reports each batch staged, and the old days stay until the last is
    const staged: number[] = [];
    await generate({ rules: { ...loadRules(), seed: 7 }, ...range, onEvent: (e) => {
      if (e.type !== 'days') return;
      staged.push(e.done);
      if (e.done < 3) expect(seeds()).toEqual([42, 42, 42]);
    } });
    expect(staged).toEqual([1, 2, 3]);
    expect(seeds()).toEqual([7, 7, 7]);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    // the same company again places batch by batch
    const again = new AbortController();
    const replaced = digest(out);
    const same = generate({ rules: { ...loadRules(), seed: 7 }, ...range, onEvent: (e) => { if (e.type === 'days') again.abort(); }, signal: again.signal });
    await expect(same).rejects.toThrow(new CancelledError('generation cancelled after placing 1 of 3 days (2024-02-01 .. 2024-02-01), each complete; the others are as they were'));
    expect(digest(out)).toEqual(replaced);
  });
});

describe('stratum generate output', () => {
  it('prints progress on stderr and a summary table on stdout; --quiet nothing; --json the summary as JSON', async () => {
    const out = join(dir, 'cli');
    const plain = await cli('generate', '--day', '2024-02-05', '--out', out);
    expect(plain.code).toBe(0);
    expect(plain.err).toMatch(/^Generating 1 day\(s\) 2024-02-05 \.\. 2024-02-05 at scale 1 \(9 sources\)\n  company world +2024-01-01 \.\. 2024-03-06 +[\d,]+ accounts \[\d+\.\d\ds\]\n {24}[\d,]+ subscription changes, [\d,]+ invoices\n/);
    // at the default scale every progress line fits 80 columns
    expect(plain.err.split('\n').filter((l) => l.length > 80)).toEqual([]);
    for (const name of SOURCE_NAMES) expect(plain.err).toContain(`  ${name.padEnd(21)} 2024-02-05 .. 2024-02-05`);
    expect(plain.err).toContain('1 of 1 days done');
    for (const name of SOURCE_NAMES) expect(plain.out).toContain(name);

    const quiet = await cli('generate', '--day', '2024-02-05', '--out', out, '--quiet');
    expect(quiet.err).toBe('');
    expect(quiet.out).toBe('');

    const json = await cli('generate', '--day', '2024-02-05', '--out', out, '--json');
    // progress stays on stderr, so stdout is only the JSON
    // the same lines; the lanes finish their sources in any order
    const untimed = (text: string) => text.replace(/\[\d+\.\d\ds\]/g, '[t]').split('\n').sort();
    expect(untimed(json.err)).toEqual(untimed(plain.err));
    const s = JSON.parse(json.out) as GenerateSummary;
    expect(s.from).toBe('2024-02-05');
    expect([s.seed, s.scale, s.out]).toEqual([42, 1, resolve(out)]);
    expect(Object.keys(s.bySource).sort()).toEqual([...SOURCE_NAMES].sort());
    // the README names each of its keys
    const readme = readFileSync('README.md', 'utf8');
    for (const key of [...Object.keys(s), ...Object.keys(s.bySource['shop/orders'])]) expect(readme, key).toContain(`\`${key}\``);
    // the same day, generated again, gives the same rows and bytes; --quiet silences the progress
    const quietJson = await cli('generate', '--day', '2024-02-05', '--out', out, '--json', '--quiet');
    expect(quietJson.err).toBe('');
    const again = JSON.parse(quietJson.out) as GenerateSummary;
    expect(again.bySource).toEqual(s.bySource);
    expect(again.defects).toEqual(s.defects);
  });
});

describe('stratum start', () => {
  it('generates the default dataset on first run, then lists what the lake holds', async () => {
    const out = join(dir, 'start');
    const first = await cli('start', '--out', out);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(new RegExp(`^No raw data in ${out}/ yet: generating the default dataset\\.\\nGenerating 91 day\\(s\\) 2024-01-01 \\.\\. 2024-03-31`));
    expect(readdirSync(join(out, '_truth')).length).toBe(91);

    const second = await cli('start', '--out', out);
    expect(second.code).toBe(0);
    expect(second.err).toBe('');
    // the rows the first run generated, per source and in all, read back from the manifests
    const generated = /: ([\d,]+) rows, /.exec(first.out)![1];
    expect(second.out).toContain(`Raw lake in ${out}/: 91 arrival days, 2024-01-01 .. 2024-03-31 (seed 42, scale 1), ${generated} rows\n`);
    for (const name of SOURCE_NAMES) {
      const rows = new RegExp(`│ ${name} +│ (\\w+) +│ +([\\d,]+) │`).exec(first.out)!;
      expect(second.out).toMatch(new RegExp(`\\n  ${name} +${rows[1]} +91 partitions +${rows[2]} rows\\n`));
    }
    // run from the checkout, the warehouse's dbt project: the hint says to build it; from a folder
    // with no dbt project, it says how to build one that exists
    expect(second.out).toContain("build the warehouse with 'npx stratum build'");
    const { spawnSync } = await import('node:child_process');
    const elsewhere = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'stratum.js'), 'start', '--out', out], { cwd: dir, encoding: 'utf8' });
    expect(elsewhere.status).toBe(0);
    expect(elsewhere.stdout).toContain("'npx stratum build --project-dir DIR' builds a dbt project on DuckDB");

    // a reader that goes away (`stratum start | head -1`) ends the output quietly, not with EPIPE
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['bin/stratum.js', 'start', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    expect(err).toBe('');
    // a generation whose progress has no reader (`2>&1 | head`) still places its days
    const gen = spawn(process.execPath, ['bin/stratum.js', 'generate', '--from', '2024-01-02', '--to', '2024-01-03', '--out', join(dir, 'no-reader')], { stdio: ['ignore', 'pipe', 'pipe'] });
    gen.stdout.destroy();
    gen.stderr.destroy();
    expect(await new Promise((resolve) => gen.on('exit', resolve))).toBe(0);
    expect(readdirSync(join(dir, 'no-reader', '_truth'))).toEqual(['dt=2024-01-02', 'dt=2024-01-03']);
  });

  it('says which days a lake with gaps lacks, and one day or row in the singular', async () => {
    const out = join(dir, 'gappy');
    for (const day of ['2024-01-05', '2024-01-08']) expect((await cli('generate', '--day', day, '--out', out, '--quiet')).code).toBe(0);
    const r = await cli('start', '--out', out);
    expect(r.out).toMatch(new RegExp(`^Raw lake in ${out}/: 2 arrival days, 2024-01-05 \\.\\. 2024-01-08 \\(seed 42, scale 1\\), [\\d,]+ rows\\n  2 days in between are not in it \\(the first: 2024-01-06\\)\\n`));
    expect(r.out).toMatch(/\n  marketing\/ad_spend +csv +2 partitions +[\d,]+ rows\n/);
    // on a 40-column terminal each line fits (but a word wider than it, the folder), a count stays
    // with its noun, and it says what the piped report says
    const contents = lakeContents(out, lakeDays(out));
    const narrow = lakeReport(out, contents, 40).split('\n');
    expect(narrow.filter((l) => l.length > 40 && l.trim().includes(' '))).toEqual([]);
    expect(narrow).toContain('  marketing/ad_spend     csv');
    expect(narrow.filter((l) => /^ {4}2 partitions +[\d,]+ rows$/.test(l))).toHaveLength(SOURCE_NAMES.length);
    const words = (lines: readonly string[]) => lines.join(' ').split(/\s+/).filter((w) => w !== '');
    expect(words(narrow)).toEqual(words(r.out.split('\n').slice(0, -2)));
    const one = join(dir, 'one-day');
    expect((await cli('generate', '--day', '2024-01-05', '--out', one, '--quiet')).code).toBe(0);
    expect((await cli('start', '--out', one)).out).toMatch(/: 1 arrival day, 2024-01-05 \.\. 2024-01-05 .*\n  crm\/customers +csv +1 partition +/);
    // one day missing; a source with no rows has no partition
    const quiet = join(dir, 'no-tickets');
    const rules = join(dir, 'no-tickets.yaml');
    writeFileSync(rules, 'volume:\n  tickets_per_day: 0\n');
    for (const day of ['2024-01-05', '2024-01-07']) expect((await cli('generate', '--day', day, '--rules', rules, '--out', quiet, '--quiet')).code).toBe(0);
    const q = (await cli('start', '--out', quiet)).out;
    expect(q).toMatch(/\n  1 day in between is not in it \(the first: 2024-01-06\)\n/);
    expect(q).toMatch(/\n  support\/tickets +parquet +0 partitions +0 rows\n/);
    expect(q).toMatch(/\n  shop\/orders +parquet +2 partitions +[\d,]+ rows\n/);
    // a manifest that is not JSON is named, exit 2
    const manifest = join(one, '_truth', 'dt=2024-01-05', 'truth.json');
    writeFileSync(manifest, '{"dt": ');
    const bad = await cli('start', '--out', one);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(new RegExp(`^Error: ${manifest}: not JSON \\(.+\\); `
      + `generate that day again, with the seed, scale and rules the lake was made with \\(stratum generate --day 2024-01-05 --out ${one}\\)\\n$`));
  });

  it('lists the files that are not as their manifests say, and says how to mend the lake, which then checks clean', async () => {
    const out = join(dir, 'damaged');
    expect((await cli('generate', '--from', '2024-01-05', '--to', '2024-01-07', '--out', out, '--quiet')).code).toBe(0);
    const clean = await cli('start', '--out', out);
    expect(clean.code).toBe(0);
    expect(clean.out).not.toContain('manifest');
    // a truncated file, a missing one, a stray one beside a day's file, a day's folder with no manifest
    const orders = 'shop/orders/dt=2024-01-06/part-00000.parquet';
    const size = statSync(join(out, orders)).size;
    writeFileSync(join(out, orders), 'PAR1');
    rmSync(join(out, 'product/events/dt=2024-01-07/part-00000.jsonl'));
    writeFileSync(join(out, 'crm/customers/dt=2024-01-05/part-00001.csv'), 'customer_id\n');
    mkdirSync(join(out, 'shop/orders/dt=2024-01-09'));
    writeFileSync(join(out, 'shop/orders/dt=2024-01-09/part-00000.parquet'), 'PAR1');
    const r = await cli('start', '--out', out);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`  4 files of the lake are not as their day's manifest says:
    ${out}/crm/customers/dt=2024-01-05/part-00001.csv: not in the manifest
    ${out}/${orders}: 4 bytes, the manifest says ${size.toLocaleString('en-US')}
    ${out}/product/events/dt=2024-01-07/part-00000.jsonl: missing
    ${out}/shop/orders/dt=2024-01-09/: a partition of a day with no manifest
`);
    const fix = `generate 3 days again: npx stratum generate --from 2024-01-05 --to 2024-01-07 --out ${out}`;
    expect(r.err).toBe(`Error: the lake in ${out}/ is damaged: 4 files are not as the manifests say (listed above); remove the partition of a day with no manifest, and ${fix}\n`);
    // past ten, the rest are counted
    for (let i = 2; i <= 9; i++) writeFileSync(join(out, `crm/customers/dt=2024-01-05/part-0000${i}.csv`), 'customer_id\n');
    const many = await cli('start', '--out', out);
    expect(many.out).toMatch(/\n  12 files of the lake are not as their day's manifest says:\n(    .+\n){10}    and 2 more\n$/);
    expect(many.err).toContain(': 12 files are not as the manifests say (listed above); ');
    // done as it says, the lake checks clean
    rmSync(join(out, 'shop/orders/dt=2024-01-09'), { recursive: true });
    expect((await cli(...fix.split(': ')[1].split(' ').slice(2), '--quiet')).code).toBe(0);
    expect(await cli('start', '--out', out)).toEqual(clean);

    // another seed and scale are named in the command; a size written in the manifest is checked too
    const other = join(dir, 'damaged-other');
    expect((await cli('generate', '--day', '2024-01-05', '--seed', '7', '--scale', '2', '--out', other, '--quiet')).code).toBe(0);
    const manifest = join(other, '_truth/dt=2024-01-05/truth.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { sources: Record<string, { bytes: number }> };
    m.sources['support/tickets'].bytes += 1;
    writeFileSync(manifest, JSON.stringify(m));
    const o = await cli('start', '--out', other);
    expect(o.out).toMatch(/\n  1 file of the lake is not as its day's manifest says:\n    .*\/support\/tickets\/dt=2024-01-05\/part-00000\.parquet: [\d,]+ bytes, the manifest says [\d,]+\n$/);
    expect(o.err).toBe(`Error: the lake in ${other}/ is damaged: 1 file is not as the manifests say (listed above); generate 1 day again: npx stratum generate --day 2024-01-05 --seed 7 --scale 2 --out ${other}\n`);
  });

  it('sees a Parquet file of the size its manifest says that is not Parquet, by its first and last four bytes', async () => {
    const { out, clean } = await oneDayLake('garbage-parquet');
    const orders = 'shop/orders/dt=2024-01-05/part-00000.parquet';
    const tickets = 'support/tickets/dt=2024-01-05/part-00000.parquet';
    const size = statSync(join(out, orders)).size;
    // spaces, and a file that starts as Parquet does but is cut and padded to its size
    writeFileSync(join(out, orders), Buffer.alloc(size, ' '));
    const cut = readFileSync(join(out, tickets));
    writeFileSync(join(out, tickets), Buffer.concat([cut.subarray(0, cut.length - 8), Buffer.alloc(8)]));
    const r = await cli('start', '--out', out);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`  2 files of the lake are not as their day's manifest says:
    ${out}/${orders}: not a Parquet file (it does not start and end with PAR1)
    ${out}/${tickets}: not a Parquet file (it does not start and end with PAR1)
`);
    const fix = `generate 1 day again: npx stratum generate --day 2024-01-05 --out ${out}`;
    expect(r.err).toBe(`Error: the lake in ${out}/ is damaged: 2 files are not as the manifests say (listed above); ${fix}\n`);
    expect((await cli(...fix.split(': ')[1].split(' ').slice(2), '--quiet')).code).toBe(0);
    expect(await cli('start', '--out', out)).toEqual(clean);
  });

  it('refuses a manifest that lists a file outside the lake, naming the manifest and the path', async () => {
    const { out, clean } = await oneDayLake('outside');
    const manifest = join(out, '_truth/dt=2024-01-05/truth.json');
    const made = readFileSync(manifest, 'utf8');
    const orders = 'shop/orders/dt=2024-01-05/part-00000.parquet';
    // files of the size the manifest says, the lake's own file among them, named from outside it
    for (const path of [join(resolve(out), orders), `../${out.split('/').pop()!}/${orders}`, `shop/../../${out.split('/').pop()!}/${orders}`, '/etc/passwd', '../../etc/passwd']) {
      const m = JSON.parse(made) as TruthManifest;
      m.sources['shop/orders'].files = [path];
      writeFileSync(manifest, JSON.stringify(m));
      const r = await cli('start', '--out', out);
      expect(r, path).toEqual({ code: 2, out: '', err: `Error: ${manifest}: shop/orders lists ${path}, which is not a file of the lake (an absolute path, or one leaving its folder); `
        + `${generateDayAgain(out)}\n` });
    }
    // a source whose name leaves the lake: its folder there would be listed as the lake's
    const m = JSON.parse(made) as TruthManifest;
    m.sources['../shop/orders'] = m.sources['shop/orders'];
    writeFileSync(manifest, JSON.stringify(m));
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${manifest}: lists the source ../shop/orders, which is not a folder of the lake (an absolute path, or one leaving its folder); `
      + `${generateDayAgain(out)}\n` });
    // done as it says, the lake checks clean
    await expectMended(out, clean);
  });

  it('refuses a file or partition of the lake that is a symbolic link to one outside it, naming it', async () => {
    const { out, clean } = await oneDayLake('linked');
    const elsewhere = join(dir, 'linked-elsewhere');
    mkdirSync(elsewhere);
    const fix = generateDayAgain(out);
    // a file moved out and linked back: the same bytes, read from outside
    const orders = join(out, 'shop/orders/dt=2024-01-05/part-00000.parquet');
    renameSync(orders, join(elsewhere, 'orders.parquet'));
    symlinkSync(join(elsewhere, 'orders.parquet'), orders);
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${orders}: resolves to ${join(realpathSync(elsewhere), 'orders.parquet')}, outside the lake (a symbolic link); ${fix}\n` });
    rmSync(orders);
    renameSync(join(elsewhere, 'orders.parquet'), orders);
    // a table's folder moved out and linked back: that folder is named, with no advice to generate
    // the day again, which would replace (and delete) the partitions out there
    const table = join(out, 'shop/orders');
    renameSync(table, join(elsewhere, 'orders'));
    symlinkSync(join(elsewhere, 'orders'), table);
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${table}: resolves to ${join(realpathSync(elsewhere), 'orders')}, outside the lake (a symbolic link); `
      + 'move the folder it names back into its place (a run would replace and delete partitions outside the lake through it)\n' });
    rmSync(table);
    renameSync(join(elsewhere, 'orders'), table);
    // a link that stays inside the lake is followed, as any path of it
    const tickets = join(out, 'support/tickets/dt=2024-01-05');
    renameSync(tickets, join(out, 'support/tickets/moved'));
    symlinkSync('moved', tickets);
    expect(await cli('start', '--out', out)).toEqual(clean);
    rmSync(tickets);
    // inside too: a folder of the lake whose name begins with two dots
    renameSync(join(out, 'support/tickets/moved'), join(out, '..moved'));
    symlinkSync('../../..moved', tickets);
    expect(await cli('start', '--out', out)).toEqual(clean);
    rmSync(tickets);
    renameSync(join(out, '..moved'), tickets);
    // a partition's folder moved out and linked back
    renameSync(tickets, join(elsewhere, 'tickets'));
    symlinkSync(join(elsewhere, 'tickets'), tickets);
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${tickets}: resolves to ${join(realpathSync(elsewhere), 'tickets')}, outside the lake (a symbolic link); ${fix}\n` });
    // the day's manifest too
    const manifest = join(out, '_truth/dt=2024-01-05/truth.json');
    renameSync(manifest, join(elsewhere, 'truth.json'));
    symlinkSync(join(elsewhere, 'truth.json'), manifest);
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${manifest}: resolves to ${join(realpathSync(elsewhere), 'truth.json')}, outside the lake (a symbolic link); ${fix}\n` });
    // done as it says, the lake checks clean, and what the links named is left as it was
    await expectMended(out, clean);
    expect(readdirSync(join(elsewhere, 'tickets'))).toEqual(['part-00000.parquet']);
    expect(existsSync(join(elsewhere, 'truth.json'))).toBe(true);
  });

  it('has the day generated again replace a partition that links to a folder the run may not write, which it neither checks nor changes', async () => {
    const { out, clean } = await oneDayLake('linked-unwritable');
    // procfs's folders may not be written even by root: a run that checked them would be refused
    expect(() => accessSync('/proc/sys', constants.W_OK)).toThrow();
    const items = join(out, 'shop/order_items/dt=2024-01-05');
    rmSync(items, { recursive: true });
    symlinkSync('/proc/sys', items);
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${items}: resolves to /proc/sys, outside the lake (a symbolic link); ${generateDayAgain(out)}\n` });
    // the link is replaced, and nothing is written where it pointed
    const before = readdirSync('/proc/sys').sort();
    await expectMended(out, clean);
    expect(readdirSync('/proc/sys').sort()).toEqual(before);
  });

  it('has the day generated again replace a partition or a manifest\'s folder that links to nothing, whole', async () => {
    const { out, clean } = await oneDayLake('linked-dangling');
    const elsewhere = join(dir, 'linked-dangling-elsewhere');
    mkdirSync(elsewhere);
    // a source's partition and the day's manifest folder: swapped in last, after every source's
    for (const f of ['support/tickets/dt=2024-01-05', '_truth/dt=2024-01-05']) {
      rmSync(join(out, f), { recursive: true });
      symlinkSync(join(elsewhere, 'gone'), join(out, f));
      const r = await cli('start', '--out', out);
      expect(r.code, f).toBe(2);
      // the partition is damaged (its file missing), the day's manifest missing: the day made again mends both
      expect(r.err, f).toContain(`stratum generate --day 2024-01-05 --out ${out}`);
    }
    await expectMended(out, clean);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('says why a file the manifest lists has no size: not a file, or not to be looked at or read', async () => {
    const open = tempDir('stratum-unreadable-');
    chmodSync(open, 0o755);
    const out = join(open, 'lake');
    expect((await cli('generate', '--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const [orders, customers, tickets] = ['shop/orders', 'crm/customers', 'support/tickets'].map((t) => `${t}/dt=2024-01-05`);
    rmSync(join(out, orders, 'part-00000.parquet'));
    mkdirSync(join(out, orders, 'part-00000.parquet'));
    chmodSync(join(out, customers), 0o600); // listed, not searched
    chmodSync(join(out, tickets, 'part-00000.parquet'), 0o200);
    // as root, who may read anything, start runs as the user nobody
    const asRoot = process.getuid?.() === 0;
    const r = asRoot
      ? spawnSync(process.execPath, [resolve('bin/stratum.js'), 'start', '--out', out], { encoding: 'utf8', uid: 65534, gid: 65534, env: { ...process.env, HOME: open } })
      : await cli('start', '--out', out).then((c) => ({ status: c.code, stdout: c.out, stderr: c.err }));
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`  3 files of the lake are not as their day's manifest says:
    ${out}/${customers}/part-00000.csv: cannot be looked at (EACCES)
    ${out}/${orders}/part-00000.parquet: not a file
    ${out}/${tickets}/part-00000.parquet: cannot be read (EACCES)
`);
    expect(r.stderr).toBe(`Error: the lake in ${out}/ is damaged: 3 files are not as the manifests say (listed above); generate 1 day again: npx stratum generate --day 2024-01-05 --out ${out}\n`);
    chmodSync(join(out, customers), 0o755);
  });

  it('lists folders named dt= that are no day, in a table or in _truth, and takes no day from them', async () => {
    const out = join(dir, 'not-days');
    expect((await cli('generate', '--from', '2024-01-05', '--to', '2024-01-06', '--out', out, '--quiet')).code).toBe(0);
    // copied in by hand: a `dt=*` reader reads their rows, dt '2024-13-45' and 'garbage' among them
    for (const f of ['shop/orders/dt=2024-13-45', 'shop/orders/dt=garbage', '_truth/dt=2024-13-45']) mkdirSync(join(out, f));
    writeFileSync(join(out, 'shop/orders/dt=garbage/part-00000.parquet'), readFileSync(join(out, 'shop/orders/dt=2024-01-05/part-00000.parquet')));
    writeFileSync(join(out, '_truth/dt=2024-13-45/truth.json'), readFileSync(join(out, '_truth/dt=2024-01-05/truth.json')));
    const r = await cli('start', '--out', out);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(new RegExp(`^Raw lake in ${out}/: 2 arrival days, 2024-01-05 \\.\\. 2024-01-06 `));
    expect(r.out).toContain(`  3 files of the lake are not as their day's manifest says:
    ${out}/_truth/dt=2024-13-45/: named dt= but not a day (dt=YYYY-MM-DD)
    ${out}/shop/orders/dt=2024-13-45/: named dt= but not a day (dt=YYYY-MM-DD)
    ${out}/shop/orders/dt=garbage/: named dt= but not a day (dt=YYYY-MM-DD)
`);
    expect(r.err).toBe(`Error: the lake in ${out}/ is damaged: 3 files are not as the manifests say (listed above); remove the 3 folders named dt= that are no day\n`);
    // a run over every day the lake holds may change its company: the folder is no day it keeps
    expect((await cli('generate', '--from', '2024-01-05', '--to', '2024-01-06', '--seed', '7', '--out', out, '--quiet')).code).toBe(0);
    for (const f of ['shop/orders/dt=2024-13-45', 'shop/orders/dt=garbage', '_truth/dt=2024-13-45']) rmSync(join(out, f), { recursive: true });
    const after = await cli('start', '--out', out);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(new RegExp(`^Raw lake in ${out}/: 2 arrival days, 2024-01-05 \\.\\. 2024-01-06 \\(seed 7, scale 1\\)`));
  });

  it('takes a lake whose manifests are all gone for a damaged one, not for a first run', async () => {
    const out = join(dir, 'no-manifests');
    expect((await cli('generate', '--from', '2024-01-05', '--to', '2024-01-06', '--seed', '7', '--out', out, '--quiet')).code).toBe(0);
    for (const day of ['2024-01-05', '2024-01-06']) rmSync(join(out, '_truth', `dt=${day}`), { recursive: true });
    const before = digest(out);
    const r = await cli('start', '--out', out);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(new RegExp(`^Raw lake in ${out}/: no arrival day \\(no manifest in ${out}/_truth/\\)\n  18 files of the lake are not as their day's manifest says:\n`
      + `    ${out}/billing/subscriptions/dt=2024-01-05/: a partition of a day with no manifest\n`));
    expect(r.err).toBe(`Error: the lake in ${out}/ is damaged: 18 files are not as the manifests say (listed above); remove the 18 partitions of days with no manifest\n`);
    // nothing generated over the other seed's days
    expect(digest(out)).toEqual(before);
    // on a 40-column terminal every line of it fits (but a word wider than it, a path), its first too
    const stdout = { isTTY: process.stdout.isTTY, columns: process.stdout.columns };
    Object.assign(process.stdout, { isTTY: true, columns: 40 });
    let narrow;
    try {
      narrow = await cli('start', '--out', out);
    } finally {
      Object.assign(process.stdout, stdout);
    }
    expect(narrow.out.split('\n').filter((l) => l.length > 40 && l.trim().includes(' '))).toEqual([]);
    expect(narrow.out).toMatch(/^Raw lake in\n/);
  });

  it('refuses a lake whose days two companies or layouts made, naming which days have what, and says how to mend it', async () => {
    const out = join(dir, 'mixed');
    const other = join(dir, 'mixed-other');
    expect((await cli('generate', '--from', '2024-01-05', '--to', '2024-01-06', '--out', out, '--quiet')).code).toBe(0);
    expect((await cli('generate', '--day', '2024-01-07', '--seed', '7', '--formats', 'shop/orders=csv', '--out', other, '--quiet')).code).toBe(0);
    // mixed by hand: a run of the generator refuses to, or replaces every day at once
    for (const f of readdirSync(other, { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('dt=2024-01-07')) {
        mkdirSync(join(out, f, '..'), { recursive: true });
        renameSync(join(other, f), join(out, f));
      }
    }
    const r = await cli('start', '--out', out);
    expect(r.code).toBe(2);
    const fix = `npx stratum generate --from 2024-01-05 --to 2024-01-07 --seed 7 --formats shop/orders=csv --out ${out}`;
    expect(r.err).toBe(`Error: the lake in ${out}/ holds days of 2 companies or layouts: 2 days (2024-01-05 .. 2024-01-06) seed 42, shop/orders as parquet; `
      + `1 day (2024-01-07) seed 7, shop/orders as csv; one lake holds one company in one layout: generate all of its days again in one run: ${fix}\n`);
    // done as it says, the lake is one company again
    expect((await cli(...fix.split(' ').slice(2), '--quiet')).code).toBe(0);
    const mended = await cli('start', '--out', out);
    expect(mended.code).toBe(0);
    expect(mended.out).toMatch(/^Raw lake in .*: 3 arrival days, 2024-01-05 \.\. 2024-01-07 \(seed 7, scale 1\)/);
  });

  it('names the lake\'s formats and its rules file in the command that mends it, and the days between damaged ones', async () => {
    const out = join(dir, 'damaged-formats');
    const rules = join(dir, 'more-tickets.yaml');
    writeFileSync(rules, 'volume:\n  tickets_per_day: 50\n');
    const made = ['--rules', rules, '--formats', 'shop/orders=csv,product/events=parquet', '--out', out, '--quiet'];
    for (const day of ['2024-01-05', '2024-01-06', '2024-01-07']) expect((await cli('generate', '--day', day, ...made)).code).toBe(0);
    // a trailing slash is not doubled
    const clean = await cli('start', '--out', `${out}/`);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(new RegExp(`^Raw lake in ${out}/: 3 arrival days`));
    const damage = ['shop/orders/dt=2024-01-05/part-00000.csv', 'product/events/dt=2024-01-07/part-00000.parquet'];
    for (const f of damage) writeFileSync(join(out, f), 'x');
    const r = await cli('start', '--out', out);
    expect(r.code).toBe(2);
    const fingerprint = (JSON.parse(readFileSync(join(out, '_truth/dt=2024-01-05/truth.json'), 'utf8')) as { rules: string }).rules;
    const fix = `npx stratum generate --from 2024-01-05 --to 2024-01-07 --rules FILE --formats shop/orders=csv,product/events=parquet --out ${out}`;
    expect(r.err).toBe(`Error: the lake in ${out}/ is damaged: 2 files are not as the manifests say (listed above); generate the 3 days 2024-01-05 .. 2024-01-07 (2 of them damaged) again`
      + ` with the rules file FILE it was made with (its rules fingerprint ${fingerprint} is not the built-in rules'): ${fix}\n`);
    // done as it says, the lake checks clean: the day between is made again as it was
    const between = readFileSync(join(out, 'shop/orders/dt=2024-01-06/part-00000.csv'));
    expect((await cli(...fix.replace('FILE', rules).split(' ').slice(2), '--quiet')).code).toBe(0);
    expect(await cli('start', '--out', out)).toEqual(clean);
    expect(readFileSync(join(out, 'shop/orders/dt=2024-01-06/part-00000.csv'))).toEqual(between);
  });

  it('refuses a file or a folder of other files before it says it generates', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(await cli('start', '--out', file)).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${file}: it is a file, not a folder\n` });
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'x');
    expect(await cli('start', '--out', other)).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${other}: it is not empty and holds no lake (no _truth folder); name a new or empty folder\n` });
  });

  it('stops on SIGTERM with exit 130, leaving no folder it made', async () => {
    const { spawn } = await import('node:child_process');
    const out = join(dir, 'start-cancelled');
    const child = spawn(process.execPath, ['bin/stratum.js', 'start', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/rows .*\[/.test(err) && !child.killed) child.kill('SIGTERM');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code, err).toBe(130);
    expect(err).toMatch(/\ngeneration cancelled before it placed any day; the lake is as it was\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('leaves no folder it made when the process exits mid-run, as a second Ctrl-C makes it', async () => {
    // a second signal calls process.exit at once (cancelOnSignals): the exit hook removes the
    // staging folder and the folders the run made. A process that exits right after making them
    // stands for it, without racing two signals against the first's cancellation
    const { spawnSync } = await import('node:child_process');
    const parent = join(dir, 'exited-mid-run');
    const out = join(parent, 'raw');
    const script = `import { prepareLakeFolder } from './generator/lakeFolder.ts';
      import { loadRules, rulesFingerprint } from './generator/rules.ts';
      const rules = loadRules();
      const { staging } = prepareLakeFolder(${JSON.stringify(out)}, 'raw', { seed: rules.seed, scale: 1, rules: rulesFingerprint(rules), formats: rules.formats, from: '2024-01-05', to: '2024-01-05' });
      console.log(staging);
      process.exit(130);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(130);
    expect(r.stdout.startsWith(join(out, '.stratum-tmp-'))).toBe(true);
    expect(existsSync(parent)).toBe(false);
  });
});
