/**
 * `stratum` entry point: picks the subcommand, parses its flags, runs it, and turns user errors
 * into one clear line on stderr with the error's exit code.
 */
import { didYouMean } from '../didYouMean.js';
import { CancelledError, StratumError } from '../errors.js';
import { cancelOnSignals, parseCommandArgs, type Command } from './command.js';
import { commands } from './commands.js';
import { stratumVersion } from './version.js';
import { twoColumns, widthOf, wrapText } from './wrap.js';

function topHelp(width = widthOf(process.stdout)): string {
  return [
    'Usage: stratum <command> [flags]',
    '',
    wrapText('A notebook-style terminal explorer for an analytics-engineering warehouse.', width),
    '',
    'Commands:',
    ...twoColumns(commands.map((c) => [c.name, c.summary] as const), width),
    '',
    wrapText("Run 'stratum <command> --help' (or 'stratum help <command>') for a command's flags; 'stratum --version' prints the version.", width),
    '',
    wrapText('Every command stops on Ctrl-C, SIGTERM or SIGHUP with exit code 130 (a second one stops it at once).', width),
    '',
  ].join('\n');
}

/** The help of a group of commands (`stratum source`): its subcommands and what they do. */
function groupHelp(group: string, members: readonly Command[]): string {
  const subs = members.map((c) => [c.name.slice(group.length + 1), c.summary] as const);
  const width = widthOf(process.stdout);
  return [`Usage: stratum ${group} <command> [flags]`, '', 'Commands:', ...twoColumns(subs, width), '',
    wrapText(`Run 'stratum ${group} <command> --help' for a command's flags.`, width), ''].join('\n');
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


/**
 * The error for words that name no command: a group's subcommands when they start one, else the
 * command the first word is closest to (`stratum gen` → generate), if any is close.
 */
function unknownCommand(argv: readonly string[]): string {
  // the command as typed: its words, not the flags after them (`generat --out x` → 'generat')
  const firstFlag = argv.findIndex((a) => a.startsWith('-'));
  const typed = argv.slice(0, firstFlag < 0 ? argv.length : Math.max(firstFlag, 1)).join(' ');
  const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
  if (group.length > 0 && argv.length > 1 && !argv[1].startsWith('-')) {
    // `source freshnes`: the group's subcommand closest to the second word
    const subs = group.map((c) => c.name.slice(argv[0].length + 1));
    return `stratum: unknown command '${typed}'${didYouMean(argv[1], subs, (w) => `'stratum ${argv[0]} ${w}'`)} (see stratum ${argv[0]} --help)`;
  }
  if (group.length > 0) return `stratum ${argv[0]}: name a subcommand: ${group.map((c) => `'stratum ${c.name}'`).join(', ')} (see stratum --help)`;
  if (argv[0].startsWith('-')) return `stratum: unknown flag '${argv[0]}' (see stratum --help)`;
  const firstWords = [...new Set(commands.map((c) => c.name.split(' ')[0]))];
  // `sourc freshness` → 'stratum source freshness': the whole command when the other words fit
  const whole = (w: string) => commands.find((c) => c.name.split(' ')[0] === w && c.name.split(' ').slice(1).every((x, i) => argv[i + 1] === x))?.name ?? w;
  // `generate more` names a command and then a word too many: no guess
  const hint = firstWords.includes(argv[0]) ? '' : didYouMean(argv[0], firstWords, (w) => `'stratum ${whole(w)}'`);
  return `stratum: unknown command '${typed}'${hint} (see stratum --help)`;
}

/**
 * Flags dbt takes before its subcommand as well as after it (`dbt --warn-error build`): given
 * there, they are the subcommand's own, which then takes them or names them as not supported.
 */
const LEADING_FLAGS: readonly string[] = ['--warn-error', '--fail-fast', '-x'];

/** Runs the CLI with the given arguments and returns the exit code. */
export async function main(given: readonly string[]): Promise<number> {
  const leading = given.findIndex((a) => !LEADING_FLAGS.includes(a));
  const after = leading > 0 ? findCommand(given.slice(leading)) : undefined;
  // right after the command's words, before its own flags (a last `-s` would take one as its value)
  const argv = after ? [...after.cmd.name.split(' '), ...given.slice(0, leading), ...after.rest] : given;
  const helpWord = argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h';
  if (argv.length === 0 || (helpWord && argv.length === 1)) {
    process.stdout.write(topHelp());
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(`stratum ${stratumVersion()}\n`);
    return 0;
  }
  // `stratum help generate` and `stratum --help generate` are `stratum generate --help`
  const asked = helpWord ? argv.slice(1) : undefined;
  const words = asked ?? argv;
  const found = findCommand(words);
  // `stratum source --help`, `stratum help source`: a group's help lists its subcommands
  if (!found && (asked ? words.length === 1 : words.length === 2 && (words[1] === '--help' || words[1] === '-h'))) {
    const group = commands.filter((c) => c.name.startsWith(`${words[0]} `));
    if (group.length > 0) {
      process.stdout.write(groupHelp(words[0], group));
      return 0;
    }
  }
  // `stratum help generate more`: a word too many; `stratum help run -s x` is `stratum run -s x --help`
  if (!found || (asked && found.rest.length > 0 && !found.rest[0].startsWith('-'))) {
    process.stderr.write(`Error: ${unknownCommand(words)}\n`);
    return 2;
  }
  // every command stops on Ctrl-C, SIGTERM or SIGHUP with exit 130, its queries interrupted and
  // what it opened closed (a command with a notice of its own cancels inside this scope)
  let cancel: ReturnType<typeof cancelOnSignals> | undefined;
  try {
    const args = parseCommandArgs(found.cmd, asked ? [...found.rest, '--help'] : found.rest);
    if (!args) return 0;
    cancel = cancelOnSignals(`Cancelling stratum ${found.cmd.name} (Ctrl-C again to stop at once)`);
    const code = await found.cmd.run(args, cancel.signal);
    return cancel.signal.aborted ? 130 : code;
  } catch (e) {
    if (e instanceof StratumError) {
      // cancelled here: the notice said so, and what failed after it (an interrupted query) is its doing
      if (cancel?.signal.aborted) return 130;
      // a cancel is what the user asked for, not an error
      process.stderr.write(e instanceof CancelledError ? `${e.message}\n` : `Error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  } finally {
    cancel?.dispose();
  }
}
