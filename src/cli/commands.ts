/** Every `stratum` subcommand, in the order `stratum --help` lists them. */
import type { Command } from './command.js';

export const commands: readonly Command[] = [];
