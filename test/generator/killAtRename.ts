/**
 * Not a test: a child process for killedRun.test.ts. Generates arrival days FROM..TO with the
 * rules file RULES into OUT, and SIGKILLs itself just before its Kth rename (K = 0: never; it
 * prints how many renames the run made). Usage: node --import tsx killAtRename.ts RULES OUT FROM TO K
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const [rulesFile, out, from, to, k] = process.argv.slice(2);
const killAt = Number(k);
let renames = 0;
const rename = fs.renameSync;
fs.renameSync = (a: fs.PathLike, b: fs.PathLike) => {
  if (++renames === killAt) process.kill(process.pid, 'SIGKILL');
  rename(a, b);
};
// the generator's `import { renameSync } from 'node:fs'` sees the patched function
syncBuiltinESMExports();

const { generate } = await import('../../generator/generate.js');
const { tryParseDay } = await import('../../generator/dates.js');
const { loadRules } = await import('../../generator/rules.js');
await generate({ rules: loadRules(rulesFile), from: tryParseDay(from)!, to: tryParseDay(to)!, scale: 1, outDir: out });
process.stdout.write(`${renames}\n`);
