/** Every `stratum` subcommand, in the order `stratum --help` lists them. */
import type { Command } from './command.js';
import { compileCommand } from './compile.js';
import { lsCommand } from './ls.js';

export const commands: readonly Command[] = [compileCommand, lsCommand];
