/**
 * `stratum start` (what `npm start` runs): on first run generates the default dataset into raw/,
 * then prints what the lake holds. The notebook will open here once it exists.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lakeContents, lakeDays, type LakeCompany, type LakeContents } from '../../generator/lakeManifest.js';
import { finishUnfinishedRuns } from '../../generator/lakeFolder.js';
import { tryParseDay } from '../../generator/dates.js';
import { loadRules, rulesFingerprint, SOURCE_NAMES, type SourceName } from '../../generator/rules.js';
import { DataError } from '../errors.js';
import { cancelOnSignals, stringFlag, type Command } from './command.js';
import { finishedLine, GENERATE_CANCEL_NOTICE, progressPrinter, summaryTable } from './generate.js';
import { widthOf, wrapText } from './wrap.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * The lines `stratum start` prints for a lake that holds days, fitted to `width` columns as the
 * generation's summary is: on a terminal a longer line wraps at a space (a count and its noun stay
 * together), piped each line stays whole.
 */
export function lakeReport(out: string, c: LakeContents, width = widthOf(process.stdout, Infinity)): string {
  // a no-break space while wrapping, between a count and what it counts
  const count = (n: number, one: string) => plural(n, one).replace(' ', '\u00a0');
  const rows = [...c.sources.values()].reduce((n, s) => n + s.rows, 0);
  const lines = [`Raw lake in ${out}/: ${count(c.days.length, 'arrival day')}, ${c.days[0]} .. ${c.days[c.days.length - 1]}`
    + ` (seed ${String(c.seed)}, scale ${String(c.scale)}), ${count(rows, 'row')}`];
  if (c.gaps.length > 0) lines.push(`  ${plural(c.gaps.length, 'day')} in between ${c.gaps.length === 1 ? 'is' : 'are'} not in it (the first: ${c.gaps[0]})`);
  for (const name of SOURCE_NAMES) {
    const s = c.sources.get(name);
    lines.push(`  ${name.padEnd(22)} ${(s?.format ?? '').padEnd(8)} ${count(s?.days ?? 0, 'partition').padStart(14)} ${count(s?.rows ?? 0, 'row').padStart(14)}`);
  }
  return wrapText(lines.join('\n'), width).replace(/\u00a0/g, ' ') + '\n' + damageReport(out, c, width);
}

/** The lines listing the files of a lake that are not as its manifests say (none when all are), fitted to `width` as lakeReport's. */
export function damageReport(out: string, c: LakeContents, width = widthOf(process.stdout, Infinity)): string {
  if (c.damaged.length === 0) return '';
  const lines = [`  ${plural(c.damaged.length, 'file')} of the lake ${c.damaged.length === 1 ? 'is' : 'are'} not as ${c.damaged.length === 1 ? 'its' : 'their'} day's manifest says:`];
  for (const d of c.damaged.slice(0, SHOWN_DAMAGE)) lines.push(`    ${join(out, d.file)}: ${d.why}`);
  if (c.damaged.length > SHOWN_DAMAGE) lines.push(`    and ${(c.damaged.length - SHOWN_DAMAGE).toLocaleString('en-US')} more`);
  return wrapText(lines.join('\n'), width) + '\n';
}

/** Damaged files listed by name; the rest are counted. */
const SHOWN_DAMAGE = 10;

/**
 * The error for a lake whose files are not as its manifests say, saying what mends it: removing
 * folders named dt= that are no day and the partitions of days with no manifest, and generating the other damaged days again, which
 * replaces their partitions whole: with the lake's seed, scale and formats where they are not the
 * built-in ones, and with the rules file it was made with when its rules are not the built-in ones
 * (a manifest keeps only their fingerprint, so the file is left for the user to name).
 */
