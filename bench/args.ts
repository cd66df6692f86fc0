/**
 * The command line of a bench script: node's parseArgs, strict, with `--help` printing `usage`
 * and exiting 0, and a bad flag printing one line and exiting 2 (as `stratum` commands do).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { cleanParseError } from '../src/cli/command.js';

/**
 * Parses process.argv for bench script `script` (e.g. `bench/generate.ts`): flag values by name.
 * Exits 0 after printing `usage` on --help, 2 with one line on a bad flag.
 */
export function benchArgs(script: string, usage: string, options: NonNullable<ParseArgsConfig['options']>): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { ...options, help: { type: 'boolean' } }, strict: true }) as { values: Record<string, string | boolean | undefined> };
    if (values.help === true) {
      process.stdout.write(usage.trimEnd() + '\n');
      process.exit(0);
    }
    return values;
  } catch (e) {
    process.stderr.write(`${script}: ${cleanParseError((e as Error).message)} (see ${script} --help)\n`);
    process.exit(2);
  }
}

/** `value` of flag `--name` as a positive whole number, or one line naming it and exit 2. */
export function positiveInt(script: string, name: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`${script}: --${name} must be a positive whole number, got '${String(value)}'\n`);
    process.exit(2);
  }
  return n;
}
