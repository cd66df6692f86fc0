/**
 * `stratum start` (what `npm start` runs): on first run generates the default dataset into raw/,
 * then prints what the lake holds. The notebook will open here once it exists.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '../../generator/generate.js';
import { finishUnfinishedRuns } from '../../generator/lakeFolder.js';
import { loadRules, SOURCE_NAMES } from '../../generator/rules.js';
import { stringFlag, type Command } from './command.js';
import { finishedLine, progressPrinter, summaryTable } from './generate.js';

/** Arrival days present in the lake (from the truth manifests), sorted. */
export function lakeDays(outDir: string): string[] {
  const dir = join(outDir, '_truth');
  return existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith('dt=')).map((d) => d.slice(3)).sort() : [];
}

export const startCommand: Command = {
  name: 'start',
  summary: 'Open Stratum: generates the default dataset on first run, then shows what the raw lake holds.',
  flags: [{ name: 'out', type: 'string', value: 'DIR', description: 'Raw data folder (default raw/).' }],
  async run(args) {
    const out = stringFlag(args, 'out') ?? 'raw';
    // a generator run killed while placing its days left some of a day new: finish placing them
    const finished = existsSync(out) ? finishUnfinishedRuns(out, out) : 0;
    if (finished > 0) process.stderr.write(finishedLine(finished));
    const days = lakeDays(out);
    if (days.length === 0) {
      process.stderr.write(`No raw data in ${out}/ yet: generating the default dataset.\n`);
      const rules = loadRules();
      const summary = await generate({ rules, from: rules.dates.default_end - rules.dates.default_days + 1, to: rules.dates.default_end, scale: 1, outDir: out, onEvent: progressPrinter(false) });
      process.stdout.write(summaryTable(summary));
      return 0;
    }
    process.stdout.write(`Raw lake in ${out}/: ${days.length} arrival day(s), ${days[0]} .. ${days[days.length - 1]}\n`);
    for (const s of SOURCE_NAMES) {
      const dir = join(out, s);
      const parts = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith('dt=')).length : 0;
      process.stdout.write(`  ${s.padEnd(22)} ${String(parts).padStart(4)} partitions\n`);
    }
    // the warehouse's own dbt project is not in this checkout yet: point at what works here
    const build = existsSync('dbt_project.yml') ? "build the warehouse with 'stratum build'" : "'stratum build --project-dir DIR' builds a dbt project on DuckDB";
    process.stdout.write(`Regenerate with 'stratum generate --help'; ${build}.\n`);
    return 0;
  },
};