export function damageError(out: string, c: LakeContents): DataError {
  const have = new Set(c.days);
  const notDays = c.damaged.filter((d) => tryParseDay(d.day) === undefined).length;
  const orphans = c.damaged.filter((d) => !have.has(d.day)).length - notDays;
  const days = [...new Set(c.damaged.filter((d) => have.has(d.day)).map((d) => d.day))].sort();
  const fixes: string[] = [];
  if (notDays > 0) fixes.push(notDays === 1 ? 'remove the folder named dt= that is no day' : `remove the ${notDays.toLocaleString('en-US')} folders named dt= that are no day`);
  if (orphans > 0) fixes.push(orphans === 1 ? 'remove the partition of a day with no manifest' : `remove the ${orphans.toLocaleString('en-US')} partitions of days with no manifest`);
  if (days.length > 0) {
    const first = days[0];
    const last = days[days.length - 1];
    const range = days.length === 1 ? `--day ${first}` : `--from ${first} --to ${last}`;
    const formats = Object.fromEntries([...c.sources].map(([name, s]) => [name, s.format]));
    const { flags, ownRules } = companyFlags({ seed: c.seed, scale: c.scale, rules: c.rules, formats });
    // the days between two damaged ones are made again too, as they were
    const span = tryParseDay(last)! - tryParseDay(first)! + 1;
    const which = span === days.length ? plural(days.length, 'day') : `the ${span.toLocaleString('en-US')} days ${first} .. ${last} (${days.length.toLocaleString('en-US')} of them damaged)`;
    const how = ownRules ? ` with the rules file FILE it was made with (its rules fingerprint ${String(c.rules)} is not the built-in rules')` : '';
    fixes.push(`generate ${which} again${how}: npx stratum generate ${range}${flags} --out ${out}`);
  }
  return new DataError(`the lake in ${out}/ is damaged: ${plural(c.damaged.length, 'file')} ${c.damaged.length === 1 ? 'is' : 'are'} not as the manifests say (listed above); ${fixes.join(', and ')}`);
}

/**
 * The flags that make the days of `company` where they are not the built-in ones: its seed, scale
 * and formats, and `--rules FILE` when its rules are not the built-in rules (a manifest keeps only
 * their fingerprint, so the file is left for the user to name).
 */
function companyFlags(company: Omit<LakeCompany, 'days'>): { flags: string; ownRules: boolean } {
  const rules = loadRules();
  const seed = company.seed === rules.seed ? '' : ` --seed ${String(company.seed)}`;
  const scale = company.scale === 1 ? '' : ` --scale ${String(company.scale)}`;
  const ownRules = company.rules !== rulesFingerprint(rules);
  const formats = Object.entries(company.formats).filter(([name, f]) => rules.formats[name as SourceName] !== f).map(([name, f]) => `${name}=${f}`);
  return { flags: `${seed}${scale}${ownRules ? ' --rules FILE' : ''}${formats.length > 0 ? ` --formats ${formats.join(',')}` : ''}`, ownRules };
}

/**
 * The error for a lake whose days were made by more than one company or layout (LakeContents
 * .companies): which days have which seed, scale, rules or formats (only what differs), and the
 * run that makes them all again as its last day's company.
 */
export function mixedError(out: string, c: LakeContents): DataError {
  const differ = (f: (k: LakeCompany) => unknown) => new Set(c.companies.map((k) => JSON.stringify(f(k)))).size > 1;
  const groups = c.companies.map((k) => {
    const what: string[] = [];
    if (differ((x) => x.seed)) what.push(`seed ${String(k.seed)}`);
    if (differ((x) => x.scale)) what.push(`scale ${String(k.scale)}`);
    if (differ((x) => x.rules)) what.push(`rules fingerprint ${String(k.rules)}`);
    const formats = Object.entries(k.formats).filter(([name]) => differ((x) => x.formats[name])).map(([name, f]) => `${name} as ${f}`);
    if (formats.length > 0) what.push(formats.join(', '));
    const span = k.days.length === 1 ? k.days[0] : `${k.days[0]} .. ${k.days[k.days.length - 1]}`;
    return `${plural(k.days.length, 'day')} (${span}) ${what.join(', ')}`;
  });
  const last = c.companies.find((k) => k.days.includes(c.days[c.days.length - 1]))!;
  const { flags, ownRules } = companyFlags(last);
  const how = ownRules ? ' with the rules file FILE of the last day' : '';
  return new DataError(`the lake in ${out}/ holds days of ${c.companies.length} companies or layouts: ${groups.join('; ')}; `
    + `one lake holds one company in one layout: generate all of its days again in one run${how}: npx stratum generate --from ${c.days[0]} --to ${c.days[c.days.length - 1]}${flags} --out ${out}`);
}

