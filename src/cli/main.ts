/**
 * `stratum` entry point: picks the subcommand, parses its flags, runs it, and turns user errors
 * into one clear line on stderr with the error's exit code.
 */
import { StratumError } from '../errors.js';
import { parseCommandArgs, type Command } from './command.js';
import { commands } from './commands.js';

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: stratum <command> [flags]',
    '',
    'A notebook-style terminal explorer for an analytics-engineering warehouse.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'stratum <command> --help' for a command's flags.",
    '',
  ].join('\n');
}

/** Finds the command named by the leading words of argv (longest match first). */
function findCommand(argv: readonly string[]): { cmd: Command; rest: readonly string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const cmd of sorted) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { cmd, rest: argv.slice(words.length) };
  }
  return undefined;
}

/** Runs the CLI with the given arguments and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(topHelp());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`stratum: unknown command '${argv[0]}' (see stratum --help)\n`);
    return 2;
  }
  try {
    const args = parseCommandArgs(found.cmd, found.rest);
    if (!args) return 0;
    return await found.cmd.run(args);
  } catch (e) {
    if (e instanceof StratumError) {
      process.stderr.write(`Error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
