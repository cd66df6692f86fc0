/**
 * `stratum start` (what `npm start` runs): on first run generates the default dataset into raw/,
 * then prints what the lake holds. The notebook will open here once it exists.
 */
import { existsSync, statSync } from 'node:fs';
import { lakeContents, lakeDays, type LakeContents } from '../../generator/lakeManifest.js';
import { finishUnfinishedRuns } from '../../generator/lakeFolder.js';
import { loadRules, SOURCE_NAMES } from '../../generator/rules.js';
import { cancelOnSignals, stringFlag, type Command } from './command.js';
import { finishedLine, GENERATE_CANCEL_NOTICE, progressPrinter, summaryTable } from './generate.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The lines `stratum start` prints for a lake that holds days. */
export function lakeReport(out: string, c: LakeContents): string {
  const rows = [...c.sources.values()].reduce((n, s) => n + s.rows, 0);
  const lines = [`Raw lake in ${out}/: ${plural(c.days.length, 'arrival day')}, ${c.days[0]} .. ${c.days[c.days.length - 1]}`
    + ` (seed ${String(c.seed)}, scale ${String(c.scale)}), ${plural(rows, 'row')}`];
  if (c.gaps.length > 0) lines.push(`  ${plural(c.gaps.length, 'day')} in between ${c.gaps.length === 1 ? 'is' : 'are'} not in it (the first: ${c.gaps[0]})`);
  for (const name of SOURCE_NAMES) {
    const s = c.sources.get(name);
    lines.push(`  ${name.padEnd(22)} ${(s?.format ?? '').padEnd(8)} ${plural(s?.days ?? 0, 'partition').padStart(14)} ${plural(s?.rows ?? 0, 'row').padStart(14)}`);
  }
  return lines.join('\n') + '\n';
}

export const startCommand: Command = {
  name: 'start',
  summary: 'Open Stratum: generates the default dataset on first run, then shows what the raw lake holds.',
  flags: [{ name: 'out', type: 'string', value: 'DIR', description: 'Raw data folder (default raw/).' }],
  async run(args) {
    const out = stringFlag(args, 'out') ?? 'raw';
    const isLakeDir = existsSync(out) && statSync(out).isDirectory();
    // a generator run killed while placing its days left some of a day new: finish placing them
    const finished = isLakeDir ? finishUnfinishedRuns(out, out) : 0;
    if (finished > 0) process.stderr.write(finishedLine(finished));
    const days = isLakeDir ? lakeDays(out) : [];
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
    process.stdout.write(lakeReport(out, lakeContents(out, days)));
    // the warehouse's own dbt project is not in this checkout yet: point at what works here
    const build = existsSync('dbt_project.yml') ? "build the warehouse with 'stratum build'" : "'stratum build --project-dir DIR' builds a dbt project on DuckDB";
    process.stdout.write(`Regenerate with 'stratum generate --help'; ${build}.\n`);
    return 0;
  },
};