export const startCommand: Command = {
  name: 'start',
  summary: 'Open Stratum: generates the default dataset on first run, then shows what the raw lake holds.',
  details: "Exit codes: 0 done, 1 the first run's generation failed (out of memory, a full disk), 2 a damaged lake or one holding two companies (the command that mends it is named), or bad usage, 130 cancelled.",
  flags: [{ name: 'out', type: 'string', value: 'DIR', description: 'Raw data folder (default raw/).' }],
  async run(args) {
    // shown as given, but for trailing slashes ('raw/' is shown 'raw/', not 'raw//')
    const out = (stringFlag(args, 'out') ?? 'raw').replace(/(?<=.)\/+$/, '');
    const isLakeDir = existsSync(out) && statSync(out).isDirectory();
    // a generator run killed while placing its days left some of a day new: finish placing them
    const finished = isLakeDir ? finishUnfinishedRuns(out, out) : 0;
    if (finished > 0) process.stderr.write(finishedLine(finished));
    const days = isLakeDir ? lakeDays(out) : [];
    // a lake whose manifests are all gone still holds its partitions: it is no first run, and the
    // default dataset would replace some of them (another company's, maybe) and leave the rest
    const left = days.length === 0 && isLakeDir && existsSync(join(out, '_truth')) ? lakeContents(out, days) : undefined;
    if (left && left.damaged.length > 0) {
      // fitted to the terminal as lakeReport is
      process.stdout.write(`${wrapText(`Raw lake in ${out}/: no arrival day (no manifest in ${join(out, '_truth')}/)`, widthOf(process.stdout, Infinity))}\n${damageReport(out, left)}`);
      throw damageError(out, left);
    }
    if (days.length === 0) {
      const rules = loadRules();
      // the generator (and DuckDB in it) is loaded only when there is a lake to make
      const { generate } = await import('../../generator/generate.js');
      const progress = progressPrinter(false);
      const cancel = cancelOnSignals(GENERATE_CANCEL_NOTICE);
      let summary;
      try {
        // said once the folder is known to take a lake (generate refuses a file or another's folder first)
        summary = await generate({ rules, from: rules.dates.default_end - rules.dates.default_days + 1, to: rules.dates.default_end, scale: 1, outDir: out, signal: cancel.signal,
          onEvent: (e) => {
            if (e.type === 'start') process.stderr.write(`No raw data in ${out}/ yet: generating the default dataset.\n`);
            progress(e);
          } });
      } finally {
        cancel.dispose();
      }
      process.stdout.write(summaryTable(summary));
      return 0;
    }
    const contents = lakeContents(out, days);
    process.stdout.write(lakeReport(out, contents));
    if (contents.companies.length > 1) throw mixedError(out, contents);
    if (contents.damaged.length > 0) throw damageError(out, contents);
    // the warehouse's own dbt project is not in this checkout yet: point at what works here
    const build = existsSync('dbt_project.yml') ? "build the warehouse with 'npx stratum build'" : "'npx stratum build --project-dir DIR' builds a dbt project on DuckDB";
    process.stdout.write(`${wrapText(`Regenerate with 'npx stratum generate --help'; ${build}.`, widthOf(process.stdout, Infinity))}\n`);
    return 0;
  },
};
